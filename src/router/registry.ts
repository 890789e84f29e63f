// The registry of instances the router can send traffic to. The supervisor registers what it starts;
// services started outside agentctl join through the admin API. The router knows only an instance's
// address and state, never how it was started.
import { EventEmitter } from "node:events";

/** Lifecycle of an instance as the registry sees it; only `ready` instances receive traffic. */
export type InstanceState = "starting" | "ready" | "unhealthy" | "draining";

/** Every state an instance can be in, for validation of admin requests. */
export const instanceStates: readonly InstanceState[] = ["starting", "ready", "unhealthy", "draining"];

/** One running copy of a service, reachable at `url` (http://host:port, no path). */
export interface Instance {
  id: string;
  service: string;
  replica: number;
  url: string;
  state: InstanceState;
  /** Who registered it: the supervisor, or something outside agentctl through the admin API. */
  source: "supervisor" | "external";
  registeredAt: number;
}

/** What the registry announces on every change. */
export interface RegistryChange {
  type: "register" | "update" | "deregister";
  instance: Instance;
}

/** Instances by id and by service, with a cached list of ready instances per service. */
export class Registry extends EventEmitter<{ change: [RegistryChange] }> {
  readonly #instances = new Map<string, Instance>();
  // Rebuilt on change, so the hot path reads an array instead of filtering on every request.
  readonly #ready = new Map<string, Instance[]>();

  /** Adds an instance (or replaces one with the same id). */
  register(input: Omit<Instance, "registeredAt" | "replica" | "source"> & Partial<Instance>): Instance {
    const instance: Instance = {
      replica: 0,
      source: "supervisor",
      registeredAt: Date.now(),
      ...input,
      url: input.url.replace(/\/+$/, ""),
    };
    this.#instances.set(instance.id, instance);
    this.#rebuild(instance.service);
    this.emit("change", { type: "register", instance });
    return instance;
  }

  /** Changes fields of a registered instance (usually its state); returns undefined for an unknown id. */
  update(id: string, partial: Partial<Omit<Instance, "id" | "service">>): Instance | undefined {
    const current = this.#instances.get(id);
    if (!current) return undefined;
    const instance = { ...current, ...partial, id: current.id, service: current.service };
    this.#instances.set(id, instance);
    this.#rebuild(instance.service);
    this.emit("change", { type: "update", instance });
    return instance;
  }

  /** Removes an instance; returns it, or undefined when it was not registered. */
  deregister(id: string): Instance | undefined {
    const instance = this.#instances.get(id);
    if (!instance) return undefined;
    this.#instances.delete(id);
    this.#rebuild(instance.service);
    this.emit("change", { type: "deregister", instance });
    return instance;
  }

  /** One instance by id. */
  get(id: string): Instance | undefined {
    return this.#instances.get(id);
  }

  /** Every instance, ordered by service then replica. */
  list(): Instance[] {
    return [...this.#instances.values()].sort(
      (a, b) => a.service.localeCompare(b.service) || a.replica - b.replica || a.id.localeCompare(b.id),
    );
  }

  /** The ready instances of a service (a shared array: do not modify it). */
  ready(service: string): readonly Instance[] {
    return this.#ready.get(service) ?? [];
  }

  /** Names of every service with at least one registered instance. */
  services(): string[] {
    return [...new Set([...this.#instances.values()].map((instance) => instance.service))].sort();
  }

  #rebuild(service: string): void {
    const ready = [...this.#instances.values()]
      .filter((instance) => instance.service === service && instance.state === "ready")
      .sort((a, b) => a.replica - b.replica || a.id.localeCompare(b.id));
    if (ready.length === 0) this.#ready.delete(service);
    else this.#ready.set(service, ready);
  }
}
