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

/** The figures kept for one instance. */
export class InstanceStats {
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

  #advance(now: number): void {
    if (now === this.second) return;
    const gap = Math.min(rateWindowSeconds, now - this.second);
    for (let step = 1; step <= gap; step++) this.perSecond[(this.second + step) % rateWindowSeconds] = 0;
    this.second = now;
  }
}

/** What metrics need to know of each instance besides its stats. */
export interface MeteredInstance {
  id: string;
  service: string;
  inflight: number;
  breaker: BreakerState;
  stats: InstanceStats;
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
