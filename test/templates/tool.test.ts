// The tool template, bundled and run as `agentctl build` would: its contract over real HTTP, the shared
// kit's error answers and logs, and graceful shutdown.
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

describe("tool template: contract", () => {
  it("lists its tools with descriptions and parameter schemas", async () => {
    const { status, body } = await requestJson(`${tools.url}/tools/list`);
    expect(status).toBe(200);
    expect(body.success).toBe(true);
    const names = body.result.tools.map((tool: { name: string }) => tool.name);
    expect(names).toEqual(["calculator", "time", "text_stats", "text_transform"]);
    const calculator = body.result.tools[0];
    expect(calculator.description).toMatch(/arithmetic/);
    expect(calculator.parameters).toMatchObject({
      type: "object",
      properties: { expression: { type: "string" } },
      required: ["expression"],
    });
  });

  it.each([
    ["2+3*4", 14],
    ["(2 + 3) * 4", 20],
    ["-2^2", -4],
    ["2^3^2", 512],
    ["2^-1", 0.5],
    ["10 % 4", 2],
    ["7 / 2", 3.5],
    ["-(3 - 5) * -1", -2],
    ["0.1 + 0.2", 0.3],
    [".5 + 2e2", 200.5],
    ["sqrt(16) + abs(-3)", 7],
    ["max(1, 5, 3) - min(4, 2)", 3],
    ["round(pi * 100) / 100", 3.14],
  ])("calculator: %s = %d", async (expression, value) => {
    const { status, body } = await execute("calculator", { expression });
    expect(status).toBe(200);
    expect(body).toEqual({
      success: true,
      result: { tool_name: "calculator", output: { expression, value } },
    });
  });

  it.each([
    ["2 +", 4, /expected a number.*found the end/],
    ["2 + * 3", 5, /expected a number.*found "\*"/],
    ["(1 + 2", 7, /expected "\)"/],
    ["1 / 0", 3, /division by zero/],
    ["2 $ 3", 3, /unexpected character "\$"/],
    ["process.exit(1)", 8, /unexpected "\."/],
    ["constructor(1)", 1, /unknown name "constructor"/],
    ["sqrt(1, 2)", 1, /sqrt takes 1 argument/],
    ["1 2", 3, /expected an operator/],
  ])("calculator rejects %j at position %d", async (expression, position, message) => {
    const { status, body } = await execute("calculator", { expression });
    expect(status).toBe(400);
    expect(body.success).toBe(false);
    expect(body.error.status).toBe(400);
    expect(body.error.message).toMatch(message);
    expect(body.error.message).toContain(`at position ${position}`);
    expect(body.error.position).toBe(position);
  });

  it("time: the current time in an IANA zone, and UTC by default", async () => {
    const before = Date.now();
    const tokyo = await execute("time", { timezone: "Asia/Tokyo" });
    expect(tokyo.status).toBe(200);
    const output = tokyo.body.result.output;
    expect(output).toMatchObject({ timezone: "Asia/Tokyo", utc_offset: "+09:00" });
    expect(output.local).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$/);
    expect(Math.abs(Date.parse(output.local) - before)).toBeLessThan(5_000);
    expect(Math.abs(Date.parse(output.iso) - before)).toBeLessThan(5_000);
    const utc = await execute("time", {});
    expect(utc.body.result.output).toMatchObject({ timezone: "UTC", utc_offset: "+00:00" });
  });

  it("time: an unknown zone is a 400 naming it", async () => {
    const { status, body } = await execute("time", { timezone: "Mars/Olympus_Mons" });
    expect(status).toBe(400);
    expect(body.error.message).toContain('unknown timezone "Mars/Olympus_Mons"');
    expect(body.error.parameter).toBe("timezone");
  });

  it("text_stats counts graphemes, words, lines and sentences", async () => {
    const text = "Hello world. How are you?\nFine 👍🏽";
    const { status, body } = await execute("text_stats", { text });
    expect(status).toBe(200);
    expect(body.result.output).toEqual({
      characters: 32,
      characters_without_spaces: 26,
      words: 6,
      lines: 2,
      sentences: 3,
      bytes: Buffer.byteLength(text),
    });
  });

  it.each([
    ["upper", "Hello Wörld", "HELLO WÖRLD"],
    ["lower", "Hello Wörld", "hello wörld"],
    ["reverse", "añb👍🏽", "👍🏽bña"],
    ["slug", "  Héllo, Wörld! Ça va?  ", "hello-world-ca-va"],
    ["title", "the QUICK brown fox", "The Quick Brown Fox"],
  ])("text_transform %s", async (operation, text, expected) => {
    const { status, body } = await execute("text_transform", { text, operation });
    expect(status).toBe(200);
    expect(body.result.output).toEqual({ operation, text: expected });
  });
});

describe("tool template: argument checks", () => {
  it.each([
    ["calculator", {}, /missing required parameter "expression"/],
    ["calculator", { expression: 42 }, /parameter "expression" must be a string, got number 42/],
    ["calculator", { expression: "1", precision: 2 }, /unknown parameter "precision"/],
    [
      "text_transform",
      { text: "x", operation: "rot13" },
      /parameter "operation" must be one of upper, lower/,
    ],
    ["text_stats", { text: null }, /missing required parameter "text"/],
  ])("%s %j → 400", async (tool, parameters, message) => {
    const { status, body } = await execute(tool, parameters);
    expect(status).toBe(400);
    expect(body.error.message).toMatch(message);
  });

  it("parameters must be an object and tool_name a string", async () => {
    const list = await execute("calculator", [1]);
    expect(list.status).toBe(400);
    expect(list.body.error.message).toMatch(/^parameters: expected a JSON object, got an array/);
    const missing = await requestJson(`${tools.url}/tools/execute`, { body: { parameters: {} } });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/^tool_name: expected a non-empty string, got nothing/);
  });

  it("an unknown tool is a 404 listing the known ones", async () => {
    const { status, body } = await execute("weather", {});
    expect(status).toBe(404);
    expect(body.error.message).toBe(
      'unknown tool "weather"; tools: calculator, time, text_stats, text_transform',
    );
    expect(body.error.tools).toEqual(["calculator", "time", "text_stats", "text_transform"]);
  });
});

describe("tool template: the shared kit", () => {
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

describe("tool template: graceful shutdown", () => {
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
        between: () => new Promise<void>((resolve) => (sendRest = resolve)),
      });
      await expect.poll(() => typeof sendRest).toBe("function");
      // Give the server time to read the head: a request still in transit is not yet "under way".
      await new Promise((resolve) => setTimeout(resolve, 200));
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
    const hung = rawRequest(service.port, {
      method: "POST",
      path: "/tools/execute",
      headers: { "content-type": "application/json", "content-length": "100" },
      chunks: ['{"tool_name"'],
      between: () => new Promise<void>(() => {}),
    }).catch((error: Error) => error);
    await new Promise((resolve) => setTimeout(resolve, 200));
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
        headers: options.headers,
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
      const [first, ...rest] = options.chunks ?? [];
      if (first !== undefined) request.write(first);
      if (options.between) await options.between();
      for (const chunk of rest) request.write(chunk);
      request.end();
    })();
  });
}
