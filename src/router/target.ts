// The router's side of each registered instance: its connection pool, breaker, in-flight count and
// figures. Kept in step with the registry's change events; the registry itself stays plain data.
import { Pool } from "undici";
import type { Candidate } from "./balancer.js";
import { type BreakerOptions, type BreakerState, CircuitBreaker } from "./breaker.js";
import { InstanceStats, type MeteredInstance } from "./metrics.js";
import type { Instance, Registry } from "./registry.js";
import { UpstreamPool } from "./upstream.js";

/** An instance the router can send to. */
export class Target implements Candidate, MeteredInstance {
  inflight = 0;
  readonly circuit: CircuitBreaker;
  readonly stats = new InstanceStats();
  readonly pool: Pool;
  /** The raw core's keep-alive sockets; undefined when the instance is not plain http (undici's job). */
  readonly upstreams: UpstreamPool | undefined;
  instance: Instance;

  constructor(instance: Instance, breaker: BreakerOptions) {
    this.instance = instance;
    this.circuit = new CircuitBreaker(breaker);
    // Keep-alive connections to the backend; no pipelining, since a slow response would hold up the
    // ones queued behind it.
    this.pool = new Pool(instance.url, {
      pipelining: 1,
      keepAliveTimeout: 4_000,
      connect: { timeout: 5_000 },
    });
    const url = new URL(instance.url);
    this.upstreams =
      url.protocol === "http:"
        ? new UpstreamPool(url.hostname.replace(/^\[|\]$/g, ""), Number(url.port) || 80)
        : undefined;
  }

  /** Closes both pools once the requests under way have finished. */
  close(): void {
    this.upstreams?.close();
    void this.pool.close().catch(() => undefined);
  }

  get id(): string {
    return this.instance.id;
  }
  get service(): string {
    return this.instance.service;
  }
  get breaker(): BreakerState {
    return this.circuit.state;
  }
}

/** Every target by id and the ready ones by service, following the registry. */
export class TargetSet {
  readonly #byId = new Map<string, Target>();
  readonly #ready = new Map<string, Target[]>();
  readonly #registry: Registry;
  readonly #breaker: BreakerOptions;
  readonly #onChange = () => this.#sync();

  constructor(registry: Registry, breaker: BreakerOptions) {
    this.#registry = registry;
    this.#breaker = breaker;
    registry.on("change", this.#onChange);
    this.#sync();
  }

  /** The ready targets of a service (shared array). */
  ready(service: string): readonly Target[] {
    return this.#ready.get(service) ?? [];
  }

  /** A target by instance id. */
  get(id: string): Target | undefined {
    return this.#byId.get(id);
  }

  /** Every target. */
  all(): Target[] {
    return [...this.#byId.values()];
  }

  /** Stops following the registry and closes every pool (waiting for requests under way). */
  async close(): Promise<void> {
    this.#registry.off("change", this.#onChange);
    for (const target of this.all()) target.upstreams?.destroy();
    await Promise.all(this.all().map((target) => target.pool.destroy().catch(() => undefined)));
    this.#byId.clear();
    this.#ready.clear();
  }

  #sync(): void {
    const seen = new Set<string>();
    for (const instance of this.#registry.list()) {
      seen.add(instance.id);
      const current = this.#byId.get(instance.id);
      if (!current || current.instance.url !== instance.url) {
        current?.close();
        this.#byId.set(instance.id, new Target(instance, this.#breaker));
      } else current.instance = instance;
    }
    for (const [id, target] of this.#byId)
      if (!seen.has(id)) {
        this.#byId.delete(id);
        // Requests already sent finish; the pool closes after them.
        target.close();
      }
    this.#ready.clear();
    for (const service of this.#registry.services()) {
      const ready = this.#registry.ready(service).map((instance) => this.#byId.get(instance.id)!);
      if (ready.length) this.#ready.set(service, ready);
    }
  }
}
