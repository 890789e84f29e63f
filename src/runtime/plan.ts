// Observe → plan: given what should run and what runs, decide what to do. Pure data in, pure data
// out (with a readable toString), so every decision is unit-tested without a process in sight.
import type { ResolvedProject } from "../project/resolve.js";
import type { RestartPolicy } from "../project/schema.js";
import { backoffDelay, currentStreak, formatDelay, policyRestarts } from "./restart.js";

/** The states `ps` shows. */
export type InstanceState = "starting" | "ready" | "unhealthy" | "restarting" | "stopped";

/** What should run of one service. */
export interface DesiredService {
  name: string;
  /** A backing resource `up` runs (one instance, not scalable), or a service (the default). */
  kind?: "service" | "resource";
  replicas: number;
  dependsOn: string[];
  restart: RestartPolicy;
}

/** What the supervisor knows of one instance at the moment of planning. */
export interface ObservedInstance {
  id: string;
  service: string;
  replica: number;
  state: InstanceState;
  /** Set when the process ended and nobody acted on it yet. */
  exited?: { exitCode: number | null; signal: string | null };
  /** When a `restarting` instance is due to start again. */
  restartAt?: number;
  /** Failures in a row (for the backoff). */
  streak: number;
  /** Since when the instance has been ready without interruption. */
  readySince?: number;
}

/** One step of a plan. */
export type Action =
  | { kind: "start"; service: string; replica: number; reason: string }
  | { kind: "stop"; id: string; reason: string }
  | { kind: "restart-later"; id: string; delayMs: number; streak: number; reason: string }
  | { kind: "give-up"; id: string; reason: string }
  | { kind: "wait"; service: string; replica: number; reason: string };

/**
 * What should run: the resources `up` runs first (one instance each), then the services, each
 * depending on the resources it uses as on what it lists in dependsOn. Being first and depended on is
 * all it takes for resources to start before and stop after their users.
 */
export function desiredServices(project: ResolvedProject, resources: readonly string[]): DesiredService[] {
  return [
    ...resources.map((name) => ({
      name,
      kind: "resource" as const,
      replicas: 1,
      dependsOn: [],
      restart: project.defaults.restart,
    })),
    ...project.services.map((service) => ({
      name: service.name,
      kind: "service" as const,
      replicas: service.replicas,
      dependsOn: [
        ...new Set([...service.dependsOn, ...service.uses.filter((name) => resources.includes(name))]),
      ],
      restart: service.restart,
    })),
  ];
}

/** A list of actions that prints as one line each. */
export class Plan {
  constructor(readonly actions: readonly Action[]) {}
  /** Whether there is anything to execute (waits are only information). */
  get empty(): boolean {
    return this.actions.every((action) => action.kind === "wait");
  }
  toString(): string {
    return this.actions.map(describeAction).join("\n");
  }
}

function describeAction(action: Action): string {
  switch (action.kind) {
    case "start":
      return `start ${action.service}-${action.replica} (${action.reason})`;
    case "stop":
      return `stop ${action.id} (${action.reason})`;
    case "restart-later":
      return `restart ${action.id} in ${formatDelay(action.delayMs)} (${action.reason})`;
    case "give-up":
      return `leave ${action.id} stopped (${action.reason})`;
    case "wait":
      return `wait ${action.service}-${action.replica} (${action.reason})`;
  }
}

function describeEnding(instance: ObservedInstance): string {
  const exit = instance.exited;
  if (!exit) return "unhealthy";
  if (exit.signal) return `killed by ${exit.signal}`;
  return `exited with code ${exit.exitCode}`;
}

/** Whether every wanted replica of a service is ready. */
export function serviceReady(service: DesiredService, observed: readonly ObservedInstance[]): boolean {
  for (let replica = 0; replica < service.replicas; replica++) {
    const instance = observed.find((i) => i.service === service.name && i.replica === replica);
    if (instance?.state !== "ready") return false;
  }
  return true;
}

/** Decides the next actions that move the observed instances towards the desired services. */
export function planReconcile(
  desired: readonly DesiredService[],
  observed: readonly ObservedInstance[],
  now: number,
): Plan {
  const actions: Action[] = [];
  const byName = new Map(desired.map((service) => [service.name, service]));
  for (const service of desired) {
    for (let replica = 0; replica < service.replicas; replica++) {
      const instance = observed.find((i) => i.service === service.name && i.replica === replica);
      if (!instance) {
        const waiting = service.dependsOn.filter((name) => {
          const dependency = byName.get(name);
          return dependency !== undefined && !serviceReady(dependency, observed);
        });
        actions.push(
          waiting.length > 0
            ? { kind: "wait", service: service.name, replica, reason: `waiting for ${waiting.join(", ")}` }
            : { kind: "start", service: service.name, replica, reason: "new replica" },
        );
        continue;
      }
      if (instance.state === "restarting") {
        if (instance.restartAt !== undefined && instance.restartAt <= now)
          actions.push({ kind: "start", service: service.name, replica, reason: "backoff over" });
        continue;
      }
      if (instance.state === "stopped") continue;
      const unhealthy = instance.state === "unhealthy" && !instance.exited;
      if (!instance.exited && !unhealthy) continue;
      const ending = { exitCode: instance.exited?.exitCode, unhealthy };
      if (!policyRestarts(service.restart, ending)) {
        if (instance.exited)
          actions.push({
            kind: "give-up",
            id: instance.id,
            reason: `${describeEnding(instance)}; restart policy ${service.restart}`,
          });
        continue;
      }
      const streak = currentStreak(instance.streak, instance.readySince, now);
      actions.push({
        kind: "restart-later",
        id: instance.id,
        delayMs: backoffDelay(streak),
        streak: streak + 1,
        reason: describeEnding(instance),
      });
    }
  }
  for (const instance of observed) {
    const service = byName.get(instance.service);
    if (!service) actions.push({ kind: "stop", id: instance.id, reason: "service removed" });
    else if (instance.replica >= service.replicas)
      actions.push({ kind: "stop", id: instance.id, reason: `scaled to ${service.replicas}` });
  }
  return new Plan(actions);
}

/** Groups of instance ids to stop one group after another: dependents before what they depend on. */
export function planShutdown(
  desired: readonly DesiredService[],
  observed: readonly ObservedInstance[],
): string[][] {
  const order = desired.map((service) => service.name);
  const groups: string[][] = [];
  for (const name of [...order].reverse()) {
    const ids = observed.filter((i) => i.service === name).map((i) => i.id);
    if (ids.length > 0) groups.push(ids);
  }
  const unknown = observed.filter((i) => !order.includes(i.service)).map((i) => i.id);
  if (unknown.length > 0) groups.unshift(unknown);
  return groups;
}
