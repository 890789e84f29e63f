// Hosting a supervisor for one project: the lock, reaping a dead predecessor's leftovers, log files,
// state.json kept current, the control API, waiting for readiness, and one idempotent shutdown.
import { AgentctlError } from "../errors.js";
import { ensureControlToken, stateFiles } from "../project/state-files.js";
import { startControlServer } from "./control-server.js";
import { LogStore } from "./logs.js";
import { serviceReady } from "./plan.js";
import { readProcessStat } from "./process-table.js";
import { type ReapReport, reapLeftovers } from "./reap.js";
import { acquireLock, clearState, writeState } from "./state.js";
import { type InstanceView, Supervisor, type SupervisorOptions } from "./supervisor.js";

/** How long `up` waits for everything to be ready unless told otherwise. */
export const defaultReadyTimeoutMs = 60_000;

/** Options of a hosted supervisor. */
export interface HostOptions
  extends Pick<
    SupervisorOptions,
    "project" | "backends" | "env" | "onLine" | "onInstanceChange" | "onInstanceStopping" | "discoveryUrl"
  > {
  /** Extra top-level sections of the control API's status (the router adds `router`). */
  statusSections?: () => Record<string, unknown>;
  trafficFigures?: () => Record<string, TrafficFigures>;
}

/** Request figures of one service, fed by the router when it runs. */
export interface TrafficFigures {
  requestsPerSecond?: number;
  errorsPerSecond?: number;
}

/** A running project. */
export interface HostedProject {
  supervisor: Supervisor;
  controlUrl: string;
  reaped: ReapReport;
  /** Resolves when every service is ready; rejects with the reason and last log lines. */
  waitReady(timeoutMs?: number): Promise<void>;
  /** Stops everything (once) and releases the lock. */
  shutdown(): Promise<void>;
  /** Resolves after shutdown, whoever asked for it (Ctrl-C, the control API's down). */
  closed: Promise<void>;
  /** Request figures per service when something (the router) feeds them. */
  trafficFigures?: () => Record<string, TrafficFigures>;
  /** Where the project's router listens, when `up` started one. */
  routerUrl?: string;
}

/** Takes the lock, reaps leftovers and starts the supervisor and its control API. */
export async function hostProject(options: HostOptions): Promise<HostedProject> {
  const { project } = options;
  const lock = acquireLock(project.stateDir);
  let phase: "starting" | "ready" | "failed" | "stopping" = "starting";
  let failure: string | undefined;
  try {
    const reaped = await reapLeftovers(project.stateDir, options.backends);
    const store = new LogStore(stateFiles(project.stateDir).logs);
    const token = ensureControlToken(project.stateDir);
    const supervisor = new Supervisor({
      ...options,
      onLine: (line) => {
        store.append(line);
        options.onLine?.(line);
      },
    });
    const startedAt = new Date().toISOString();
    let shuttingDown: Promise<void> | undefined;
    let resolveClosed!: () => void;
    const closed = new Promise<void>((resolve) => {
      resolveClosed = resolve;
    });
    const shutdown = () => {
      shuttingDown ??= (async () => {
        phase = "stopping";
        await supervisor.stop();
        clearState(project.stateDir);
        await control.close();
        lock.release();
        resolveClosed();
      })();
      return shuttingDown;
    };
    const control = await startControlServer(token, {
      status: () => ({
        project: project.name,
        root: project.root,
        phase,
        error: failure,
        supervisor: { pid: process.pid, startedAt },
        services: supervisor.services().map((s) => ({
          name: s.name,
          kind: s.kind ?? "service",
          replicas: s.replicas,
          ready: serviceReady(s, supervisor.list().map(toObserved)),
        })),
        instances: supervisor.list(),
        ...options.statusSections?.(),
      }),
      scale: (service, replicas) => supervisor.scale(service, replicas),
      restart: (service) => supervisor.restart(service),
      down: () => shutdown(),
    });
    const record = () =>
      writeState(project.stateDir, {
        version: 1,
        project: project.name,
        supervisor: {
          pid: process.pid,
          startTime: readProcessStat(process.pid)?.startTime,
          startedAt,
          controlUrl: control.url,
        },
        instances: supervisor.handles(),
      });
    record();
    supervisor.on("change", () => {
      if (phase !== "stopping" || supervisor.handles().length > 0) record();
    });
    await supervisor.start().catch(async (error: unknown) => {
      await shutdown();
      throw error;
    });
    const waitReady = async (timeoutMs = defaultReadyTimeoutMs) => {
      try {
        await waitUntilReady(supervisor, timeoutMs);
        phase = "ready";
      } catch (error) {
        phase = "failed";
        failure = (error as Error).message;
        throw error;
      }
    };
    return {
      supervisor,
      controlUrl: control.url,
      reaped,
      waitReady,
      shutdown,
      closed,
      trafficFigures: options.trafficFigures,
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}

function toObserved(view: InstanceView) {
  return { id: view.id, service: view.service, replica: view.replica, state: view.state, streak: 0 };
}

async function waitUntilReady(supervisor: Supervisor, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (supervisor.fatal) throw supervisor.fatal;
    // Ctrl-C, `q` or `agentctl down` while waiting: nothing will get ready any more.
    if (supervisor.stopping)
      throw new AgentctlError("E_INTERRUPTED", "stopped while waiting for services to be ready");
    const observed = supervisor.list().map(toObserved);
    const waiting = supervisor.services().filter((s) => !serviceReady(s, observed));
    if (waiting.length === 0) return;
    const givenUp = supervisor.list().find((i) => i.state === "stopped");
    if (givenUp || Date.now() >= deadline) {
      const culprit =
        givenUp?.service ??
        firstNotReady(
          supervisor,
          waiting.map((s) => s.name),
        );
      throw notReadyError(
        supervisor,
        culprit,
        givenUp
          ? `stopped (${givenUp.lastExit ?? "exited"}) and its restart policy does not restart it`
          : `did not become ready within ${Math.round(timeoutMs / 1000)}s`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// The first waiting service whose dependencies are all ready: the one actually holding things up.
function firstNotReady(supervisor: Supervisor, waiting: string[]): string {
  const services = supervisor.services();
  return (
    waiting.find(
      (name) => !services.find((s) => s.name === name)!.dependsOn.some((d) => waiting.includes(d)),
    ) ?? waiting[0]!
  );
}

function notReadyError(supervisor: Supervisor, service: string, what: string): AgentctlError {
  const resource = supervisor.services().find((s) => s.name === service)?.kind === "resource";
  const instances = supervisor.list().filter((i) => i.service === service);
  const lines = instances.flatMap((i) =>
    supervisor.recentLines(i.id, 10).map((line) => `  ${i.id} | ${line}`),
  );
  const state = instances
    .map((i) => `${i.id} ${i.state}${i.lastExit ? ` (last ${i.lastExit})` : ""}`)
    .join(", ");
  return new AgentctlError(
    "E_NOT_READY",
    `${resource ? "resource" : "service"} "${service}" ${what}${state ? ` [${state}]` : ""}${lines.length > 0 ? `\nlast log lines:\n${lines.join("\n")}` : "\n(it printed nothing)"}`,
    {
      hint: resource
        ? `Its output is in .agentctl/logs/${service}.log; --keep-going leaves the other services up.`
        : `Check its ready/health path, or run \`agentctl logs ${service}\`; --keep-going leaves the other services up.`,
    },
  );
}
