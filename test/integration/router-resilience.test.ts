// A replica killed under load, retries, POST safety and timeouts, over real sockets.
import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { type RunningRouter, startRouter } from "../../src/router/server.js";
import { exited, routerProject, servicesYaml, spawnBackend, startBackend } from "../support/router.js";

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});

async function router(yamlRouter: string[] = [], services: string[] = []) {
  const project = routerProject(servicesYaml({ echo: services }, yamlRouter));
  const started = await startRouter({ project, token: "t", healthCheckIntervalMs: 0 });
  stops.push(() => started.close());
  return started;
}
async function get(target: RunningRouter, path: string, method = "GET") {
  const response = await request(`${target.url}${path}`, {
    method,
    body: method === "POST" ? "{}" : undefined,
  });
  const text = await response.body.text();
  return { status: response.statusCode, instance: response.headers["x-agentctl-instance"] as string, text };
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
function breakerOf(target: RunningRouter, id: string) {
  return target
    .snapshot()
    .flatMap((s) => s.instances)
    .find((i) => i.id === id)?.breaker;
}

describe("a replica killed during load", () => {
  it("fails no GET, opens its breaker, moves traffic, and recovers through half-open when it returns", async () => {
    const target = await router(["breaker:", "  failures: 3", "  resetTimeout: 1s"]);
    const first = await spawnBackend("a");
    const second = await spawnBackend("b");
    stops.push(async () => {
      second.child.kill("SIGKILL");
      await exited(second.child);
    });
    target.registry.register({ id: "echo-0", service: "echo", replica: 0, url: first.url, state: "ready" });
    target.registry.register({ id: "echo-1", service: "echo", replica: 1, url: second.url, state: "ready" });

    const statuses: number[] = [];
    const servedAfterKill: string[] = [];
    let killed = false;
    let stop = false;
    const load = Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = 0; i < 2_000 && !stop; i++) {
          const answer = await get(target, "/echo/work");
          statuses.push(answer.status);
          if (killed) servedAfterKill.push(answer.instance);
        }
      }),
    );
    await sleep(400);
    first.child.kill("SIGKILL");
    await exited(first.child);
    killed = true;
    await sleep(600);
    expect(breakerOf(target, "echo-0")).toBe("open");
    await sleep(300);
    stop = true;
    await load;
    expect(statuses.length).toBeGreaterThan(100);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    // Traffic moved: past the answers that were already on their way when it died (one per worker),
    // nothing is served by echo-0 (a half-open probe that fails is retried on echo-1).
    expect(servedAfterKill.slice(8).filter((instance) => instance === "echo-0")).toEqual([]);
    expect(servedAfterKill.length).toBeGreaterThan(20);

    // The replica comes back on the same port: after the reset timeout a probe closes its breaker.
    const revived = await spawnBackend("a", first.port);
    stops.push(async () => {
      revived.child.kill("SIGKILL");
      await exited(revived.child);
    });
    await sleep(1_100);
    const served = new Set<string>();
    for (let i = 0; i < 20; i++) served.add((await get(target, "/echo/after")).instance);
    expect(served).toEqual(new Set(["echo-0", "echo-1"]));
    expect(breakerOf(target, "echo-0")).toBe("closed");
  });
});

describe("retries and timeouts", () => {
  it("retries a GET on another instance after a connect failure, never a POST that reached a backend", async () => {
    const target = await router(["retries: 2", "breaker:", "  failures: 100"]);
    const dropper = await startBackend("dropper", (req) => req.socket.destroy());
    const good = await startBackend("good");
    stops.push(
      () => dropper.close(),
      () => good.close(),
    );
    target.registry.register({ id: "echo-0", service: "echo", replica: 0, url: dropper.url, state: "ready" });
    target.registry.register({ id: "echo-1", service: "echo", replica: 1, url: good.url, state: "ready" });
    for (let i = 0; i < 6; i++) expect((await get(target, "/echo/x")).status).toBe(200);
    // Same for an idempotent PUT and for a POST with an Idempotency-Key.
    for (let i = 0; i < 4; i++) {
      const put = await request(`${target.url}/echo/x`, { method: "PUT", body: "data" });
      expect(put.statusCode).toBe(200);
      await put.body.dump();
      const keyed = await request(`${target.url}/echo/x`, {
        method: "POST",
        body: "{}",
        headers: { "idempotency-key": `k${i}` },
      });
      expect(keyed.statusCode).toBe(200);
      await keyed.body.dump();
    }
    dropper.hits = 0;
    good.hits = 0;
    const posts = [];
    for (let i = 0; i < 6; i++) posts.push(await get(target, "/echo/x", "POST"));
    // Every POST went to exactly one backend; those that reached the dropper failed with 502.
    expect(dropper.hits + good.hits).toBe(6);
    expect(dropper.hits).toBeGreaterThan(0);
    expect(posts.filter((post) => post.status === 502).length).toBe(dropper.hits);
  });

  it("answers 504 when an instance is slower than the service's timeout, and 503 once every breaker is open", async () => {
    const target = await router(["breaker:", "  failures: 2", "  resetTimeout: 30s"], ["timeout: 200ms"]);
    const slow = await startBackend("slow", (req, res) => {
      req.resume();
      setTimeout(() => res.end("late"), 1_500);
    });
    stops.push(() => slow.close());
    target.registry.register({ id: "echo-0", service: "echo", replica: 0, url: slow.url, state: "ready" });
    const started = Date.now();
    const first = await get(target, "/echo/x");
    expect(first.status).toBe(504);
    expect(first.instance).toBe("echo-0");
    expect(Date.now() - started).toBeLessThan(1_400);
    expect((await get(target, "/echo/x")).status).toBe(504);
    expect(breakerOf(target, "echo-0")).toBe("open");
    const refused = await request(`${target.url}/echo/x`);
    expect(refused.statusCode).toBe(503);
    expect(refused.headers["retry-after"]).toBe("1");
    await refused.body.dump();
  });

  it("does not route to instances that are starting, unhealthy or draining", async () => {
    const target = await router();
    const backend = await startBackend("a");
    stops.push(() => backend.close());
    target.registry.register({
      id: "echo-0",
      service: "echo",
      replica: 0,
      url: backend.url,
      state: "starting",
    });
    expect((await get(target, "/echo/x")).status).toBe(503);
    target.registry.update("echo-0", { state: "ready" });
    expect((await get(target, "/echo/x")).status).toBe(200);
    target.registry.update("echo-0", { state: "draining" });
    expect((await get(target, "/echo/x")).status).toBe(503);
  });
});
