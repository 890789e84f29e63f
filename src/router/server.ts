// The router: one HTTP server on 127.0.0.1 that proxies /<service>/… (and Host: <service>.localhost,
// and `routes:` prefixes) to ready instances, serves the admin API under /_agentctl/, and passes
// WebSocket upgrades through. Writes .agentctl/router.json while it listens.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { dirname } from "node:path";
import type { Writable } from "node:stream";
import { AgentctlError } from "../errors.js";
import type { ResolvedProject } from "../project/resolve.js";
import { stateFiles } from "../project/state-files.js";
import { adminPrefix, handleAdmin } from "./admin.js";
import { answer } from "./answer.js";
import { type Balancer, createBalancer } from "./balancer.js";
import { RawCore } from "./client-connection.js";
import { startHealthChecks } from "./health-check.js";
import { prometheusText, type ServiceSnapshot, snapshotMetrics } from "./metrics.js";
import { type AccessLogEntry, type ProxyContext, proxyRequest } from "./proxy.js";
import { Registry } from "./registry.js";
import { routeTable } from "./route.js";
import { TargetSet } from "./target.js";
import { proxyUpgrade } from "./upgrade.js";

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
  close(): Promise<void>;
}

function failed(response: ServerResponse, error: Error): void {
  if (!response.headersSent) answer(response, 500, "error", { error: `router: ${error.message}` });
  else response.destroy(error);
}

/** Starts the router and resolves once it listens. */
export async function startRouter(options: RouterOptions): Promise<RunningRouter> {
  const { project } = options;
  const registry = options.registry ?? new Registry();
  const targets = new TargetSet(registry, project.router.breaker);
  const services = new Map(project.services.map((service) => [service.name, service]));
  const balancers = new Map<string, Balancer>();
  const settings = new Map<string, { timeoutMs: number; retries: number }>();
  const unrouted = new Map<string, number>();
  const accessLog = options.accessLog === true ? process.stdout : options.accessLog || undefined;
  let url = "";

  const context: ProxyContext = {
    routes: routeTable(project.services),
    ready: (service) => targets.ready(service),
    balancer(service) {
      let balancer = balancers.get(service);
      if (!balancer) {
        balancer = createBalancer(services.get(service)?.strategy ?? project.router.strategy);
        balancers.set(service, balancer);
      }
      return balancer;
    },
    settings(service) {
      let found = settings.get(service);
      if (!found) {
        found = {
          timeoutMs: services.get(service)?.timeoutMs ?? project.router.timeoutMs,
          retries: project.router.retries,
        };
        settings.set(service, found);
      }
      return found;
    },
    knownServices: () => [...new Set([...services.keys(), ...registry.services()])].sort(),
    maxBodyBytes: project.router.maxBodyBytes,
    unrouted,
    log: accessLog ? (entry: AccessLogEntry) => accessLog.write(`${JSON.stringify(entry)}\n`) : undefined,
  };
  const snapshot = () => snapshotMetrics(targets.all(), unrouted);
  const metrics = () => prometheusText(targets.all(), unrouted);
  const admin = {
    registry,
    targets,
    token: options.token,
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
  let core: RawCore | undefined;
  if ((options.core ?? "raw") === "raw") {
    const nodeConnection = server.listeners("connection")[0] as (socket: Socket) => void;
    server.removeListener("connection", nodeConnection);
    const raw = new RawCore({
      context,
      maxHeaderBytes,
      headersTimeoutMs,
      keepAliveTimeoutMs,
      idleTimeoutMs,
      handOver: (socket) => nodeConnection.call(server, socket),
    });
    server.on("connection", (socket: Socket) => raw.accept(socket));
    core = raw;
  }

  const host = options.host ?? project.router.host ?? "127.0.0.1";
  const port = options.port ?? project.router.port;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: Error & { code?: string }) =>
      reject(
        error.code === "EADDRINUSE"
          ? new AgentctlError("E_ROUTER_PORT", `router port ${port} on ${host} is already in use`, {
              hint: "Stop what holds it, or set router.port in agentctl.yaml (0 picks a free port).",
            })
          : error,
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  url = `http://${host.includes(":") ? `[${host}]` : host}:${bound}`;

  const intervalMs = options.healthCheckIntervalMs ?? 2_000;
  const stopChecks =
    intervalMs > 0
      ? startHealthChecks(targets, {
          intervalMs,
          timeoutMs: Math.min(intervalMs, 2_000),
          pathFor: (service) => services.get(service)?.health.path ?? "/health",
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
    async close() {
      stopChecks();
      if (file) rmSync(file, { force: true });
      // Requests under way get a second to finish before their connections and pools are cut.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      core?.closeIdle();
      const force = setTimeout(() => {
        server.closeAllConnections();
        core?.closeAll();
      }, 1_000);
      force.unref();
      await closed;
      clearTimeout(force);
      await targets.close();
    },
  };
}
