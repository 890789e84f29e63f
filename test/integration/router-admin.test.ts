// The admin API, metrics, access log and router.json, over real sockets.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { startRouter } from "../../src/router/server.js";
import { routerProject, servicesYaml, startBackend } from "../support/router.js";

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});
const token = "0123456789abcdef";

async function setup(extra: Partial<Parameters<typeof startRouter>[0]> = {}) {
  const router = await startRouter({
    project: routerProject(servicesYaml({ echo: [] })),
    token,
    healthCheckIntervalMs: 0,
    ...extra,
  });
  stops.push(() => router.close());
  return router;
}
async function admin(
  url: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
) {
  const response = await request(`${url}/_agentctl${path}`, {
    method: method as "GET",
    headers: options.token
      ? { authorization: `Bearer ${options.token}`, "content-type": "application/json" }
      : {},
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.body.text();
  return { status: response.statusCode, json: () => JSON.parse(text), text };
}

describe("admin API", () => {
  it("refuses requests without the token or with a wrong one", async () => {
    const router = await setup();
    for (const [method, path] of [
      ["GET", "/instances"],
      ["POST", "/instances"],
      ["DELETE", "/instances/x"],
      ["GET", "/services"],
    ]) {
      const none = await admin(router.url, method!, path!);
      expect(none.status).toBe(401);
      expect(none.json().error).toContain("control token");
      expect((await admin(router.url, method!, path!, { token: "wrong" })).status).toBe(401);
    }
  });

  it("lets an outside service register, be discovered, take traffic, change state and leave", async () => {
    const router = await setup();
    const outside = await startBackend("outside");
    stops.push(() => outside.close());
    const bad = await admin(router.url, "POST", "/instances", {
      token,
      body: { service: "tools", url: "ftp://x" },
    });
    expect(bad.status).toBe(400);
    expect(bad.json().error).toContain('expected "url" like http://127.0.0.1:7001');
    const made = await admin(router.url, "POST", "/instances", {
      token,
      body: { service: "tools", url: outside.url },
    });
    expect(made.status).toBe(201);
    expect(made.json()).toMatchObject({
      id: "tools-ext-0",
      service: "tools",
      state: "ready",
      source: "external",
    });
    const services = (await admin(router.url, "GET", "/services", { token })).json();
    expect(services).toEqual([
      { service: "tools", url: `${router.url}/tools`, ready: 1, instances: ["tools-ext-0"] },
    ]);
    const routed = await request(`${router.url}/tools/hi`);
    expect(routed.headers["x-agentctl-instance"]).toBe("tools-ext-0");
    expect(await routed.body.json()).toMatchObject({ name: "outside", path: "/hi" });
    const listed = (await admin(router.url, "GET", "/instances", { token })).json();
    expect(listed).toEqual([
      expect.objectContaining({ id: "tools-ext-0", breaker: "closed", inflight: 0, requests: 1, errors: 0 }),
    ]);
    const drained = await admin(router.url, "PATCH", "/instances/tools-ext-0", {
      token,
      body: { state: "draining" },
    });
    expect(drained.json().state).toBe("draining");
    expect((await request(`${router.url}/tools/hi`)).statusCode).toBe(503);
    expect((await admin(router.url, "DELETE", "/instances/tools-ext-0", { token })).status).toBe(200);
    expect((await admin(router.url, "DELETE", "/instances/tools-ext-0", { token })).status).toBe(404);
    const gone = await request(`${router.url}/tools/hi`);
    expect(gone.statusCode).toBe(404);
    expect(await gone.body.json()).toMatchObject({ error: 'no service named "tools"; known services: echo' });
  });

  it("serves Prometheus metrics without a token and a snapshot for the dashboard", async () => {
    const router = await setup();
    const backend = await startBackend("a", (req, res) => {
      req.resume();
      res.statusCode = req.url === "/fail" ? 500 : 200;
      res.end();
    });
    stops.push(() => backend.close());
    router.registry.register({ id: "echo-0", service: "echo", replica: 0, url: backend.url, state: "ready" });
    for (const path of ["/ok", "/ok", "/fail"])
      await (await request(`${router.url}/echo${path}`)).body.dump();
    const metrics = await admin(router.url, "GET", "/metrics");
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain(
      'agentctl_router_requests_total{service="echo",instance="echo-0",code="200"} 2',
    );
    expect(metrics.text).toContain(
      'agentctl_router_requests_total{service="echo",instance="echo-0",code="500"} 1',
    );
    expect(metrics.text).toContain(
      'agentctl_router_errors_total{service="echo",instance="echo-0",kind="status_5xx"} 1',
    );
    expect(metrics.text).toContain(
      'agentctl_router_request_duration_seconds_count{service="echo",instance="echo-0"} 3',
    );
    expect(metrics.text).toContain('agentctl_router_breaker_state{service="echo",instance="echo-0"} 0');
    expect(metrics.text).toContain('agentctl_router_inflight{service="echo",instance="echo-0"} 0');
    const [service] = router.snapshot();
    expect(service).toMatchObject({ service: "echo", requests: 3, errors: 1, inflight: 0 });
    expect(service!.ratePerSecond).toBeGreaterThan(0);
    expect(service!.p99Ms).toBeGreaterThanOrEqual(service!.p50Ms);
    expect(service!.instances[0]).toMatchObject({ id: "echo-0", breaker: "closed" });
  });

  it("writes a JSON access-log line per request", async () => {
    const log = new PassThrough();
    const lines: string[] = [];
    log.on("data", (chunk: Buffer) => lines.push(...chunk.toString().split("\n").filter(Boolean)));
    const router = await setup({ accessLog: log });
    const backend = await startBackend("a");
    stops.push(() => backend.close());
    router.registry.register({ id: "echo-0", service: "echo", replica: 0, url: backend.url, state: "ready" });
    await (await request(`${router.url}/echo/x?y=1`, { headers: { "x-request-id": "rid-1" } })).body.dump();
    await (await request(`${router.url}/missing`)).body.dump();
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({
        requestId: "rid-1",
        method: "GET",
        url: "/echo/x?y=1",
        service: "echo",
        instance: "echo-0",
        status: 200,
        attempts: 1,
      }),
      expect.objectContaining({ url: "/missing", status: 404, instance: "agentctl-router" }),
    ]);
  });

  it("writes router.json (0600) on listen with the port it picked, and removes it on close", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "agentctl-router-"));
    stops.push(async () => rmSync(stateDir, { recursive: true, force: true }));
    const router = await startRouter({
      project: routerProject(servicesYaml({ echo: [] })),
      token,
      stateDir,
      healthCheckIntervalMs: 0,
    });
    const file = join(stateDir, "router.json");
    const written = JSON.parse(readFileSync(file, "utf8"));
    expect(written).toEqual({
      url: router.url,
      port: router.port,
      pid: process.pid,
      adminUrl: `${router.url}/_agentctl`,
    });
    expect(router.port).toBeGreaterThan(0);
    expect(router.url).toBe(`http://127.0.0.1:${router.port}`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await router.close();
    expect(existsSync(file)).toBe(false);
  });

  it("opens the breaker of an instance whose active health check fails", async () => {
    const router = await setup({ healthCheckIntervalMs: 100 });
    const sick = await startBackend("sick", (req, res) => {
      req.resume();
      res.statusCode = req.url === "/health" ? 503 : 200;
      res.end();
    });
    stops.push(() => sick.close());
    router.registry.register({ id: "echo-0", service: "echo", replica: 0, url: sick.url, state: "ready" });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(router.snapshot()[0]!.instances[0]!.breaker).toBe("open");
  });
});
