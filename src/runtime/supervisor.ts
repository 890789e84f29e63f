// The supervisor: every tick it observes instances (backend + health probes), asks plan.ts what to do,
// and executes that plan. Decisions live in plan.ts, restart.ts and health.ts; this file only acts.
// Backing resources (redis, postgres, nats without `external:`) are supervised like services: they
// come first in the desired list, so services that use them wait for them and stop before them.
import { EventEmitter } from "node:events";
import { AgentctlError, UserError } from "../errors.js";
import type { ResolvedProject, ResolvedService } from "../project/resolve.js";
import { parseDuration } from "../project/units.js";
import type { Backend, InstanceHandle } from "./backend.js";
import { initialHealth, probe, probePath, probeTcp, resourceProbe } from "./health.js";
import { foldProbe, type Instance, type InstanceView, recordUsage, toObserved } from "./instance.js";
import { instanceEnv, serviceCommand, serviceCwd } from "./instance-spec.js";
import type { LogLine } from "./logs.js";
import {
  type Action,
  type DesiredService,
  desiredServices,
  type InstanceState,
  planReconcile,
  planShutdown,
} from "./plan.js";
import {
  ensureResourcePortFree,
  type LocalResource,
  locateResources,
  prepareResource,
  resourceStartSpec,
  resourcesToRun,
} from "./resources.js";

export type { InstanceView } from "./instance.js";

import { ensurePortFree, freePort } from "./ports.js";

/** Options of a supervisor. */
export interface SupervisorOptions {
  project: ResolvedProject;
  backends: Partial<Record<string, Backend>>;
  env?: NodeJS.ProcessEnv;
  /** Every printed line of every instance (for log files and the dashboard). */
  onLine?: (line: LogLine) => void;
  /** Every state change of an instance: the seam the router's registry plugs into. */
  onInstanceChange?: (instance: InstanceView) => void;
  /** Called just before an instance is told to stop, so the router drains it first. */
  onInstanceStopping?: (instance: InstanceView) => void;
  /** The URL dependents get for a service; default: its replica 0 at http://127.0.0.1:<port>. */
  discoveryUrl?: (service: ResolvedService, replicaZeroUrl: string) => string;
  tickMs?: number;
  /** The HTTP probe; tests with a fake backend answer it themselves. */
  probe?: (url: string, timeoutMs: number) => Promise<boolean>;
}

/** Runs a project's services towards their desired state until stopped. */
export class Supervisor extends EventEmitter<{ change: [InstanceView]; line: [LogLine] }> {
  private readonly instances = new Map<string, Instance>();
  private readonly desired: DesiredService[];
  private readonly ports = new Map<string, number>();
  private readonly discovery = new Map<string, string>();
  /** Resources run here, by name, once their programs were found (start). */
  private readonly local = new Map<string, LocalResource>();
  private readonly resourceUrls = new Map<string, string>();
  private readonly tails = new Map<string, string[]>();
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private stopped = false;
  /** True once stop() was called: nothing starts any more. */
  get stopping(): boolean {
    return this.stopped;
  }
  /** A failure that ends `up` (a port in use, a command that cannot start). */
  fatal?: AgentctlError;

  constructor(private readonly options: SupervisorOptions) {
    super();
    this.desired = desiredServices(
      options.project,
      resourcesToRun(options.project).map((r) => r.name),
    );
  }

  /**
   * Finds the resources' programs and reserves their ports, reserves ports for every replica 0 (so
   * discovery URLs are known up front), creates the resources' data, then starts reconciling.
   */
  async start(): Promise<void> {
    for (const local of locateResources(this.options.project, this.options.env ?? process.env)) {
      const { name, port: configured } = local.resource;
      const port = configured ?? (await freePort());
      if (configured !== undefined) await ensureResourcePortFree(configured, name);
      this.local.set(name, local);
      this.ports.set(`${name}-0`, port);
      this.resourceUrls.set(name, local.server.url(port));
    }
    for (const service of this.options.project.services) {
      this.backendFor(service);
      serviceCommand(service);
      const port = service.port ?? (await freePort());
      if (service.port !== undefined && service.replicas > 0)
        await ensurePortFree(service.port, service.name);
      this.ports.set(`${service.name}-0`, port);
      const url = `http://127.0.0.1:${port}`;
      this.discovery.set(service.name, this.options.discoveryUrl?.(service, url) ?? url);
    }
    await Promise.all(
      [...this.local.values()].map((local) =>
        prepareResource(local, (text) => this.emitLine(local.resource.name, 0, text, "stdout")),
      ),
    );
    this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 200);
    this.tick();
  }

  /** Points a service's discovery variable elsewhere (e.g. the router) for instances started from now on. */
  setDiscoveryUrl(service: string, url: string): void {
    this.discovery.set(service, url);
  }

  /** Every instance, in service then replica order. */
  list(): InstanceView[] {
    const order = this.desired.map((s) => s.name);
    return [...this.instances.values()]
      .map((i) => ({ ...i.view }))
      .sort((a, b) => order.indexOf(a.service) - order.indexOf(b.service) || a.replica - b.replica);
  }

  /** The desired services with their replica counts. */
  services(): readonly DesiredService[] {
    return this.desired;
  }

  /** The last lines an instance printed. */
  recentLines(id: string, lines: number): string[] {
    return (this.tails.get(id) ?? []).slice(-lines);
  }

  /** Changes a service's replica count; the next tick starts or stops replicas. */
  scale(service: string, replicas: number): void {
    const desired = this.serviceNamed(service);
    if (desired.kind === "resource")
      throw new UserError("E_SCALE_RESOURCE", `"${service}" is a backing resource, which runs one instance`, {
        hint: "Scale the services that use it instead.",
      });
    desired.replicas = replicas;
    this.tick();
  }

  /** Restarts every replica of a service now (no backoff), one after another. */
  async restart(service: string): Promise<void> {
    this.serviceNamed(service);
    for (const instance of [...this.instances.values()].filter((i) => i.view.service === service)) {
      await this.stopInstance(instance);
      this.instances.delete(instance.view.id);
      await this.startReplica(service, instance.view.replica, instance.view.restarts + 1);
    }
  }

  /** Stops everything, dependents first; resolves when no instance is left. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    const groups = planShutdown(this.desired, this.observed());
    for (const group of groups) {
      await Promise.all(
        group
          .map((id) => this.instances.get(id))
          .map((i) => i && this.stopInstance(i).then(() => this.setState(i, "stopped"))),
      );
    }
    this.instances.clear();
  }

  private serviceNamed(name: string): DesiredService {
    const found = this.desired.find((s) => s.name === name);
    if (!found)
      throw new AgentctlError(
        "E_UNKNOWN_SERVICE",
        `unknown service "${name}"; services are: ${this.desired.map((s) => s.name).join(", ")}`,
      );
    return found;
  }

  private resolved(name: string): ResolvedService {
    return this.options.project.services.find((s) => s.name === name)!;
  }

  private backendFor(service: ResolvedService): Backend {
    const backend = this.options.backends[service.runtime];
    if (!backend)
      throw new AgentctlError(
        "E_NO_BACKEND",
        `service "${service.name}" uses runtime "${service.runtime}", which agentctl up does not run yet`,
        {
          hint: `Set services.${service.name}.runtime: process (or defaults.runtime) to run it as a local process.`,
        },
      );
    return backend;
  }

  private backendForName(name: string): Backend {
    return this.local.has(name) ? this.resourceBackend() : this.backendFor(this.resolved(name));
  }

  // Resources run from the host's own programs, as processes.
  private resourceBackend(): Backend {
    const backend = this.options.backends.process;
    if (!backend) throw new AgentctlError("E_NO_BACKEND", "backing resources need the process backend");
    return backend;
  }

  private observed() {
    return [...this.instances.values()].map(toObserved);
  }

  private tick(): void {
    if (this.stopped || this.ticking) return;
    this.ticking = this.reconcile()
      .catch((error: unknown) => {
        this.fatal ??=
          error instanceof AgentctlError ? error : new AgentctlError("E_SUPERVISOR", String(error));
      })
      .finally(() => {
        this.ticking = undefined;
      });
  }

  private async reconcile(): Promise<void> {
    const now = Date.now();
    for (const instance of this.instances.values()) await this.observe(instance, now);
    if (this.stopped) return;
    const plan = planReconcile(this.desired, this.observed(), now);
    for (const action of plan.actions) await this.execute(action);
  }

  private async observe(instance: Instance, now: number): Promise<void> {
    const { view, handle } = instance;
    if (
      !handle ||
      instance.exited ||
      instance.stopping ||
      view.state === "restarting" ||
      view.state === "stopped"
    )
      return;
    const status = await this.backendForName(view.service).inspect(handle);
    if (!status.running) {
      instance.exited = { exitCode: status.exitCode ?? null, signal: status.signal ?? null };
      view.lastExit = instance.exited.signal
        ? `killed by ${instance.exited.signal}`
        : `exit ${instance.exited.exitCode}`;
      return;
    }
    recordUsage(instance, status, now);
    if (!instance.probing && instance.health.nextProbeAt <= now) this.probeInstance(instance);
  }

  private probeInstance(instance: Instance): void {
    const local = this.local.get(instance.view.service);
    const service = local ? undefined : this.resolved(instance.view.service);
    const probes = service
      ? { ready: service.ready, health: service.health }
      : { ready: resourceProbe, health: resourceProbe };
    const target = probePath(instance.health, probes);
    instance.probing = true;
    const check = local
      ? probeTcp(local.server.kind, instance.view.port, target.timeoutMs)
      : (this.options.probe ?? probe)(`${instance.view.url}${target.path}`, target.timeoutMs);
    check.then((ok) => {
      instance.probing = false;
      if (instance.exited || instance.stopping || instance.view.state === "restarting") return;
      const state = foldProbe(instance, ok, probes, Date.now());
      const changed = instance.view.state !== state;
      this.setState(instance, state);
      // A replica that just got ready may unblock its dependents: plan now rather than at the next tick.
      if (changed && state === "ready") this.tick();
    });
  }

  private async execute(action: Action): Promise<void> {
    switch (action.kind) {
      case "start": {
        const previous = this.instances.get(`${action.service}-${action.replica}`);
        // A restart or scale from the control API may have acted since this plan was made.
        if (previous && previous.view.state !== "restarting") return;
        await this.startReplica(
          action.service,
          action.replica,
          previous?.view.restarts ?? 0,
          previous?.streak ?? 0,
        );
        return;
      }
      case "stop": {
        const instance = this.instances.get(action.id);
        if (!instance) return;
        await this.stopInstance(instance);
        this.instances.delete(action.id);
        // Replica 0 keeps its port: discovery URLs handed out earlier point at it.
        if (instance.view.replica > 0) this.ports.delete(action.id);
        this.setState(instance, "stopped");
        return;
      }
      case "restart-later": {
        const instance = this.instances.get(action.id)!;
        instance.streak = action.streak;
        instance.restartAt = Date.now() + action.delayMs;
        instance.readySince = undefined;
        instance.view.backoffMs = action.delayMs;
        instance.view.restarts += 1;
        this.setState(instance, "restarting");
        if (!instance.exited) await this.stopInstance(instance);
        return;
      }
      case "give-up": {
        this.setState(this.instances.get(action.id)!, "stopped");
        return;
      }
      case "wait":
        return;
    }
  }

  private async startReplica(name: string, replica: number, restarts: number, streak = 0): Promise<void> {
    // A restart asked for over the control API must not start anything once shutdown began.
    if (this.stopped) return;
    const local = this.local.get(name);
    const service = local ? undefined : this.resolved(name);
    const id = `${name}-${replica}`;
    let port = this.ports.get(id);
    if (port === undefined) {
      port = await freePort();
      this.ports.set(id, port);
    }
    const instance: Instance = {
      view: {
        id,
        service: name,
        kind: local ? "resource" : "service",
        resourceKind: local?.resource.kind,
        replica,
        runtime: service?.runtime ?? "process",
        state: "starting",
        port,
        url: local ? this.resourceUrls.get(name)! : `http://127.0.0.1:${port}`,
        restarts,
        health: "unknown",
        startedAt: new Date().toISOString(),
      },
      health: initialHealth(service?.ready ?? resourceProbe, Date.now()),
      probing: false,
      streak,
    };
    this.instances.set(id, instance);
    const inherited = this.options.env ?? process.env;
    const run = local
      ? resourceStartSpec(local, port, inherited)
      : {
          command: serviceCommand(service!),
          cwd: serviceCwd(this.options.project, service!),
          env: instanceEnv({
            project: this.options.project,
            service: service!,
            replica,
            port,
            discovery: this.discovery,
            env: inherited,
            resourceUrls: this.resourceUrls,
          }),
        };
    instance.handle = await this.backendForName(name).start(
      {
        id,
        service: name,
        replica,
        ...run,
        onLine: (text, stream) => this.emitLine(name, replica, text, stream),
      },
      port,
    );
    instance.view.pid = instance.handle.pid;
    instance.view.container = instance.handle.container;
    this.setState(instance, "starting", true);
  }

  private emitLine(service: string, replica: number, text: string, stream: "stdout" | "stderr"): void {
    const id = `${service}-${replica}`;
    const line: LogLine = { time: Date.now(), service, replica, stream, text };
    const tail = this.tails.get(id) ?? [];
    tail.push(text);
    if (tail.length > 50) tail.shift();
    this.tails.set(id, tail);
    this.options.onLine?.(line);
    this.emit("line", line);
  }

  private stopInstance(instance: Instance): Promise<void> {
    if (!instance.handle) return Promise.resolve();
    const grace = this.local.has(instance.view.service)
      ? parseDuration(this.options.project.defaults.gracePeriod)
      : this.resolved(instance.view.service).gracePeriodMs;
    if (!instance.stopping) this.options.onInstanceStopping?.({ ...instance.view });
    instance.stopping ??= this.backendForName(instance.view.service).stop(instance.handle, grace);
    return instance.stopping.then(() => {
      instance.handle = undefined;
      instance.stopping = undefined;
      instance.exited = undefined;
      this.emit("change", { ...instance.view });
    });
  }

  private setState(instance: Instance, state: InstanceState, force = false): void {
    if (instance.view.state === state && !force) return;
    instance.view.state = state;
    if (state !== "restarting") instance.view.backoffMs = undefined;
    if (state === "restarting" || state === "stopped") {
      instance.view.pid = undefined;
      instance.view.health = "unknown";
    }
    const view = { ...instance.view };
    this.options.onInstanceChange?.(view);
    this.emit("change", view);
  }

  /** Handles of every instance that may still hold a process, for state.json. */
  handles(): InstanceHandle[] {
    return [...this.instances.values()].flatMap((i) => (i.handle ? [i.handle] : []));
  }
}
