// Request figures per service and instance: counters, a latency histogram and a ring of recent
// latencies for percentiles. Recording is a few array writes on the hot path; the Prometheus text and
// the dashboard snapshot are computed when asked for.
import { type BreakerState, breakerStateValue } from "./breaker.js";

/** Histogram bucket bounds in seconds (Prometheus `le` labels). */
export const latencyBuckets = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
const recentSize = 1024;
const rateWindowSeconds = 10;

/** Why a request failed at the router, for the errors counter. */
export type FailureKind = "connect" | "timeout" | "status_5xx" | "aborted" | "too_large";

/** What the Prometheus text and the snapshot read of an instance's figures. */
export interface StatsView {
  readonly requests: number;
  readonly errors: number;
  readonly byStatus: ReadonlyMap<number, number>;
  readonly failures: ReadonlyMap<FailureKind, number>;
  readonly buckets: ArrayLike<number>;
  readonly sumSeconds: number;
  rate(now?: number): number;
  percentile(p: number): number;
}

/** An instance's figures as plain data, sent from a router worker process to the router. */
export interface ExportedStats {
  requests: number;
  errors: number;
  byStatus: [number, number][];
  failures: [FailureKind, number][];
  buckets: number[];
  sumSeconds: number;
  /** The most recent latencies (ms), at most the ring's size. */
  recent: number[];
  /** Requests per second over the last ten seconds, when exported. */
  rate: number;
}

/** The figures kept for one instance. */
export class InstanceStats implements StatsView {
  requests = 0;
  errors = 0;
  readonly byStatus = new Map<number, number>();
  readonly failures = new Map<FailureKind, number>();
  readonly buckets = new Uint32Array(latencyBuckets.length + 1);
  sumSeconds = 0;
  readonly recent = new Float64Array(recentSize);
  recentCount = 0;
  readonly perSecond = new Uint32Array(rateWindowSeconds);
  second = 0;
  readonly startedAt = Date.now();

  /** Records one finished request: status (0 when no response came) and duration in milliseconds. */
  record(status: number, ms: number, failure?: FailureKind): void {
    this.requests += 1;
    if (status >= 500 || status === 0) this.errors += 1;
    if (status) this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
    if (failure) this.failures.set(failure, (this.failures.get(failure) ?? 0) + 1);
    const seconds = ms / 1000;
    this.sumSeconds += seconds;
    let bucket = 0;
    while (bucket < latencyBuckets.length && seconds > latencyBuckets[bucket]!) bucket++;
    this.buckets[bucket]! += 1;
    this.recent[this.recentCount % recentSize] = ms;
    this.recentCount += 1;
    const now = (Date.now() / 1000) | 0;
    this.#advance(now);
    this.perSecond[now % rateWindowSeconds]! += 1;
  }

  /** Requests per second over the last ten seconds (or since start, when younger). */
  rate(now = Date.now()): number {
    this.#advance((now / 1000) | 0);
    let total = 0;
    for (const count of this.perSecond) total += count;
    const seconds = Math.min(rateWindowSeconds, Math.max(1, (now - this.startedAt) / 1000));
    return total / seconds;
  }

  /** The p-th percentile (0..100) of the most recent latencies, in milliseconds. */
  percentile(p: number): number {
    const count = Math.min(this.recentCount, recentSize);
    if (count === 0) return 0;
    const sorted = Array.from(this.recent.subarray(0, count)).sort((a, b) => a - b);
    return sorted[Math.min(count - 1, Math.ceil((p / 100) * count) - 1)] ?? 0;
  }

  /** The most recent latencies in milliseconds (in no particular order). */
  recentLatencies(): number[] {
    return Array.from(this.recent.subarray(0, Math.min(this.recentCount, recentSize)));
  }

  /** The figures as plain data (for a worker's report to the router). */
  export(now = Date.now()): ExportedStats {
    return {
      requests: this.requests,
      errors: this.errors,
      byStatus: [...this.byStatus],
      failures: [...this.failures],
      buckets: Array.from(this.buckets),
      sumSeconds: this.sumSeconds,
      recent: this.recentLatencies(),
      rate: this.rate(now),
    };
  }

  #advance(now: number): void {
    if (now === this.second) return;
    const gap = Math.min(rateWindowSeconds, now - this.second);
    for (let step = 1; step <= gap; step++) this.perSecond[(this.second + step) % rateWindowSeconds] = 0;
    this.second = now;
  }
}

/** One instance's figures summed over the router and its worker processes: counters and histogram
 * buckets add, the request rate adds (workers' as of their last report), percentiles come from the
 * recent latencies of all of them together. */
export class MergedStats implements StatsView {
  readonly requests: number;
  readonly errors: number;
  readonly byStatus = new Map<number, number>();
  readonly failures = new Map<FailureKind, number>();
  readonly buckets: number[];
  readonly sumSeconds: number;
  readonly #own: InstanceStats;
  readonly #parts: readonly ExportedStats[];
  #sorted: number[] | undefined;

  constructor(own: InstanceStats, parts: readonly ExportedStats[]) {
    this.#own = own;
    this.#parts = parts;
    let { requests, errors, sumSeconds } = own;
    const buckets = Array.from(own.buckets);
    for (const [status, count] of own.byStatus) this.byStatus.set(status, count);
    for (const [kind, count] of own.failures) this.failures.set(kind, count);
    for (const part of parts) {
      requests += part.requests;
      errors += part.errors;
      sumSeconds += part.sumSeconds;
      part.buckets.forEach((count, index) => {
        buckets[index] = (buckets[index] ?? 0) + count;
      });
      for (const [status, count] of part.byStatus)
        this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + count);
      for (const [kind, count] of part.failures)
        this.failures.set(kind, (this.failures.get(kind) ?? 0) + count);
    }
    this.requests = requests;
    this.errors = errors;
    this.sumSeconds = sumSeconds;
    this.buckets = buckets;
  }

  rate(now = Date.now()): number {
    return this.#parts.reduce((sum, part) => sum + part.rate, this.#own.rate(now));
  }

  percentile(p: number): number {
    // Sorted once: the snapshot asks for p50 and p99 of the same figures.
    this.#sorted ??= this.#own
      .recentLatencies()
      .concat(...this.#parts.map((part) => part.recent))
      .sort((a, b) => a - b);
    const all = this.#sorted;
    if (all.length === 0) return 0;
    return all[Math.min(all.length - 1, Math.ceil((p / 100) * all.length) - 1)] ?? 0;
  }
}

/** What metrics need to know of each instance besides its stats. */
export interface MeteredInstance {
  id: string;
  service: string;
  inflight: number;
  breaker: BreakerState;
  stats: StatsView;
}

/** One instance's figures in the dashboard snapshot. */
export interface InstanceSnapshot {
  id: string;
  service: string;
  requests: number;
  errors: number;
  ratePerSecond: number;
  p50Ms: number;
  p99Ms: number;
  inflight: number;
  breaker: BreakerState;
}

/** One service's figures: totals over its instances, and the instances. */
export interface ServiceSnapshot {
  service: string;
  requests: number;
  errors: number;
  ratePerSecond: number;
  p50Ms: number;
  p99Ms: number;
  inflight: number;
  unrouted: number;
  instances: InstanceSnapshot[];
}

/** Per-service/instance request rate, errors, p50/p99, in-flight and breaker state. */
export function snapshotMetrics(
  instances: Iterable<MeteredInstance>,
  unrouted: ReadonlyMap<string, number>,
): ServiceSnapshot[] {
  const services = new Map<string, ServiceSnapshot>();
  const now = Date.now();
  const serviceOf = (name: string) => {
    let entry = services.get(name);
    if (!entry) {
      entry = {
        service: name,
        requests: 0,
        errors: 0,
        ratePerSecond: 0,
        p50Ms: 0,
        p99Ms: 0,
        inflight: 0,
        unrouted: unrouted.get(name) ?? 0,
        instances: [],
      };
      services.set(name, entry);
    }
    return entry;
  };
  for (const instance of instances) {
    const { stats } = instance;
    const entry = serviceOf(instance.service);
    const figures: InstanceSnapshot = {
      id: instance.id,
      service: instance.service,
      requests: stats.requests,
      errors: stats.errors,
      ratePerSecond: round(stats.rate(now)),
      p50Ms: round(stats.percentile(50)),
      p99Ms: round(stats.percentile(99)),
      inflight: instance.inflight,
      breaker: instance.breaker,
    };
    entry.instances.push(figures);
    entry.requests += figures.requests;
    entry.errors += figures.errors;
    entry.ratePerSecond = round(entry.ratePerSecond + figures.ratePerSecond);
    entry.inflight += figures.inflight;
    // A service's percentiles are the worst of its instances': cheap and never flattering.
    entry.p50Ms = Math.max(entry.p50Ms, figures.p50Ms);
    entry.p99Ms = Math.max(entry.p99Ms, figures.p99Ms);
  }
  for (const name of unrouted.keys()) serviceOf(name);
  return [...services.values()].sort((a, b) => a.service.localeCompare(b.service));
}

/** The Prometheus text exposition of every instance's figures. */
export function prometheusText(
  instances: Iterable<MeteredInstance>,
  unrouted: ReadonlyMap<string, number>,
): string {
  const lines: string[] = [];
  const all = [...instances];
  const label = (i: MeteredInstance) => `service="${escapeLabel(i.service)}",instance="${escapeLabel(i.id)}"`;
  const family = (name: string, type: string, help: string, body: () => void) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    body();
  };
  family("agentctl_router_requests_total", "counter", "Requests proxied, by response status.", () => {
    for (const i of all)
      for (const [code, count] of i.stats.byStatus)
        lines.push(`agentctl_router_requests_total{${label(i)},code="${code}"} ${count}`);
  });
  family("agentctl_router_errors_total", "counter", "Failed requests (5xx or no response), by kind.", () => {
    for (const i of all)
      for (const [kind, count] of i.stats.failures)
        lines.push(`agentctl_router_errors_total{${label(i)},kind="${kind}"} ${count}`);
  });
  family(
    "agentctl_router_unrouted_total",
    "counter",
    "Requests with no ready instance to serve them.",
    () => {
      for (const [service, count] of unrouted)
        lines.push(`agentctl_router_unrouted_total{service="${escapeLabel(service)}"} ${count}`);
    },
  );
  family("agentctl_router_request_duration_seconds", "histogram", "Time to the end of the response.", () => {
    for (const i of all) {
      let cumulative = 0;
      latencyBuckets.forEach((bound, index) => {
        cumulative += i.stats.buckets[index]!;
        lines.push(
          `agentctl_router_request_duration_seconds_bucket{${label(i)},le="${bound}"} ${cumulative}`,
        );
      });
      cumulative += i.stats.buckets[latencyBuckets.length]!;
      lines.push(`agentctl_router_request_duration_seconds_bucket{${label(i)},le="+Inf"} ${cumulative}`);
      lines.push(`agentctl_router_request_duration_seconds_sum{${label(i)}} ${i.stats.sumSeconds}`);
      lines.push(`agentctl_router_request_duration_seconds_count{${label(i)}} ${cumulative}`);
    }
  });
  family("agentctl_router_inflight", "gauge", "Requests in flight to the instance.", () => {
    for (const i of all) lines.push(`agentctl_router_inflight{${label(i)}} ${i.inflight}`);
  });
  family("agentctl_router_breaker_state", "gauge", "Circuit breaker: 0 closed, 1 open, 2 half-open.", () => {
    for (const i of all)
      lines.push(`agentctl_router_breaker_state{${label(i)}} ${breakerStateValue[i.breaker]}`);
  });
  return `${lines.join("\n")}\n`;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
