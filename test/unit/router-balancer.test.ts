import { describe, expect, it } from "vitest";
import type { Strategy } from "../../src/project/schema.js";
import { createBalancer, strategyRegistry } from "../../src/router/balancer.js";

// A seeded generator, so the random strategies' tests are deterministic.
function mulberry32(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const names = Object.keys(strategyRegistry) as Strategy[];

describe("balancer strategies: distribution over many picks", () => {
  const picks = 30_000;
  // Exact strategies may differ by one pick; random ones must land within 2 percentage points of a
  // fair share (the standard deviation for 30,000 picks over 3 replicas is ~0.27 points).
  const bounds: Record<Strategy, number> = {
    round_robin: 1 / picks,
    least_connections: 1 / picks,
    random: 0.02,
    p2c: 0.02,
  };
  for (const name of names) {
    it(`${name} shares ${picks} picks fairly between equal replicas`, () => {
      const replicas = [0, 1, 2].map((id) => ({ id, inflight: 0 }));
      const balancer = createBalancer(name, mulberry32(42));
      const counts = [0, 0, 0];
      for (let i = 0; i < picks; i++) counts[balancer.pick(replicas)!.id]! += 1;
      for (const count of counts) expect(Math.abs(count / picks - 1 / 3)).toBeLessThanOrEqual(bounds[name]);
    });
  }

  it("returns undefined when there is nothing to pick and the one candidate when there is one", () => {
    for (const name of names) {
      const balancer = createBalancer(name, mulberry32(1));
      expect(balancer.pick([])).toBeUndefined();
      const only = { inflight: 7 };
      expect(balancer.pick([only])).toBe(only);
    }
  });

  it("names the supported strategies when asked for an unknown one", () => {
    expect(() => createBalancer("fastest" as Strategy)).toThrow(
      'strategy "fastest" is not supported; expected one of round_robin, least_connections, random, p2c',
    );
  });
});

// A small discrete-time simulation: one request arrives per tick; replica 0 takes 20 ticks per
// request, replicas 1 and 2 take 2. Strategies that look at in-flight counts should send the slow
// replica far less than a third of the traffic.
function slowReplicaShare(name: Strategy): number {
  const serviceTicks = [20, 2, 2];
  const replicas = serviceTicks.map((ticks, id) => ({ id, ticks, inflight: 0 }));
  const finishing: { tick: number; replica: (typeof replicas)[number] }[] = [];
  const balancer = createBalancer(name, mulberry32(7));
  const counts = [0, 0, 0];
  const total = 20_000;
  for (let tick = 0; tick < total; tick++) {
    for (let i = finishing.length - 1; i >= 0; i--)
      if (finishing[i]!.tick <= tick) {
        finishing[i]!.replica.inflight -= 1;
        finishing.splice(i, 1);
      }
    const chosen = balancer.pick(replicas)!;
    chosen.inflight += 1;
    counts[chosen.id]! += 1;
    finishing.push({ tick: tick + chosen.ticks, replica: chosen });
  }
  return counts[0]! / total;
}

describe("balancer strategies: a slow replica", () => {
  it("round_robin and random keep sending it a third", () => {
    expect(slowReplicaShare("round_robin")).toBeCloseTo(1 / 3, 2);
    expect(Math.abs(slowReplicaShare("random") - 1 / 3)).toBeLessThan(0.02);
  });
  it("least_connections steers away from it (under 15% of requests)", () => {
    expect(slowReplicaShare("least_connections")).toBeLessThan(0.15);
  });
  it("p2c steers away from it (under 20% of requests)", () => {
    expect(slowReplicaShare("p2c")).toBeLessThan(0.2);
  });
});
