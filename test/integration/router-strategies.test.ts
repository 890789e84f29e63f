// Each strategy end to end: real replicas on 127.0.0.1 behind a real router.
import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import type { Strategy } from "../../src/project/schema.js";
import { startRouter } from "../../src/router/server.js";
import { routerProject, servicesYaml, startBackend } from "../support/router.js";

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});

async function run(strategy: Strategy, delays: number[], total: number, concurrency: number) {
  const backends = await Promise.all(
    delays.map((delay, index) =>
      startBackend(`echo-${index}`, (req, res) => {
        req.resume();
        setTimeout(() => res.end(String(index)), delay);
      }),
    ),
  );
  for (const backend of backends) stops.push(() => backend.close());
  // The strategy is set per service here, overriding the router's default.
  const project = routerProject(servicesYaml({ echo: [`strategy: ${strategy}`] }, ["strategy: round_robin"]));
  const router = await startRouter({ project, token: "t", healthCheckIntervalMs: 0 });
  stops.push(() => router.close());
  for (const [replica, backend] of backends.entries())
    router.registry.register({
      id: `echo-${replica}`,
      service: "echo",
      replica,
      url: backend.url,
      state: "ready",
    });
  const counts = new Map<string, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next += 1;
        const response = await request(`${router.url}/echo/x`);
        await response.body.dump();
        expect(response.statusCode).toBe(200);
        const instance = response.headers["x-agentctl-instance"] as string;
        counts.set(instance, (counts.get(instance) ?? 0) + 1);
      }
    }),
  );
  return delays.map((_, index) => (counts.get(`echo-${index}`) ?? 0) / total);
}

describe("strategies over real replicas", () => {
  for (const strategy of ["round_robin", "least_connections", "random", "p2c"] as Strategy[]) {
    it(`${strategy}: three equal replicas each serve between 20% and 47% of 300 requests`, async () => {
      const shares = await run(strategy, [0, 0, 0], 300, 6);
      for (const share of shares) {
        expect(share).toBeGreaterThan(0.2);
        expect(share).toBeLessThan(0.47);
      }
    });
  }

  for (const strategy of ["least_connections", "p2c"] as Strategy[]) {
    it(`${strategy}: a replica 60 ms slower than the others gets under 20% of the requests`, async () => {
      const [slow] = await run(strategy, [60, 0, 0], 300, 12);
      expect(slow).toBeLessThan(0.2);
    });
  }

  it("round_robin keeps giving the slow replica its third (the contrast)", async () => {
    const [slow] = await run("round_robin", [60, 0, 0], 150, 12);
    expect(slow).toBeGreaterThan(0.3);
  });
});
