// One supervised instance: what ps and the router see (InstanceView) and what the supervisor keeps
// beside it, with the pure steps that fold observations (usage samples, probe results) into it.
import type { ResolvedProbe } from "../project/resolve.js";
import type { InstanceHandle, InstanceStatus } from "./backend.js";
import { applyProbe, type HealthState } from "./health.js";
import type { InstanceState, ObservedInstance } from "./plan.js";

/** One instance as `ps`, the dashboard and the router see it. */
export interface InstanceView {
  id: string;
  /** The service's name, or the backing resource's (redis, postgres … run by `up`). */
  service: string;
  /** Resources are not HTTP services: the router leaves them out; `ps` marks them. The supervisor
   *  always sets it; absent (a hand-made view) means a service. */
  kind?: "service" | "resource";
  /** A resource's kind (redis, postgres, nats). */
  resourceKind?: string;
  replica: number;
  runtime: string;
  state: InstanceState;
  pid?: number;
  container?: string;
  port: number;
  /** http://127.0.0.1:<port> for a service; the URL services get for a resource (redis://…). */
  url: string;
  restarts: number;
  startedAt?: string;
  /** The delay of the pending restart, while `restarting`. */
  backoffMs?: number;
  health: "passing" | "failing" | "unknown";
  cpuPercent?: number;
  memoryBytes?: number;
  lastExit?: string;
}

/** What the supervisor keeps of one instance. */
export interface Instance {
  view: InstanceView;
  handle?: InstanceHandle;
  health: HealthState;
  probing: boolean;
  exited?: { exitCode: number | null; signal: string | null };
  streak: number;
  readySince?: number;
  restartAt?: number;
  cpuSample?: { at: number; seconds: number };
  stopping?: Promise<void>;
}

/** The part of an instance the planner reads. */
export function toObserved(instance: Instance): ObservedInstance {
  return {
    id: instance.view.id,
    service: instance.view.service,
    replica: instance.view.replica,
    state: instance.view.state,
    exited: instance.exited,
    restartAt: instance.restartAt,
    streak: instance.streak,
    readySince: instance.readySince,
  };
}

/** Records memory, and CPU% over windows of at least a second (backends sample about once a second). */
export function recordUsage(instance: Instance, status: InstanceStatus, now: number): void {
  const last = instance.cpuSample;
  if (status.cpuSeconds !== undefined && (!last || now - last.at >= 1_000)) {
    if (last)
      instance.view.cpuPercent = Math.max(
        0,
        (100 * (status.cpuSeconds - last.seconds) * 1000) / (now - last.at),
      );
    instance.cpuSample = { at: now, seconds: status.cpuSeconds };
  }
  instance.view.memoryBytes = status.memoryBytes;
}

/** Folds a probe result into the instance's health and returns the state it should now have. */
export function foldProbe(
  instance: Instance,
  ok: boolean,
  probes: { ready: ResolvedProbe; health: ResolvedProbe },
  now: number,
): InstanceState {
  instance.health = applyProbe(instance.health, ok, probes, now);
  const { health } = instance;
  instance.view.health = !health.ready ? "unknown" : health.failures > 0 ? "failing" : "passing";
  const state: InstanceState = !health.ready ? "starting" : health.unhealthy ? "unhealthy" : "ready";
  if (state === "ready" && instance.view.state !== "ready") instance.readySince = now;
  if (state !== "ready") instance.readySince = undefined;
  return state;
}
