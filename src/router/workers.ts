// Router worker processes (`router.workers` above 1): the router process keeps the registry, the
// admin API, the health checks and router.json, and spreads the client connections it accepts over
// worker processes, each running the raw core over a mirror of the instance list. What a worker's raw
// core does not handle (admin API, upgrades, Expect, HTTP/1.0, odd framing) it relays, bytes as they
// are, to the router's own node:http server on an internal 127.0.0.1 port, so those keep one
// behaviour. Workers report their figures every second; the router adds them to its own, so
// /_agentctl/metrics, `agentctl registry` and the dashboard stay whole. Breakers are per process (like
// nginx's workers); health-check results reach every worker. A worker exits when the router's IPC
// channel closes, so a killed router leaves none behind.
import { type ChildProcess, fork } from "node:child_process";
import type { Socket } from "node:net";
import { fileURLToPath } from "node:url";
import type { ResolvedProject } from "../project/resolve.js";
import type { BreakerState } from "./breaker.js";
import { type ExportedStats, MergedStats, type MeteredInstance } from "./metrics.js";
import type { Instance, Registry } from "./registry.js";
import type { Target } from "./target.js";

/** The raw core's limits, as the router has them. */
export interface WorkerSettings {
  maxHeaderBytes: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  idleTimeoutMs: number;
  /** Where unusual connections are relayed: the router's internal node:http port on 127.0.0.1. */
  handOverPort: number;
  accessLog: boolean;
  reportEveryMs: number;
}

/** Messages from the router to a worker. */
export type ToWorker =
  | { type: "init"; project: ResolvedProject; settings: WorkerSettings; instances: Instance[] }
  | { type: "instances"; instances: Instance[] }
  | { type: "connection" }
  | { type: "health"; id: string; healthy: boolean }
  | { type: "report" }
  | { type: "close" };

/** One instance's figures in a worker's report. */
export interface WorkerTargetReport {
  id: string;
  inflight: number;
  breaker: BreakerState;
  stats: ExportedStats;
}

/** Messages from a worker to the router. */
export type FromWorker =
  | { type: "ready" }
  | { type: "report"; targets: WorkerTargetReport[]; unrouted: [string, number][] }
  | { type: "log"; text: string };

/** The worker's entry point (the built file: workers are plain node processes). */
export const workerEntry = fileURLToPath(new URL("../../dist/router/worker-main.js", import.meta.url));

const breakerRank: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };
const startTimeoutMs = 15_000;
const respawnDelayMs = 1_000;

interface Worker {
  child: ChildProcess;
  ready: boolean;
  report: Map<string, WorkerTargetReport>;
  unrouted: [string, number][];
  /** Called on the next report (see refresh()). */
  waiting: (() => void)[];
}

/** Options of `RouterWorkers`. */
export interface RouterWorkersOptions {
  count: number;
  project: ResolvedProject;
  registry: Registry;
  settings: WorkerSettings;
  /** Access-log text written by workers (whole lines). */
  onLog?(text: string): void;
}

/** The router's worker processes. */
export class RouterWorkers {
  readonly #workers: (Worker | undefined)[];
  readonly #options: RouterWorkersOptions;
  #next = 0;
  #closing = false;
  #syncQueued = false;
  readonly #onChange = () => {
    if (this.#syncQueued) return;
    this.#syncQueued = true;
    queueMicrotask(() => {
      this.#syncQueued = false;
      this.#broadcast({ type: "instances", instances: this.#options.registry.list() });
    });
  };

  constructor(options: RouterWorkersOptions) {
    this.#options = options;
    this.#workers = new Array(options.count).fill(undefined);
    options.registry.on("change", this.#onChange);
  }

  /** Starts every worker; resolves once all of them are ready to take connections. */
  async start(): Promise<void> {
    await Promise.all(this.#workers.map((_, index) => this.#spawn(index)));
  }

  /** The process ids of the workers (for tests and `ps`). */
  get pids(): number[] {
    return this.#workers.flatMap((worker) => (worker?.child.pid ? [worker.child.pid] : []));
  }

  /** Gives a freshly accepted connection to the next ready worker; false when none is ready. */
  dispatch(socket: Socket): boolean {
    const count = this.#workers.length;
    for (let tried = 0; tried < count; tried++) {
      const worker = this.#workers[this.#next++ % count];
      if (!worker?.ready || !worker.child.connected) continue;
      try {
        worker.child.send({ type: "connection" } satisfies ToWorker, socket);
        return true;
      } catch {
        // The channel closed just now (the worker is exiting): try the next one.
      }
    }
    return false;
  }

  /** Asks every worker for its figures now and waits for them (at most `timeoutMs`), so an admin
   * answer does not lag behind the periodic reports. */
  async refresh(timeoutMs = 250): Promise<void> {
    await Promise.all(
      this.#workers.map((worker) => {
        if (!worker?.ready || !worker.child.connected) return undefined;
        return new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, timeoutMs);
          worker.waiting.push(() => {
            clearTimeout(timer);
            resolve();
          });
          worker.child.send({ type: "report" } satisfies ToWorker);
        });
      }),
    );
  }

  /** Passes an active health-check result on to every worker's breaker of that instance. */
  health(id: string, healthy: boolean): void {
    this.#broadcast({ type: "health", id, healthy });
  }

  /** `target`'s figures with every worker's added (their latest report). */
  metered(target: Target): MeteredInstance {
    const parts: WorkerTargetReport[] = [];
    for (const worker of this.#workers) {
      const report = worker?.report.get(target.id);
      if (report) parts.push(report);
    }
    let breaker = target.breaker;
    let inflight = target.inflight;
    for (const part of parts) {
      inflight += part.inflight;
      if (breakerRank[part.breaker] > breakerRank[breaker]) breaker = part.breaker;
    }
    return {
      id: target.id,
      service: target.service,
      inflight,
      breaker,
      stats: new MergedStats(
        target.stats,
        parts.map((part) => part.stats),
      ),
    };
  }

  /** Requests without a ready instance, the router's own and the workers'. */
  unrouted(own: ReadonlyMap<string, number>): Map<string, number> {
    const total = new Map(own);
    for (const worker of this.#workers)
      for (const [service, count] of worker?.unrouted ?? [])
        total.set(service, (total.get(service) ?? 0) + count);
    return total;
  }

  /** Asks every worker to finish its requests and exit; kills the ones still there after `graceMs`. */
  async close(graceMs = 2_000): Promise<void> {
    this.#closing = true;
    this.#options.registry.off("change", this.#onChange);
    await Promise.all(
      this.#workers.map(async (worker) => {
        if (!worker) return;
        const { child } = worker;
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        if (child.connected) child.send({ type: "close" } satisfies ToWorker);
        else child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  #broadcast(message: ToWorker): void {
    for (const worker of this.#workers)
      if (worker?.ready && worker.child.connected) worker.child.send(message);
  }

  #spawn(index: number): Promise<void> {
    const { project, settings, registry } = this.#options;
    const child = fork(workerEntry, [], {
      serialization: "advanced",
      execArgv: [], // not the router's own flags (an --inspect port, loaders): a plain node process
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      env: { ...process.env, AGENTCTL_ROUTER_WORKER: String(index) },
    });
    const worker: Worker = { child, ready: false, report: new Map(), unrouted: [], waiting: [] };
    // A send on a channel that just closed is reported here; the exit handling below covers the worker.
    child.on("error", () => undefined);
    this.#workers[index] = worker;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`router worker ${index} did not start within ${startTimeoutMs / 1000} s`));
      }, startTimeoutMs);
      child.on("message", (message: FromWorker) => {
        if (message.type === "ready") {
          clearTimeout(timer);
          worker.ready = true;
          // Changes made while it started are not lost: it gets the list as it is now.
          child.send({ type: "instances", instances: registry.list() } satisfies ToWorker);
          resolve();
        } else if (message.type === "report") {
          worker.report = new Map(message.targets.map((each) => [each.id, each]));
          worker.unrouted = message.unrouted;
          for (const done of worker.waiting.splice(0)) done();
        } else if (message.type === "log") this.#options.onLog?.(message.text);
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        const wasReady = worker.ready;
        worker.ready = false;
        worker.report.clear();
        for (const done of worker.waiting.splice(0)) done();
        if (this.#closing) return;
        if (!wasReady) {
          reject(new Error(`router worker ${index} exited with ${signal ?? code} before it was ready`));
          return;
        }
        // A worker that died is replaced; its clients saw their connections cut, as with any crash.
        process.stderr.write(
          `agentctl router: worker ${index} exited (${signal ?? code}); starting another\n`,
        );
        setTimeout(() => {
          if (!this.#closing) this.#spawn(index).catch(() => undefined);
        }, respawnDelayMs).unref();
      });
      child.send({ type: "init", project, settings, instances: registry.list() } satisfies ToWorker);
    });
  }
}
