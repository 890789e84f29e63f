// The agent template's language-model path: an OpenAI-compatible endpoint (a small fake server on
// 127.0.0.1 that echoes), answered whole or streamed, and its errors. The model calling tools is in
// agent-llm-tools.test.ts.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  postForEvents,
  requestJson,
  type TemplateService,
  templateWorld,
} from "../support/template-service.js";

const world = templateWorld();
afterAll(() => world.close());

const ask = (agent: TemplateService, user_id: string, input: unknown, extra: Record<string, unknown> = {}) =>
  requestJson(`${agent.url}/agent/process`, { body: { user_id, input, ...extra } });

describe("agent template: OpenAI-compatible model", () => {
  let model: FakeModel;
  let agent: TemplateService;
  beforeAll(async () => {
    model = await startFakeModel();
    agent = await world.start("agent", {
      name: "agent-llm",
      env: { LLM_BASE_URL: `${model.url}/v1/`, LLM_API_KEY: "sk-test-secret", LLM_MODEL: "tiny-model" },
    });
  });
  afterAll(() => model?.close());

  it("answers through POST {LLM_BASE_URL}/chat/completions with the history, the key and the model", async () => {
    const first = await ask(agent, "lia", "hi model", { context: { page: "home" } });
    expect(first.status).toBe(200);
    expect(first.body.result).toEqual({
      output: "Echo: hi model",
      conversation_id: "conversation:lia",
      tool_calls: [],
      responder: "llm",
    });
    await ask(agent, "lia", "second");
    const [one, two] = model.requests.filter((request) => request.body.messages.at(-1).content !== "ignore");
    expect(one!.path).toBe("/v1/chat/completions");
    expect(one!.authorization).toBe("Bearer sk-test-secret");
    expect(one!.body).toMatchObject({ model: "tiny-model", stream: false });
    // No tools service here: the model is offered none.
    expect(one!.body).not.toHaveProperty("tools");
    expect(one!.body.messages[0].role).toBe("system");
    expect(one!.body.messages[0].content).toContain('Context from the caller: {"page":"home"}');
    expect(two!.body.messages.slice(1)).toEqual([
      { role: "user", content: "hi model" },
      { role: "assistant", content: "Echo: hi model" },
      { role: "user", content: "second" },
    ]);
    expect(agent.stdout()).not.toContain("sk-test-secret");
  });

  it("streams the model's deltas through as they arrive", async () => {
    const answer = await postForEvents(`${agent.url}/agent/process`, { user_id: "max", input: "stream me" });
    expect(answer.status).toBe(200);
    const deltas = answer.events.filter((event) => event.event === "message");
    expect(deltas.map((event) => event.data.delta)).toEqual(["Echo", ": ", "stream", " ", "me"]);
    expect(answer.endedAt - deltas[0]!.at).toBeGreaterThan(4 * 50 * 0.7);
    const done = answer.events.find((event) => event.event === "done");
    expect(done!.data).toMatchObject({ output: "Echo: stream me", responder: "llm" });
    expect(model.requests.at(-1)!.body.stream).toBe(true);
  });

  it("turns a model error into a 502 that carries the model's message, streaming or not", async () => {
    const plain = await ask(agent, "err", "fail please");
    expect(plain.status).toBe(502);
    expect(plain.body.error.message).toMatch(/answered 401: invalid api key$/);
    const streamed = await postForEvents(`${agent.url}/agent/process`, {
      user_id: "err",
      input: "fail please",
    });
    expect(streamed.status).toBe(502);
    expect(JSON.parse(streamed.text).error.message).toMatch(/answered 401/);
  });
});

interface FakeModel {
  url: string;
  // biome-ignore lint/suspicious/noExplicitAny: recorded request bodies are inspected field by field
  requests: { path: string; authorization?: string; body: any }[];
  close(): Promise<void>;
}

/** A tiny OpenAI-compatible server: echoes the last user message, streamed in pieces 50 ms apart. */
async function startFakeModel(): Promise<FakeModel> {
  const requests: FakeModel["requests"] = [];
  const server: Server = createServer(async (request: IncomingMessage, response) => {
    let text = "";
    for await (const chunk of request) text += chunk;
    const body = JSON.parse(text);
    requests.push({ path: request.url ?? "", authorization: request.headers.authorization, body });
    const last: string = body.messages.at(-1).content;
    if (last === "fail please") {
      response.writeHead(401, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { message: "invalid api key", type: "invalid_request_error" } }));
      return;
    }
    const reply = `Echo: ${last}`;
    if (!body.stream) {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          id: "x",
          object: "chat.completion",
          choices: [{ index: 0, message: { role: "assistant", content: reply } }],
        }),
      );
      return;
    }
    response.writeHead(200, { "content-type": "text/event-stream" });
    const pieces = reply.match(/\w+|[^\w]+/g)!;
    for (const [index, piece] of pieces.entries()) {
      if (index > 0) await new Promise((resolve) => setTimeout(resolve, 50));
      response.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: piece } }] })}\n\n`);
    }
    response.end("data: [DONE]\n\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
