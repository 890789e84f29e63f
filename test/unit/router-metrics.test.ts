// Instance figures: recording, the Prometheus text, and figures merged over the router's worker
// processes (counters and buckets add, percentiles over every process's latencies together).
import { describe, expect, it } from "vitest";
import { InstanceStats, MergedStats, prometheusText, snapshotMetrics } from "../../src/router/metrics.js";

function stats(latencies: number[], status = 200): InstanceStats {
  const figures = new InstanceStats();
  for (const ms of latencies) figures.record(status, ms);
  return figures;
}

describe("router metrics", () => {
  it("merges a worker's exported figures into the router's own", () => {
    const own = stats([1, 2, 3, 4]);
    const worker = stats([100, 200, 300, 400], 200);
    worker.record(503, 50, "status_5xx");
    const merged = new MergedStats(own, [worker.export()]);
    expect(merged.requests).toBe(9);
    expect(merged.errors).toBe(1);
    expect(merged.byStatus.get(200)).toBe(8);
    expect(merged.byStatus.get(503)).toBe(1);
    expect(merged.failures.get("status_5xx")).toBe(1);
    expect(Array.from(merged.buckets).reduce((a, b) => a + b, 0)).toBe(9);
    expect(merged.sumSeconds).toBeCloseTo((10 + 1000 + 50) / 1000, 6);
    // Percentiles over all nine latencies, not an average of two processes' percentiles.
    expect(merged.percentile(50)).toBe(50);
    expect(merged.percentile(100)).toBe(400);
    expect(merged.rate()).toBeGreaterThan(0);
  });

  it("writes merged figures to the Prometheus text and the snapshot", () => {
    const own = stats([1, 2]);
    const merged = new MergedStats(own, [stats([3]).export(), stats([4, 5]).export()]);
    const instance = { id: "echo-0", service: "echo", inflight: 3, breaker: "open" as const, stats: merged };
    const text = prometheusText([instance], new Map([["echo", 2]]));
    expect(text).toContain('agentctl_router_requests_total{service="echo",instance="echo-0",code="200"} 5');
    expect(text).toContain(
      'agentctl_router_request_duration_seconds_count{service="echo",instance="echo-0"} 5',
    );
    expect(text).toContain('agentctl_router_inflight{service="echo",instance="echo-0"} 3');
    expect(text).toContain('agentctl_router_breaker_state{service="echo",instance="echo-0"} 1');
    expect(text).toContain('agentctl_router_unrouted_total{service="echo"} 2');
    const [service] = snapshotMetrics([instance], new Map());
    expect(service).toMatchObject({ service: "echo", requests: 5, inflight: 3, p99Ms: 5 });
    expect(service!.instances[0]).toMatchObject({ breaker: "open", requests: 5 });
  });
});
