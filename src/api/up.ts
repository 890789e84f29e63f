// `up`: bundle entries, then run the project under a supervisor — here (foreground) or in a detached
// child `agentctl up` whose output goes to .agentctl/logs/supervisor.log (`up -d`).
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { type ControlStatus, connectControl } from "../client/control.js";
import { AgentctlError } from "../errors.js";
import { resourcesOf } from "../project/environment.js";
import type { ResolvedProject, ResolvedService } from "../project/resolve.js";
import { stateFiles } from "../project/state-files.js";
import type { Backend } from "../runtime/backend.js";
import { createBackends } from "../runtime/backends.js";
import {
  defaultReadyTimeoutMs,
  type HostedProject,
  hostProject,
  type TrafficFigures,
} from "../runtime/host.js";
import { missingSecrets } from "../runtime/instance-spec.js";
import { defaultMaxLogBytes, type LogLine } from "../runtime/logs.js";
import { isSameProcess } from "../runtime/process-table.js";
import { type ReapReport, reapLeftovers } from "../runtime/reap.js";
import { locateResources } from "../runtime/resources.js";
import { readState, supervisorAlive } from "../runtime/state.js";
import type { InstanceView } from "../runtime/supervisor.js";
import { build } from "./build.js";
import { type ProjectRouter, startProjectRouter } from "./project-router.js";

/** Options of `up`. */
export interface UpOptions {
  env?: NodeJS.ProcessEnv;
  /** Leave services up when one never gets ready. */
  keepGoing?: boolean;
  readyTimeoutMs?: number;
  /** Stops a foreground `up` while it waits for readiness. */
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
  onLine?: (line: LogLine) => void;
  onInstanceChange?: (instance: InstanceView) => void;
  /** Called once the supervisor runs, before the wait for readiness (the dashboard shows it from then). */
  onHosted?: (hosted: HostedProject) => void;
  /** The router seam: where dependents reach a service (default: its replica 0). */
  discoveryUrl?: (service: ResolvedService, replicaZeroUrl: string) => string;
  statusSections?: () => Record<string, unknown>;
  /** Request and error rates per service (the router's); the dashboard shows "–" without them. */
  trafficFigures?: () => Record<string, TrafficFigures>;
  /** Backends by runtime name; default: the process backend. */
  backends?: Partial<Record<string, Backend>>;
  /**
   * The project's router (default on): every service behind <router>/<service>, discovery URLs
   * pointing at it, its figures in the dashboard. `false` leaves it out (discovery then points at
   * replica 0); a caller's own `discoveryUrl` also leaves it out.
   */
  router?: boolean;
  /** A JSON line per proxied request: appended to this file, to this stream, or to stdout when `true`. */
  accessLog?: string | Writable | boolean;
}

/** Builds and runs the project here; resolves once everything is ready (or fails, having stopped it). */
export async function up(project: ResolvedProject, options: UpOptions = {}): Promise<HostedProject> {
  for (const missing of missingSecrets(project, options.env ?? process.env))
    options.onProgress?.(`warning: secret ${missing} is set neither in the environment nor in .env`);
  checkResources(project, options);
  await buildWithProgress(project, options);
  const routed = options.router !== false && !options.discoveryUrl;
  // Refuse a second `up` before the router takes the port, so the user hears the real reason.
  if (routed) refuseWhenRunning(project);
  const router = routed ? await startProjectRouter(project, { accessLog: options.accessLog }) : undefined;
  if (router) options.onProgress?.(`router listening on ${router.router.url}`);
  let hosted: HostedProject;
  try {
    hosted = await hostProject({
      project,
      backends: options.backends ?? createBackends(project),
      env: options.env,
      onLine: options.onLine,
      onInstanceChange: both(router?.onInstanceChange, options.onInstanceChange),
      onInstanceStopping: router?.onInstanceStopping,
      discoveryUrl: router?.discoveryUrl ?? options.discoveryUrl,
      statusSections: () => ({ ...router?.statusSections(), ...options.statusSections?.() }),
      trafficFigures: options.trafficFigures ?? router?.trafficFigures,
    });
  } catch (error) {
    await router?.close();
    throw error;
  }
  if (router) hosted = withRouter(hosted, router);
  options.onHosted?.(hosted);
  if (hosted.reaped.killed > 0) options.onProgress?.(describeReaped(hosted.reaped));

  options.onProgress?.("waiting for services to be ready");
  const abort = () => void hosted.shutdown();
  options.signal?.addEventListener("abort", abort, { once: true });
  try {
    await hosted.waitReady(options.readyTimeoutMs ?? defaultReadyTimeoutMs);
  } catch (error) {
    if (options.signal?.aborted) {
      // The abort listener began the shutdown; finish it before saying so (nothing left running).
      await hosted.shutdown();
      throw new AgentctlError(
        "E_INTERRUPTED",
        "interrupted while waiting for services to be ready; what had started was stopped",
      );
    }
    if (!options.keepGoing) await hosted.shutdown();
    else (error as AgentctlError & { hosted?: HostedProject }).hosted = hosted;
    throw error;
  } finally {
    options.signal?.removeEventListener("abort", abort);
  }
  return hosted;
}

// Before anything starts: a resource that cannot run here (kafka, a missing program) fails now; the
// ones that run are named; what still is not started, or not reachable, is a warning.
function checkResources(project: ResolvedProject, options: Pick<UpOptions, "env" | "onProgress">): void {
  const local = locateResources(project, options.env ?? process.env);
  for (const { resource, dataDir, program } of local)
    options.onProgress?.(
      `resource ${resource.name} (${resource.kind}) runs ${program} on 127.0.0.1, data in ${relative(project.root, dataDir)}`,
    );
  const running = new Set(local.map((l) => l.resource.name));
  for (const resource of project.resources.filter((r) => !r.external && !running.has(r.name)))
    options.onProgress?.(
      `warning: resource ${resource.name} (${resource.kind}) is used by no service, so up does not start it`,
    );
  for (const service of project.services.filter((s) => s.runtime === "docker"))
    for (const resource of resourcesOf(project, service).filter((r) => running.has(r.name)))
      options.onProgress?.(
        `warning: service ${service.name} runs in a container, which cannot reach resource ${resource.name} on the host's 127.0.0.1; set resources.${resource.name}.external to an address the container reaches`,
      );
}

async function buildWithProgress(project: ResolvedProject, options: UpOptions): Promise<void> {
  if (!project.services.some((s) => s.entry)) return;
  options.onProgress?.("building service entries");
  await build(project, {
    onService: (service, result) =>
      options.onProgress?.(`${result.skipped ? "unchanged" : "built"} ${service}`),
  });
}

function both<T>(a?: (value: T) => void, b?: (value: T) => void): ((value: T) => void) | undefined {
  if (!a || !b) return a ?? b;
  return (value) => {
    a(value);
    b(value);
  };
}

// The router outlives the last instance: it closes after the supervisor stopped everything.
function withRouter(hosted: HostedProject, router: ProjectRouter): HostedProject {
  const closed = hosted.closed.then(() => router.close());
  return {
    ...hosted,
    routerUrl: router.router.url,
    closed,
    shutdown: async () => {
      await hosted.shutdown();
      await router.close();
    },
  };
}

function refuseWhenRunning(project: ResolvedProject): void {
  const existing = readState(project.stateDir);
  if (supervisorAlive(existing))
    throw new AgentctlError(
      "E_ALREADY_RUNNING",
      `agentctl up is already running for this project (pid ${existing!.supervisor!.pid})`,
      { hint: "Use `agentctl ps` to see it, or `agentctl down` to stop it first." },
    );
}

function describeReaped(reaped: ReapReport): string {
  const list = reaped.instances.map((i) => `${i.id} (pid ${i.pids.join(", ")})`).join(", ");
  return `reaped ${reaped.killed} leftover process(es) of an agentctl that was killed: ${list}`;
}

/** The path of the CLI's bin shim, which the detached child runs. */
export const agentctlBin = fileURLToPath(new URL("../../bin/agentctl.js", import.meta.url));

/** Starts `agentctl up` in the background and resolves with its status once everything is ready. */
export async function upDetached(
  project: ResolvedProject,
  options: Pick<UpOptions, "env" | "keepGoing" | "readyTimeoutMs" | "onProgress"> & {
    /** The access log file of the background router. */
    accessLog?: string;
  } = {},
): Promise<ControlStatus> {
  refuseWhenRunning(project);
  checkResources(project, options);
  // Leftovers of a killed supervisor are reaped here, so that the user sees it (the child's output
  // goes to a file).
  const reaped = await reapLeftovers(project.stateDir, createBackends(project));
  if (reaped.killed > 0) options.onProgress?.(describeReaped(reaped));
  await buildWithProgress(project, options);
  const logDir = stateFiles(project.stateDir).logs;
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, "supervisor.log");
  // The child appends through its own descriptor, so rotation happens here, between runs.
  if (existsSync(logFile) && statSync(logFile).size > defaultMaxLogBytes) renameSync(logFile, `${logFile}.1`);
  const logStart = existsSync(logFile) ? statSync(logFile).size : 0;
  const out = openSync(logFile, "a", 0o600);
  const timeoutMs = options.readyTimeoutMs ?? defaultReadyTimeoutMs;
  const args = [
    agentctlBin,
    "-f",
    project.file,
    "up",
    "--supervisor-child",
    "--no-ui",
    "--timeout",
    `${timeoutMs}ms`,
  ];
  if (options.keepGoing) args.push("--keep-going");
  if (options.accessLog) args.push("--access-log", options.accessLog);
  const child = spawn(process.execPath, args, {
    cwd: project.root,
    detached: true,
    stdio: ["ignore", out, out],
    env: { ...(options.env ?? process.env), NO_COLOR: "1" },
  });
  closeSync(out);
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  child.unref();
  const pid = child.pid!;
  options.onProgress?.(`supervisor started in the background (pid ${pid}); waiting for services to be ready`);
  const deadline = Date.now() + timeoutMs + 30_000;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 150));
    const client = connectControl(project.stateDir);
    if (client && client.pid === pid) {
      const status = await client.status().catch(() => undefined);
      if (status?.phase === "ready") return status;
      if (status?.phase === "failed" && options.keepGoing) return status;
    }
    if (exited || !isSameProcess(pid, undefined)) throw detachedFailed(logFile, logStart);
    if (Date.now() >= deadline)
      throw new AgentctlError(
        "E_NOT_READY",
        `the background supervisor (pid ${pid}) did not report ready in time; see ${logFile}`,
      );
  }
}

function detachedFailed(logFile: string, from: number): AgentctlError {
  const text = existsSync(logFile) ? readFileSync(logFile).subarray(from).toString("utf8") : "";
  const lines = text.trimEnd().split("\n").slice(-25).join("\n");
  return new AgentctlError(
    "E_UP_FAILED",
    `the background supervisor stopped before everything was ready:\n${lines}`,
    {
      hint: `The whole log is in ${logFile}.`,
    },
  );
}
