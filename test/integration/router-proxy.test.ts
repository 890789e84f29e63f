import { Readable } from "node:stream";
import { request } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type RunningRouter, startRouter } from "../../src/router/server.js";
import { type Backend, routerProject, servicesYaml, startBackend } from "../support/router.js";

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});

// Every test runs against both cores: the raw core (the default) and node:http + undici, which stays
// the path for what the raw core hands over.
let core: "raw" | "node" = "raw";

async function setup(
  yaml: string,
  backends: Record<string, Backend[]>,
  extra: Partial<Parameters<typeof startRouter>[0]> = {},
) {
  const router = await startRouter({
    project: routerProject(yaml),
    token: "secret-token",
    healthCheckIntervalMs: 0,
    core,
    ...extra,
  });
  stops.push(() => router.close());
  for (const [service, list] of Object.entries(backends))
    for (const [replica, made] of list.entries())
      router.registry.register({
        id: `${service}-${replica}`,
        service,
        replica,
        url: made.url,
        state: "ready",
        source: "supervisor",
      });
  return router;
}
async function backend(name: string, handler?: Parameters<typeof startBackend>[1]) {
  const made = await startBackend(name, handler);
  stops.push(() => made.close());
  return made;
}
async function get(router: RunningRouter, path: string, headers: Record<string, string> = {}) {
  const response = await request(`${router.url}${path}`, { headers });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text, json: () => JSON.parse(text) };
}

describe.each(["raw", "node"] as const)("router: routing (%s core)", (which) => {
  beforeEach(() => {
    core = which;
  });

  it("reaches a ready instance by path, by Host and by routes: prefix", async () => {
    const echo = await backend("echo");
    const gateway = await backend("gateway");
    const router = await setup(servicesYaml({ echo: [], gateway: ["routes: [/api]"] }), {
      echo: [echo],
      gateway: [gateway],
    });
    const byPath = await get(router, "/echo/hello?x=1");
    expect(byPath.status).toBe(200);
    expect(byPath.json()).toMatchObject({ name: "echo", path: "/hello?x=1" });
    expect(byPath.headers["x-agentctl-instance"]).toBe("echo-0");
    expect(byPath.headers["x-request-id"]).toBeTruthy();
    expect((await get(router, "/echo")).json().path).toBe("/");
    const byHost = await get(router, "/hello", { host: "echo.localhost:4000" });
    expect(byHost.json()).toMatchObject({ name: "echo", path: "/hello" });
    const byPrefix = await get(router, "/api/chat?q=1");
    expect(byPrefix.json()).toMatchObject({ name: "gateway", path: "/api/chat?q=1" });
    expect(byPrefix.headers["x-agentctl-instance"]).toBe("gateway-0");
  });

  it("keeps a client's X-Request-Id and sets X-Forwarded-*; strips hop-by-hop headers", async () => {
    let seen: Record<string, unknown> = {};
    const echo = await backend("echo", (req, res) => {
      seen = req.headers;
      res.setHeader("x-hop", "1");
      res.setHeader("connection", "x-hop, keep-alive");
      res.end("ok");
    });
    const router = await setup(servicesYaml({ echo: [] }), { echo: [echo] });
    const answer = await get(router, "/echo/", {
      "x-request-id": "abc-123",
      "x-custom": "yes",
      "proxy-authorization": "no",
    });
    expect(answer.headers["x-request-id"]).toBe("abc-123");
    expect(answer.headers["x-hop"]).toBeUndefined();
    expect(seen).toMatchObject({
      "x-request-id": "abc-123",
      "x-custom": "yes",
      "x-forwarded-for": "127.0.0.1",
      "x-forwarded-proto": "http",
    });
    expect(seen["x-forwarded-host"]).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(seen["proxy-authorization"]).toBeUndefined();
  });

  it("answers 404 naming the known services and 503 with Retry-After when none is ready", async () => {
    const router = await setup(servicesYaml({ echo: [], tools: [] }), {});
    const unknown = await get(router, "/nope/x");
    expect(unknown.status).toBe(404);
    expect(unknown.json().error).toBe('no service named "nope"; known services: echo, tools');
    expect(unknown.headers["x-agentctl-instance"]).toBe("agentctl-router");
    const none = await get(router, "/echo/x");
    expect(none.status).toBe(503);
    expect(none.headers["retry-after"]).toBe("1");
    expect(none.headers["x-request-id"]).toBeTruthy();
  });

  it("refuses an oversized body with 413 and an oversized head with 431", async () => {
    const echo = await backend("echo");
    const router = await setup(servicesYaml({ echo: [] }, ["maxBodySize: 1Ki"]), { echo: [echo] });
    const big = await request(`${router.url}/echo/upload`, { method: "POST", body: "x".repeat(4096) });
    expect(big.statusCode).toBe(413);
    await big.body.dump();
    // Without a declared length (chunked), the limit is enforced as the body streams.
    const chunks = Readable.from(Array.from({ length: 8 }, () => Buffer.alloc(512, 120)));
    const streamed = await request(`${router.url}/echo/upload`, { method: "POST", body: chunks });
    expect(streamed.statusCode).toBe(413);
    await streamed.body.dump();
    const small = await request(`${router.url}/echo/upload`, { method: "POST", body: "x".repeat(100) });
    expect(small.statusCode).toBe(200);
    await small.body.dump();
    const head = await request(`${router.url}/echo/x`, { headers: { "x-big": "y".repeat(20_000) } });
    expect(head.statusCode).toBe(431);
    await head.body.dump();
    expect(echo.hits).toBe(1);
  });

  it("cuts off a client that is too slow to send its request head (408)", async () => {
    const echo = await backend("echo");
    const router = await setup(servicesYaml({ echo: [] }), { echo: [echo] }, { headersTimeoutMs: 300 });
    const { connect } = await import("node:net");
    const socket = connect(router.port, "127.0.0.1");
    socket.write("GET /echo/x HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    const started = Date.now();
    const reply = await new Promise<string>((resolve) => {
      let text = "";
      socket.on("data", (chunk) => (text += chunk));
      socket.on("close", () => resolve(text));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(echo.hits).toBe(0);
  });

  it("answers 504 after the service's timeout", async () => {
    const slow = await backend("slow", (req, res) => {
      req.resume();
      setTimeout(() => res.end("late"), 2_000);
    });
    const router = await setup(servicesYaml({ echo: ["timeout: 250ms"] }), { echo: [slow] });
    const started = Date.now();
    const answer = await get(router, "/echo/x");
    expect(answer.status).toBe(504);
    expect(answer.json().error).toContain("echo (tried echo-0)");
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});
