// The shared service kit (templates/_shared), exercised through the tool template bundled and run as a
// process: health/ready, body errors (400/413/415), 404/405, request ids and log lines, and graceful
// shutdown (requests under way finish, idle keep-alive sockets close, a hard deadline).
import { Agent, request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestJson, type TemplateService, templateWorld } from "../support/template-service.js";

const world = templateWorld();
let tools: TemplateService;

beforeAll(async () => {
  tools = await world.start("tool", { name: "tools" });
});
afterAll(() => world.close());

const execute = (tool_name: unknown, parameters?: unknown) =>
  requestJson(`${tools.url}/tools/execute`, { body: { tool_name, parameters } });

describe("service kit: answers", () => {
  it("answers /health and /ready", async () => {
    const health = await requestJson(`${tools.url}/health`);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: "healthy", service: "tools" });
    expect(typeof health.body.uptime).toBe("number");
    const ready = await requestJson(`${tools.url}/ready`);
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: "ready", service: "tools" });
  });

  it("bad JSON → 400, not JSON → 415, empty → 400", async () => {
    const bad = await requestJson(`${tools.url}/tools/execute`, {
      body: '{"tool_name": "calculator",',
      headers: { "content-type": "application/json" },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^request body is not valid JSON/);
    const text = await requestJson(`${tools.url}/tools/execute`, {
      body: "tool_name=calculator",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(text.status).toBe(415);
    expect(text.body.error.message).toContain('got "application/x-www-form-urlencoded"');
    const empty = await requestJson(`${tools.url}/tools/execute`, {
      body: "",
      headers: { "content-type": "application/json" },
    });
    expect(empty.status).toBe(400);
  });

  it("a body over 1 MiB → 413, declared or streamed", async () => {
    const big = JSON.stringify({ tool_name: "text_stats", parameters: { text: "x".repeat(1024 * 1024) } });
    const declared = await requestJson(`${tools.url}/tools/execute`, {
      body: big,
      headers: { "content-type": "application/json" },
    });
    expect(declared.status).toBe(413);
    expect(declared.body.error).toMatchObject({ status: 413, limit: 1048576 });
    expect(declared.headers.get("connection")).toBe("close");
    // Without a Content-Length the limit is counted as chunks arrive.
    const streamed = await rawRequest(tools.port, {
      method: "POST",
      path: "/tools/execute",
      headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
      chunks: [big.slice(0, 600_000), big.slice(600_000)],
    });
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body).error.status).toBe(413);
    // The service is still fine afterwards.
    expect((await execute("calculator", { expression: "1+1" })).body.result.output.value).toBe(2);
  });

  it("unknown route → 404, wrong method → 405 with Allow", async () => {
    const unknown = await requestJson(`${tools.url}/nope`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({
      success: false,
      error: { status: 404, message: "no route for GET /nope" },
    });
    const wrong = await requestJson(`${tools.url}/tools/list`, { method: "DELETE" });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET");
    expect(wrong.body.error.status).toBe(405);
  });

  it("keeps a given X-Request-Id, makes one otherwise, and logs one JSON line per request", async () => {
    const given = await requestJson(`${tools.url}/tools/list?x=1`, {
      headers: { "x-request-id": "req-abc.123" },
    });
    expect(given.headers.get("x-request-id")).toBe("req-abc.123");
    const made = await requestJson(`${tools.url}/tools/list`, {
      headers: { "x-request-id": "bad id with spaces" },
    });
    expect(made.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    await expect
      .poll(() => tools.logLines().filter((line) => line.requestId === "req-abc.123"))
      .toHaveLength(1);
    const line = tools.logLines().find((entry) => entry.requestId === "req-abc.123")!;
    expect(Object.keys(line).sort()).toEqual([
      "level",
      "method",
      "ms",
      "path",
      "requestId",
      "service",
      "status",
      "ts",
    ]);
    expect(line).toMatchObject({
      level: "info",
      service: "tools",
      method: "GET",
      path: "/tools/list",
      status: 200,
    });
    expect(typeof line.ms).toBe("number");
    expect(Number.isNaN(Date.parse(line.ts as string))).toBe(false);
  });
});

describe("service kit: naming", () => {
  it("takes its name from AGENTCTL_SERVICE, which every runtime and deploy target sets", async () => {
    const service = await world.start("tool", {
      name: "ignored",
      env: { AGENTCTL_SERVICE: "calc-runtime" },
    });
    expect((await requestJson(`${service.url}/health`)).body.service).toBe("calc-runtime");
    expect(service.logLines()[0]).toMatchObject({ service: "calc-runtime", msg: "listening" });
    await service.stop();
  });
});

describe("service kit: graceful shutdown", () => {
  it("SIGTERM lets a request under way finish, closes idle keep-alive sockets and exits 0", async () => {
    const service = await world.start("tool", { env: { SHUTDOWN_TIMEOUT_MS: "8000" } });
    const agent = new Agent({ keepAlive: true });
    try {
      // An idle keep-alive connection must not hold the process open.
      const idle = await rawRequest(service.port, { method: "GET", path: "/tools/list", agent });
      expect(idle.status).toBe(200);
      const body = JSON.stringify({ tool_name: "calculator", parameters: { expression: "6*7" } });
      let sendRest!: () => void;
      const slow = rawRequest(service.port, {
        method: "POST",
        path: "/tools/execute",
        headers: { "content-type": "application/json", "content-length": String(body.length) },
        chunks: [body.slice(0, 10), body.slice(10)],
        waitForContinue: true,
        between: () => new Promise<void>((resolve) => (sendRest = resolve)),
      });
      // The server has answered 100 Continue: the request is under way, not merely in transit.
      await expect.poll(() => typeof sendRest).toBe("function");
      const started = Date.now();
      service.child.kill("SIGTERM");
      await expect.poll(() => service.stdout()).toContain('"msg":"shutting down"');
      // Still in flight: the process waits for it.
      expect(service.child.exitCode).toBeNull();
      sendRest();
      const answer = await slow;
      expect(answer.status).toBe(200);
      expect(answer.headers.connection).toBe("close");
      expect(JSON.parse(answer.body).result.output.value).toBe(42);
      expect(await service.exited).toEqual({ code: 0, signal: null });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(service.stdout()).toContain('"msg":"stopped"');
    } finally {
      agent.destroy();
    }
  });

  it("a request that never finishes is cut at the deadline and the exit code says so", async () => {
    const service = await world.start("tool", { env: { SHUTDOWN_TIMEOUT_MS: "300" } });
    let headRead = false;
    const hung = rawRequest(service.port, {
      method: "POST",
      path: "/tools/execute",
      headers: { "content-type": "application/json", "content-length": "100" },
      chunks: ['{"tool_name"'],
      waitForContinue: true,
      between: () => {
        headRead = true;
        return new Promise<void>(() => {});
      },
    }).catch((error: Error) => error);
    await expect.poll(() => headRead).toBe(true);
    service.child.kill("SIGTERM");
    expect(await service.exited).toEqual({ code: 1, signal: null });
    expect(service.stdout()).toContain("shutdown deadline passed");
    expect(await hung).toBeInstanceOf(Error);
  });
});

interface RawOptions {
  method: string;
  path: string;
  headers?: Record<string, string>;
  chunks?: string[];
  /** Send `Expect: 100-continue` and write the body only once the server has read the head. */
  waitForContinue?: boolean;
  /** Awaited between the first chunk and the rest. */
  between?: () => Promise<void>;
  agent?: Agent;
}

/** A node:http request writing its body in chunks (fetch cannot pause mid-body). */
function rawRequest(
  port: number,
  options: RawOptions,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: "127.0.0.1",
        port,
        method: options.method,
        path: options.path,
        headers: { ...options.headers, ...(options.waitForContinue ? { expect: "100-continue" } : {}) },
        agent: options.agent,
      },
      (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          body += chunk;
        });
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
        );
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    void (async () => {
      if (options.waitForContinue) {
        request.flushHeaders();
        await new Promise((resolve) => request.once("continue", resolve));
      }
      const [first, ...rest] = options.chunks ?? [];
      if (first !== undefined) request.write(first);
      if (options.between) await options.between();
      for (const chunk of rest) request.write(chunk);
      request.end();
    })();
  });
}
