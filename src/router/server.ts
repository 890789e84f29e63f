// The router: one HTTP server on 127.0.0.1 that proxies /<service>/… (and Host: <service>.localhost,
// and `routes:` prefixes) to ready instances, serves the admin API under /_agentctl/, and passes
// WebSocket upgrades through. Writes .agentctl/router.json while it listens.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import {
  type AddressInfo,
  createServer as createNetServer,
  type Server as NetServer,
  type Socket,
} from "node:net";
import { dirname } from "node:path";
import type { Writable } from "node:stream";
import { AgentctlError } from "../errors.js";
import type { ResolvedProject } from "../project/resolve.js";
import { stateFiles } from "../project/state-files.js";
import { adminPrefix, handleAdmin } from "./admin.js";
import { answer } from "./answer.js";
import { RawCore } from "./client-connection.js";
import { createProxyContext } from "./context.js";
import { startHealthChecks } from "./health-check.js";
import { type MeteredInstance, prometheusText, type ServiceSnapshot, snapshotMetrics } from "./metrics.js";
import { type AccessLogEntry, proxyRequest } from "./proxy.js";
import { Registry } from "./registry.js";
import { type Target, TargetSet } from "./target.js";
import { proxyUpgrade } from "./upgrade.js";
import { RouterWorkers } from "./workers.js";

/** Options of `startRouter`. */
export interface RouterOptions {
  project: ResolvedProject;
  registry?: Registry;
  /** The control token guarding the admin API. */
  token: string;
  /** When given, `<stateDir>/router.json` is written on listen and removed on close. */
  stateDir?: string;
  /** A JSON line per request: to this stream, or to stdout when `true`. */
  accessLog?: Writable | boolean;
  /** Overrides `router.port` (0 picks a free port). */
  port?: number;
  /** Overrides `router.host`; 127.0.0.1 unless told otherwise. */
  host?: string;
  /** Active health check interval; 0 turns checks off. Default 2 s. */
  healthCheckIntervalMs?: number;
  /** Largest request head the router accepts (431 above it). Default 16 KiB. */
  maxHeaderBytes?: number;
  /** Time a client has to send its request head (slow clients are cut off). Default 10 s. */
  headersTimeoutMs?: number;
  /** A client connection with no bytes either way for this long is closed. Default 2 min. */
  idleTimeoutMs?: number;
  /** Which code reads client connections: "raw" (default) parses HTTP/1.1 on the socket itself and
   * hands anything unusual to node:http; "node" sends everything through node:http and undici. */
  core?: "raw" | "node";
  /** Overrides `router.workers`: above 1, that many worker processes serve the connections. */
  workers?: number;
}

/** What `.agentctl/router.json` holds. */
export interface RouterFile {
  url: string;
  port: number;
  pid: number;
  adminUrl: string;
}

/** A running router. */
export interface RunningRouter {
  url: string;
  port: number;
  registry: Registry;
  /** Per-service/instance rate, errors, p50/p99, in-flight and breaker state, for the dashboard. */
  snapshot(): ServiceSnapshot[];
  /** Prometheus text, as served at /_agentctl/metrics. */
  metrics(): string;
  /** Process ids of the router's worker processes (none unless router.workers is above 1). */
  workerPids(): number[];
  close(): Promise<void>;
}

function failed(response: ServerResponse, error: Error): void {
  if (!response.headersSent) answer(response, 500, "error", { error: `router: ${error.message}` });
  else response.destroy(error);
}

/** Listens on host:port; a port in use becomes a clear error. */
function listen(server: NetServer, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (error: Error & { code?: string }) =>
      reject(
        error.code === "EADDRINUSE"
          ? new AgentctlError("E_ROUTER_PORT", `router port ${port} on ${host} is already in use`, {
              hint: "Stop what holds it, or set router.port in agentctl.yaml (0 picks a free port).",
            })
          : error,
      );
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

/** Starts the router and resolves once it listens. */
export async function startRouter(options: RouterOptions): Promise<RunningRouter> {
  const { project } = options;
  const registry = options.registry ?? new Registry();
  const targets = new TargetSet(registry, project.router.breaker);
  const services = new Map(project.services.map((service) => [service.name, service]));
  const accessLog = options.accessLog === true ? process.stdout : options.accessLog || undefined;
  let url = "";

  const context = createProxyContext(
    project,
    registry,
    targets,
    accessLog ? (entry: AccessLogEntry) => accessLog.write(`${JSON.stringify(entry)}\n`) : undefined,
  );
  const { unrouted } = context;
  const workerCount = options.workers ?? project.router.workers;
  let workers: RouterWorkers | undefined;
  // Each instance's figures: the router's own, plus its workers' when there are any.
  const metered = (target: Target): MeteredInstance => (workers ? workers.metered(target) : target);
  const allMetered = () => targets.all().map(metered);
  const allUnrouted = () => (workers ? workers.unrouted(unrouted) : unrouted);
  const snapshot = () => snapshotMetrics(allMetered(), allUnrouted());
  const metrics = () => prometheusText(allMetered(), allUnrouted());
  const admin = {
    registry,
    metered(id: string) {
      const target = targets.get(id);
      return target && metered(target);
    },
    token: options.token,
    refresh: async () => workers?.refresh(),
    routerUrl: () => url,
    metricsText: metrics,
    snapshot,
  };

  const maxHeaderBytes = options.maxHeaderBytes ?? 16 * 1024;
  const headersTimeoutMs = options.headersTimeoutMs ?? 10_000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 120_000;
  const keepAliveTimeoutMs = 5_000;
  const server = createServer(
    {
      maxHeaderSize: maxHeaderBytes,
      headersTimeout: headersTimeoutMs,
      // Node checks the head timeout only this often (30 s by default, which would make it moot).
      connectionsCheckingInterval: Math.min(1_000, Math.max(100, headersTimeoutMs / 2)),
      // Whole-request time is left to the per-route timeouts, so long uploads and streams are not cut.
      requestTimeout: 0,
      keepAliveTimeout: keepAliveTimeoutMs,
    },
    (request: IncomingMessage, response: ServerResponse) => {
      try {
        if (request.url?.startsWith(adminPrefix))
          handleAdmin(request, response, admin).catch((error: Error) => failed(response, error));
        else proxyRequest(request, response, context);
      } catch (error) {
        failed(response, error as Error);
      }
    },
  );
  // Slow or stalled clients: a connection idle in both directions is closed. Streams that send keep
  // the connection busy; upgraded sockets (WebSocket) are exempt, their idleness is the app's business.
  server.setTimeout(idleTimeoutMs, (socket) => socket.destroy());
  server.on("upgrade", (request, socket, head) => {
    (socket as Socket).setTimeout(0);
    proxyUpgrade(request, socket, head, context);
  });
  server.on("clientError", (error: Error & { code?: string }, socket) => {
    if (!socket.writable) return socket.destroy();
    // Node answers 431 itself for oversized heads only when no clientError listener exists; keep that.
    const status =
      error.code === "HPE_HEADER_OVERFLOW"
        ? "431 Request Header Fields Too Large"
        : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
          ? "408 Request Timeout"
          : "400 Bad Request";
    socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  });

  // The raw core takes every connection first (node:http's parser, IncomingMessage/ServerResponse and
  // undici cost about half the CPU of a request); node:http's own connection listener stays as the
  // path for what the raw core hands over. It is the same server, so node's head-timeout tracking,
  // limits, 'upgrade' and 'clientError' handlers apply to handed-over connections unchanged.
  const host = options.host ?? project.router.host ?? "127.0.0.1";
  const port = options.port ?? project.router.port;
  const useRaw = (options.core ?? "raw") === "raw";
  let core: RawCore | undefined;
  let front: NetServer | undefined;
  const nodeConnection = server.listeners("connection")[0] as (socket: Socket) => void;
  if (useRaw) {
    const raw = new RawCore({
      context,
      maxHeaderBytes,
      headersTimeoutMs,
      keepAliveTimeoutMs,
      idleTimeoutMs,
      handOver(socket, pending) {
        if (pending) socket.unshift(pending);
        nodeConnection.call(server, socket);
      },
    });
    core = raw;
    if (workerCount > 1) {
      // Worker processes serve the connections. The front listener accepts them paused (no byte is
      // read here) and passes each to a worker; node:http listens on an internal port for what the
      // workers relay to it. Should no worker be ready, the router serves the connection itself.
      await listen(server, 0, "127.0.0.1");
      workers = new RouterWorkers({
        count: workerCount,
        project,
        registry,
        settings: {
          maxHeaderBytes,
          headersTimeoutMs,
          keepAliveTimeoutMs,
          idleTimeoutMs,
          handOverPort: (server.address() as AddressInfo).port,
          accessLog: accessLog !== undefined,
          reportEveryMs: 1_000,
        },
        onLog: (text) => accessLog?.write(text),
      });
      try {
        await workers.start();
      } catch (error) {
        await workers.close(0);
        server.close();
        throw error;
      }
      const dispatching = workers;
      front = createNetServer({ pauseOnConnect: true }, (socket) => {
        if (dispatching.dispatch(socket)) return;
        socket.resume();
        raw.accept(socket);
      });
    } else {
      server.removeListener("connection", nodeConnection);
      server.on("connection", (socket: Socket) => raw.accept(socket));
    }
  }

  const listener = front ?? server;
  try {
    await listen(listener, port, host);
  } catch (error) {
    await workers?.close(0);
    if (front) server.close();
    throw error;
  }
  const bound = (listener.address() as AddressInfo).port;
  url = `http://${host.includes(":") ? `[${host}]` : host}:${bound}`;

  const intervalMs = options.healthCheckIntervalMs ?? 2_000;
  const stopChecks =
    intervalMs > 0
      ? startHealthChecks(targets, {
          intervalMs,
          timeoutMs: Math.min(intervalMs, 2_000),
          pathFor: (service) => services.get(service)?.health.path ?? "/health",
          onResult: (target, healthy) => workers?.health(target.id, healthy),
        })
      : () => undefined;

  const file = options.stateDir ? stateFiles(options.stateDir).router : undefined;
  if (file) {
    mkdirSync(dirname(file), { recursive: true });
    const contents: RouterFile = { url, port: bound, pid: process.pid, adminUrl: `${url}${adminPrefix}` };
    writeFileSync(file, `${JSON.stringify(contents, null, 2)}\n`, { mode: 0o600 });
  }

  return {
    url,
    port: bound,
    registry,
    snapshot,
    metrics,
    workerPids: () => workers?.pids ?? [],
    async close() {
      stopChecks();
      if (file) rmSync(file, { force: true });
      // Requests under way get a second to finish before their connections and pools are cut.
      const frontClosed = front && new Promise<void>((resolve) => front.close(() => resolve()));
      const workersClosed = workers?.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      core?.closeIdle();
      const force = setTimeout(() => {
        server.closeAllConnections();
        core?.closeAll();
      }, 1_000);
      force.unref();
      await Promise.all([closed, frontClosed, workersClosed]);
      clearTimeout(force);
      await targets.close();
    },
  };
}
