// The agent template, bundled and run as a process: the built-in responder alone and with real memory
// and tools services, SSE delivered chunk by chunk, and a graceful stop in the middle of a stream.
// The language-model path is in agent-llm.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  freePort,
  postForEvents,
  requestJson,
  type TemplateService,
  templateWorld,
} from "../support/template-service.js";

const world = templateWorld();
afterAll(() => world.close());

const ask = (
  agent: TemplateService,
  user_id: string,
  input: unknown,
  extra: Record<string, unknown> = {},
  headers?: Record<string, string>,
) => requestJson(`${agent.url}/agent/process`, { body: { user_id, input, ...extra }, headers });

describe("agent template: built-in responder on its own", () => {
  let agent: TemplateService;
  beforeAll(async () => {
    agent = await world.start("agent");
  });

  it("answers, remembers the conversation in-process, and keeps users apart", async () => {
    const first = await ask(agent, "ann", "hello there");
    expect(first.status).toBe(200);
    expect(first.body.success).toBe(true);
    expect(first.body.result).toMatchObject({
      conversation_id: "conversation:ann",
      tool_calls: [],
      responder: "builtin",
    });
    expect(first.body.result.output).toMatch(/^You said: "hello there"\. This is the built-in responder/);
    const second = await ask(agent, "ann", "and now?");
    expect(second.body.result.output).toBe(
      'You said: "and now?". Earlier in this conversation (2 messages so far) you said: "hello there".',
    );
    const other = await ask(agent, "bob", "hi");
    expect(other.body.result.output).not.toContain("Earlier");
  });

  it("mentions the caller's context", async () => {
    const answer = await ask(agent, "cid", "hi", { context: "the user is on the pricing page" });
    expect(answer.body.result.output).toContain('Context: "the user is on the pricing page".');
  });

  it("explains that no tools service is configured instead of failing", async () => {
    const answer = await ask(agent, "dan", "what is 2+3*4?");
    expect(answer.status).toBe(200);
    expect(answer.body.result.tool_calls).toEqual([
      {
        tool: "calculator",
        parameters: { expression: "2+3*4" },
        error: {
          status: 503,
          message: "no tools service is configured (AGENTCTL_SERVICE_TOOLS_URL is not set)",
        },
      },
    ]);
    expect(answer.body.result.output).toMatch(
      /^I tried to calculate 2\+3\*4 with the calculator tool, but it failed/,
    );
  });

  it("rejects bad requests: missing fields 400, bad JSON 400, not JSON 415, unknown route 404, wrong method 405", async () => {
    const noUser = await requestJson(`${agent.url}/agent/process`, { body: { input: "x" } });
    expect(noUser.status).toBe(400);
    expect(noUser.body.error.message).toBe("user_id: expected a non-empty string, got nothing");
    const badInput = await ask(agent, "eve", 42);
    expect(badInput.status).toBe(400);
    expect(badInput.body.error.message).toBe("input: expected a non-empty string, got number 42");
    const badJson = await requestJson(`${agent.url}/agent/process`, {
      body: "{",
      headers: { "content-type": "application/json" },
    });
    expect(badJson.status).toBe(400);
    const notJson = await requestJson(`${agent.url}/agent/process`, {
      body: "hi",
      headers: { "content-type": "text/plain" },
    });
    expect(notJson.status).toBe(415);
    expect((await requestJson(`${agent.url}/agent/other`)).status).toBe(404);
    expect((await requestJson(`${agent.url}/agent/process`)).status).toBe(405);
  });
});

describe("agent template: with the memory and tools services", () => {
  let memory: TemplateService;
  let tools: TemplateService;
  let agent: TemplateService;
  let agentEnv: Record<string, string>;

  beforeAll(async () => {
    [memory, tools] = await Promise.all([
      world.start("memory", { env: { MEMORY_DIR: `${await world.tempDir()}/memory` } }),
      world.start("tool", { name: "tools" }),
    ]);
    agentEnv = { AGENTCTL_SERVICE_MEMORY_URL: memory.url, AGENTCTL_SERVICE_TOOLS_URL: tools.url };
    agent = await world.start("agent", { env: agentEnv });
  });

  it("computes arithmetic through the calculator tool", async () => {
    const answer = await ask(agent, "carol", "what is 2+3*4?");
    expect(answer.status).toBe(200);
    expect(answer.body.result.output).toBe("2+3*4 = 14");
    expect(answer.body.result.tool_calls).toEqual([
      { tool: "calculator", parameters: { expression: "2+3*4" }, result: { expression: "2+3*4", value: 14 } },
    ]);
    const nested = await ask(agent, "carol", "and (1.5 + 2.5) * sqrt(16) - 1?");
    expect(nested.body.result.output).toBe("(1.5 + 2.5) * sqrt(16) - 1 = 15");
  });

  it("reports the calculator's error, with its position, for a bad expression", async () => {
    const answer = await ask(agent, "carol", "what is 2+*3");
    expect(answer.status).toBe(200);
    const [call] = answer.body.result.tool_calls;
    expect(call.error.status).toBe(400);
    expect(call.error.message).toContain("at position 3");
    expect(answer.body.result.output).toMatch(/^I tried to calculate 2\+\*3 .* at position 3/);
  });

  it("tells the time in a named zone through the time tool", async () => {
    const answer = await ask(agent, "carol", "what time is it in Asia/Tokyo?");
    expect(answer.body.result.tool_calls[0]).toMatchObject({
      tool: "time",
      parameters: { timezone: "Asia/Tokyo" },
    });
    expect(answer.body.result.output).toMatch(
      /^It is \d\d:\d\d:\d\d on \w+day, \d{4}-\d\d-\d\d in Asia\/Tokyo \(UTC\+09:00\)\.$/,
    );
  });

  it("keeps the conversation in the memory service, so it survives an agent restart", async () => {
    await ask(agent, "dave", "my favourite colour is teal");
    const stored = await requestJson(`${memory.url}/memory/retrieve/conversation%3Adave?user_id=dave`);
    expect(stored.status).toBe(200);
    expect(stored.body.result.value.turns).toEqual([
      { role: "user", content: "my favourite colour is teal" },
      { role: "assistant", content: expect.stringMatching(/^You said: "my favourite colour is teal"/) },
    ]);
    expect(await agent.stop()).toEqual({ code: 0, signal: null });
    agent = await world.start("agent", { env: agentEnv });
    const later = await ask(agent, "dave", "what did I say?");
    expect(later.body.result.output).toContain('you said: "my favourite colour is teal"');
  });

  it("passes its X-Request-Id on to the services it calls", async () => {
    await ask(agent, "erin", "what is 6*7", {}, { "x-request-id": "trace-agent-42" });
    const traced = (service: TemplateService) =>
      service
        .logLines()
        .filter((line) => line.requestId === "trace-agent-42")
        .map((line) => line.path);
    await expect.poll(() => traced(tools)).toEqual(["/tools/execute"]);
    await expect
      .poll(() => traced(memory).sort())
      .toEqual(["/memory/retrieve/conversation%3Aerin", "/memory/store"]);
  });

  it("answers 502 naming the memory service when it cannot reach it", async () => {
    const lonely = await world.start("agent", {
      name: "agent-no-memory",
      env: { AGENTCTL_SERVICE_MEMORY_URL: `http://127.0.0.1:${await freePort()}` },
    });
    const answer = await ask(lonely, "fay", "hello");
    expect(answer.status).toBe(502);
    expect(answer.body.error.message).toMatch(
      /^GET http:\/\/127\.0\.0\.1:\d+\/memory\/retrieve\/.*ECONNREFUSED/,
    );
    await lonely.stop();
  });
});

describe("agent template: streaming (SSE)", () => {
  let agent: TemplateService;
  beforeAll(async () => {
    agent = await world.start("agent", { name: "agent-stream", env: { AGENT_STREAM_DELAY_MS: "40" } });
  });

  it("streams the answer word by word, each word flushed as it is produced, then a done event", async () => {
    const answer = await postForEvents(`${agent.url}/agent/process`, {
      user_id: "sam",
      input: "tell me something",
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const deltas = answer.events.filter((event) => event.event === "message");
    const done = answer.events.filter((event) => event.event === "done");
    expect(deltas.length).toBeGreaterThan(20);
    expect(done).toHaveLength(1);
    expect(deltas.map((event) => event.data.delta).join("")).toBe(done[0]!.data.output);
    expect(done[0]!.data).toMatchObject({ conversation_id: "conversation:sam", tool_calls: [] });
    // Real flushes: the first word arrives long before the stream ends, in many separate reads.
    const first = deltas[0]!.at;
    expect(answer.endedAt - first).toBeGreaterThan((deltas.length - 1) * 40 * 0.7);
    // Many separate reads, not one buffered body (a busy test machine may merge a few).
    expect(answer.reads).toBeGreaterThan(5);
  });

  it("a stream that stops early is not saved, and the agent keeps serving", async () => {
    const controller = new AbortController();
    const response = await fetch(`${agent.url}/agent/process`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ user_id: "quitter", input: "a long answer please" }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    const after = await ask(agent, "quitter", "again");
    expect(after.body.result.output).not.toContain("Earlier");
  });
});

describe("agent template: graceful shutdown", () => {
  it("SIGTERM in the middle of a stream: the stream completes and the process exits 0", async () => {
    const agent = await world.start("agent", { name: "agent-stop", env: { AGENT_STREAM_DELAY_MS: "30" } });
    let signalled = false;
    const answer = await postForEvents(
      `${agent.url}/agent/process`,
      { user_id: "zed", input: "go" },
      {},
      () => {
        if (!signalled) {
          signalled = true;
          agent.child.kill("SIGTERM");
        }
      },
    );
    expect(signalled).toBe(true);
    expect(answer.events.at(-1)!.event).toBe("done");
    expect(await agent.exited).toEqual({ code: 0, signal: null });
    const lines = agent.logLines();
    const shutdown = lines.findIndex((line) => line.msg === "shutting down");
    const request = lines.findIndex((line) => line.path === "/agent/process");
    expect(shutdown).toBeGreaterThan(-1);
    expect(request).toBeGreaterThan(shutdown);
    expect(lines[request]).toMatchObject({ status: 200 });
  });
});
