// The agent template's language model calling tools: a scripted OpenAI-compatible server on 127.0.0.1
// (written here) answers with tool calls and then text, whole or streamed, while the REAL bundled
// tools and memory services run the tools and keep the conversation. The fake model records every
// request, so the tests check what the agent sent: the tools array built from /tools/list, the
// assistant tool_calls message and one tool message per call, tool_choice "none" after the last round.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  freePort,
  postForEvents,
  requestJson,
  type TemplateService,
  templateWorld,
} from "../support/template-service.js";

const world = templateWorld();
afterAll(() => world.close());

const ask = (agent: TemplateService, user_id: string, input: string, headers: Record<string, string> = {}) =>
  requestJson(`${agent.url}/agent/process`, { body: { user_id, input }, headers });

let model: ScriptedModel;
let memory: TemplateService;
let tools: TemplateService;
// biome-ignore lint/suspicious/noExplicitAny: the tools service's own /tools/list answer
let catalogue: any[];

beforeAll(async () => {
  model = await startScriptedModel();
  [memory, tools] = await Promise.all([
    world.start("memory", { env: { MEMORY_DIR: `${await world.tempDir()}/memory` } }),
    world.start("tool", { name: "tools" }),
  ]);
  const listed = await requestJson(`${tools.url}/tools/list`);
  expect(listed.status).toBe(200);
  catalogue = listed.body.result.tools;
  expect(catalogue.map((tool) => tool.name)).toEqual(["calculator", "time", "text_stats", "text_transform"]);
});
afterAll(() => model?.close());
afterEach(() => {
  // Every scripted answer was asked for, and nothing unscripted was (cleared for the next test).
  expect(model.reset()).toEqual({ unused: 0, failures: [] });
});

const llmEnv = () => ({ LLM_BASE_URL: `${model.url}/v1`, LLM_API_KEY: "sk-tools", LLM_MODEL: "tool-model" });

describe("agent template: the model calls the tools service's tools", () => {
  let agent: TemplateService;
  beforeAll(async () => {
    agent = await world.start("agent", {
      name: "agent-tools",
      env: { ...llmEnv(), AGENTCTL_SERVICE_MEMORY_URL: memory.url, AGENTCTL_SERVICE_TOOLS_URL: tools.url },
    });
  });

  it("offers /tools/list as functions, runs the calculator call, sends the result back, answers", async () => {
    const arithmetic = '{"expression":"2+3*4"}';
    model.script(
      toolCallAnswer([{ id: "call_calc", name: "calculator", arguments: arithmetic }]),
      textAnswer("2+3*4 is 14."),
    );
    const answer = await ask(agent, "tia", "What is 2+3*4?", { "x-request-id": "trace-tools-1" });
    expect(answer.status).toBe(200);
    expect(answer.body.result).toEqual({
      output: "2+3*4 is 14.",
      conversation_id: "conversation:tia",
      tool_calls: [
        {
          tool: "calculator",
          parameters: { expression: "2+3*4" },
          result: { expression: "2+3*4", value: 14 },
        },
      ],
      responder: "llm",
    });

    const [first, second] = model.requests.slice(-2);
    expect(first!.path).toBe("/v1/chat/completions");
    expect(first!.body).toMatchObject({ model: "tool-model", stream: false, tool_choice: "auto" });
    // The tools array is the tools service's catalogue, each parameter spec as a JSON Schema object.
    expect(first!.body.tools).toEqual(
      catalogue.map((tool) => ({
        type: "function",
        function: {
          name: tool.name,
          description: tool.description,
          parameters: {
            type: "object",
            properties: tool.parameters.properties,
            required: tool.parameters.required,
            additionalProperties: false,
          },
        },
      })),
    );
    expect(first!.body.tools[0].function).toMatchObject({
      name: "calculator",
      description: expect.stringMatching(/^Evaluates an arithmetic expression/),
      parameters: {
        type: "object",
        properties: { expression: { type: "string", maxLength: 1000 } },
        required: ["expression"],
      },
    });
    expect(first!.body.messages.map((message: { role: string }) => message.role)).toEqual(["system", "user"]);
    // The second request carries the assistant's tool call and the tool's result.
    expect(second!.body.messages.slice(0, 2)).toEqual(first!.body.messages);
    expect(second!.body.messages.slice(2)).toEqual([
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "call_calc", type: "function", function: { name: "calculator", arguments: arithmetic } },
        ],
      },
      { role: "tool", tool_call_id: "call_calc", content: expect.any(String) },
    ]);
    expect(JSON.parse(second!.body.messages[3].content)).toEqual({ expression: "2+3*4", value: 14 });
    expect(second!.body.tools).toEqual(first!.body.tools);

    // The X-Request-Id went on to the tools service, for the catalogue and for the call.
    const traced = () =>
      tools
        .logLines()
        .filter((line) => line.requestId === "trace-tools-1")
        .map((line) => line.path);
    await expect.poll(traced).toEqual(["/tools/list", "/tools/execute"]);
  });

  it("keeps only the user and assistant turns in memory, and reuses the catalogue for a while", async () => {
    const listed = () => tools.logLines().filter((line) => line.path === "/tools/list").length;
    const before = listed();
    model.script(textAnswer("You asked about 2+3*4."));
    const answer = await ask(agent, "tia", "What did I ask?");
    expect(answer.body.result).toMatchObject({ output: "You asked about 2+3*4.", tool_calls: [] });
    expect(model.requests.at(-1)!.body.messages.slice(1)).toEqual([
      { role: "user", content: "What is 2+3*4?" },
      { role: "assistant", content: "2+3*4 is 14." },
      { role: "user", content: "What did I ask?" },
    ]);
    const stored = await requestJson(`${memory.url}/memory/retrieve/conversation%3Atia?user_id=tia`);
    expect(stored.body.result.value.turns).toEqual([
      { role: "user", content: "What is 2+3*4?" },
      { role: "assistant", content: "2+3*4 is 14." },
      { role: "user", content: "What did I ask?" },
      { role: "assistant", content: "You asked about 2+3*4." },
    ]);
    // LLM_TOOLS_CACHE_MS (10 s by default): the catalogue of the first request was reused.
    expect(tools.logLines().some((line) => line.path === "/tools/execute")).toBe(true);
    expect(listed()).toBe(before);
  });

  it("streamed: puts tool_call argument fragments together by index, then streams the final deltas", async () => {
    const fragment = (index: number, fn: Record<string, string>, extra: Record<string, string> = {}) => ({
      choices: [
        { index: 0, delta: { tool_calls: [{ index, ...extra, function: fn }] }, finish_reason: null },
      ],
    });
    model.script(
      sseAnswer(
        [
          fragment(0, { name: "calculator", arguments: "" }, { id: "call_s1", type: "function" }),
          fragment(1, { name: "text_transform", arguments: "" }, { id: "call_s2", type: "function" }),
          fragment(0, { arguments: '{"expre' }),
          fragment(1, { arguments: '{"text":"ab' }),
          fragment(0, { arguments: 'ssion":"(1+2' }),
          fragment(1, { arguments: 'c","operation":"upper"}' }),
          fragment(0, { arguments: ')*3"}' }),
          { choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }] },
        ],
        10,
      ),
      sseAnswer(
        ["(1+2)*3", " is 9", " and abc", " in upper case", " is ABC."].map((content) => ({
          choices: [{ index: 0, delta: { content }, finish_reason: null }],
        })),
        80,
      ),
    );
    const answer = await postForEvents(`${agent.url}/agent/process`, { user_id: "sid", input: "compute" });
    expect(answer.status).toBe(200);
    const deltas = answer.events.filter((event) => event.event === "message");
    expect(deltas.map((event) => event.data.delta)).toEqual([
      "(1+2)*3",
      " is 9",
      " and abc",
      " in upper case",
      " is ABC.",
    ]);
    // Each delta is its own event, passed on as the model sends it (80 ms apart), not buffered.
    for (let index = 1; index < deltas.length; index += 1) {
      expect(deltas[index]!.at - deltas[index - 1]!.at).toBeGreaterThan(80 * 0.5);
    }
    const done = answer.events.filter((event) => event.event === "done");
    expect(done).toHaveLength(1);
    expect(done[0]!.data).toEqual({
      output: "(1+2)*3 is 9 and abc in upper case is ABC.",
      conversation_id: "conversation:sid",
      tool_calls: [
        {
          tool: "calculator",
          parameters: { expression: "(1+2)*3" },
          result: { expression: "(1+2)*3", value: 9 },
        },
        {
          tool: "text_transform",
          parameters: { text: "abc", operation: "upper" },
          result: { operation: "upper", text: "ABC" },
        },
      ],
      responder: "llm",
    });
    const [first, second] = model.requests.slice(-2);
    expect(first!.body).toMatchObject({ stream: true, tool_choice: "auto" });
    expect(second!.body.stream).toBe(true);
    expect(second!.body.messages.slice(2)).toEqual([
      {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: "call_s1",
            type: "function",
            function: { name: "calculator", arguments: '{"expression":"(1+2)*3"}' },
          },
          {
            id: "call_s2",
            type: "function",
            function: { name: "text_transform", arguments: '{"text":"abc","operation":"upper"}' },
          },
        ],
      },
      { role: "tool", tool_call_id: "call_s1", content: '{"expression":"(1+2)*3","value":9}' },
      { role: "tool", tool_call_id: "call_s2", content: '{"operation":"upper","text":"ABC"}' },
    ]);
  });

  it("feeds tool errors and unreadable arguments back to the model instead of failing", async () => {
    model.script(
      toolCallAnswer([
        { id: "bad_expression", name: "calculator", arguments: '{"expression":"2+*3"}' },
        { id: "bad_json", name: "calculator", arguments: '{"expression": "1+' },
        { id: "unknown_tool", name: "weather", arguments: '{"city":"Paris"}' },
        { id: "bad_zone", name: "time", arguments: '{"timezone":"Mars/Olympus"}' },
      ]),
      textAnswer("Sorry, none of that worked."),
    );
    const answer = await ask(agent, "uma", "try some things");
    expect(answer.status).toBe(200);
    expect(answer.body.result.output).toBe("Sorry, none of that worked.");
    const calls = answer.body.result.tool_calls;
    expect(calls).toHaveLength(4);
    expect(calls[0]).toMatchObject({ tool: "calculator", parameters: { expression: "2+*3" } });
    expect(calls[0].error).toEqual({ status: 400, message: expect.stringContaining("at position 3") });
    expect(calls[1]).toEqual({
      tool: "calculator",
      parameters: {},
      error: {
        status: 400,
        message: expect.stringMatching(/^the arguments are not valid JSON .*: \{"expression": "1\+$/),
      },
    });
    expect(calls[2]).toMatchObject({
      tool: "weather",
      parameters: { city: "Paris" },
      error: {
        status: 404,
        message: expect.stringMatching(/^unknown tool "weather"; tools: calculator, time/),
      },
    });
    expect(calls[3]).toMatchObject({
      tool: "time",
      error: { status: 400, message: expect.stringContaining('unknown timezone "Mars/Olympus"') },
    });
    for (const call of calls) expect(call).not.toHaveProperty("result");
    // One tool message per call, in order, each carrying the error the agent reported.
    const toolMessages = model.requests.at(-1)!.body.messages.slice(3);
    expect(toolMessages.map((message: { tool_call_id: string }) => message.tool_call_id)).toEqual([
      "bad_expression",
      "bad_json",
      "unknown_tool",
      "bad_zone",
    ]);
    for (const [index, message] of toolMessages.entries()) {
      expect(message.role).toBe("tool");
      expect(JSON.parse(message.content)).toEqual({
        error: calls[index].error.message,
        status: calls[index].error.status,
      });
    }
  });

  it("keeps text the model writes beside its tool calls, apart from the final answer", async () => {
    const preamble: Step = () => ({
      json: {
        choices: [
          {
            index: 0,
            message: {
              role: "assistant",
              content: "Let me count.",
              tool_calls: [
                {
                  id: "count",
                  type: "function",
                  function: { name: "text_stats", arguments: '{"text":"one two three"}' },
                },
              ],
            },
            finish_reason: "tool_calls",
          },
        ],
      },
    });
    model.script(preamble, textAnswer("Three words."));
    const answer = await ask(agent, "wyn", "how many words in 'one two three'?");
    expect(answer.body.result.output).toBe("Let me count.\n\nThree words.");
    expect(answer.body.result.tool_calls).toMatchObject([
      { tool: "text_stats", parameters: { text: "one two three" }, result: { words: 3 } },
    ]);
    expect(model.requests.at(-1)!.body.messages[2]).toMatchObject({
      role: "assistant",
      content: "Let me count.",
      tool_calls: [{ id: "count" }],
    });
  });

  it("a model failure after a tool round is still a 502 JSON answer, streamed or not", async () => {
    const failure = { status: 500, json: { error: { message: "model overloaded" } } };
    model.script(
      toolCallAnswer([{ id: "c1", name: "calculator", arguments: '{"expression":"1+1"}' }]),
      () => failure,
    );
    const plain = await ask(agent, "vic", "add");
    expect(plain.status).toBe(502);
    expect(plain.body.error.message).toMatch(/\/v1\/chat\/completions answered 500: model overloaded$/);
    model.script(
      sseAnswer(
        [
          {
            choices: [
              {
                index: 0,
                delta: {
                  tool_calls: [
                    {
                      index: 0,
                      id: "c2",
                      function: { name: "calculator", arguments: '{"expression":"2+2"}' },
                    },
                  ],
                },
              },
            ],
          },
        ],
        0,
      ),
      () => failure,
    );
    const streamed = await postForEvents(`${agent.url}/agent/process`, { user_id: "vic", input: "add" });
    expect(streamed.status).toBe(502);
    expect(streamed.headers.get("content-type")).toMatch(/^application\/json/);
    expect(JSON.parse(streamed.text).error.message).toMatch(/answered 500: model overloaded$/);
    // Nothing was saved for the failed requests.
    const stored = await requestJson(`${memory.url}/memory/retrieve/conversation%3Avic?user_id=vic`);
    expect(stored.status).toBe(404);
  });
});

describe("agent template: bounded tool rounds", () => {
  let agent: TemplateService;
  beforeAll(async () => {
    agent = await world.start("agent", {
      name: "agent-rounds",
      env: {
        ...llmEnv(),
        AGENTCTL_SERVICE_TOOLS_URL: tools.url,
        LLM_MAX_TOOL_ROUNDS: "2",
        LLM_TIMEOUT_MS: "1500",
      },
    });
  });

  const calculate = (expression: string, id: string) =>
    toolCallAnswer([{ id, name: "calculator", arguments: JSON.stringify({ expression }) }]);

  it("after LLM_MAX_TOOL_ROUNDS rounds asks once more with tool_choice none and answers with that", async () => {
    model.script(calculate("1+1", "r1"), calculate("2+2", "r2"), textAnswer("Enough: 2 and 4."));
    const answer = await ask(agent, "wes", "keep calculating");
    expect(answer.status).toBe(200);
    expect(answer.body.result.output).toBe("Enough: 2 and 4.");
    expect(answer.body.result.tool_calls).toEqual([
      { tool: "calculator", parameters: { expression: "1+1" }, result: { expression: "1+1", value: 2 } },
      { tool: "calculator", parameters: { expression: "2+2" }, result: { expression: "2+2", value: 4 } },
    ]);
    const sent = model.requests.slice(-3);
    expect(sent.map((request) => request.body.tool_choice)).toEqual(["auto", "auto", "none"]);
    expect(sent[2]!.body.tools).toHaveLength(catalogue.length);
    expect(
      sent[2]!.body.messages
        .slice(2)
        .map((message: { role: string; tool_call_id?: string }) =>
          message.role === "tool" ? `tool:${message.tool_call_id}` : message.role,
        ),
    ).toEqual(["assistant", "tool:r1", "assistant", "tool:r2"]);
  });

  it("when the model still calls tools after the last round, those calls are not run and it says so", async () => {
    model.script(calculate("1+1", "s1"), calculate("2+2", "s2"), calculate("3+3", "s3"));
    const answer = await ask(agent, "xan", "never stop");
    expect(answer.status).toBe(200);
    expect(answer.body.result.output).toBe(
      "The model still asked for tools (calculator) after 2 rounds of tool calls; stopping here.",
    );
    expect(answer.body.result.tool_calls.map((call: { parameters: unknown }) => call.parameters)).toEqual([
      { expression: "1+1" },
      { expression: "2+2" },
    ]);
    await expect
      .poll(() =>
        agent
          .logLines()
          .filter((line) => line.level === "warn")
          .map((line) => line.tools),
      )
      .toEqual(["calculator"]);
  });

  it("a model that does not answer within LLM_TIMEOUT_MS after a tool round: 504", async () => {
    model.script(calculate("5*5", "t1"), () => ({ delayMs: 3_000, json: textBody("too late") }));
    const answer = await ask(agent, "yul", "slow");
    expect(answer.status).toBe(504);
    expect(answer.body.error.message).toMatch(
      /^POST http:.*\/v1\/chat\/completions: no answer within 1500ms$/,
    );
  });
});

describe("agent template: the model without a tools service", () => {
  it("answers without tools and warns while the tools service is down, and offers them once it is up", async () => {
    const port = await freePort();
    const agent = await world.start("agent", {
      name: "agent-tools-down",
      env: {
        ...llmEnv(),
        AGENTCTL_SERVICE_TOOLS_URL: `http://127.0.0.1:${port}`,
        LLM_TOOLS_CACHE_MS: "300",
      },
    });
    model.script(textAnswer("No tools, but hello."));
    const answer = await ask(agent, "zoe", "hello");
    expect(answer.status).toBe(200);
    expect(answer.body.result).toMatchObject({ output: "No tools, but hello.", tool_calls: [] });
    const sent = model.requests.at(-1)!.body;
    expect(sent).not.toHaveProperty("tools");
    expect(sent).not.toHaveProperty("tool_choice");
    const warning = agent.logLines().find((line) => line.level === "warn");
    expect(warning).toMatchObject({
      msg: "tools service unavailable: asking the model without tools",
      url: `http://127.0.0.1:${port}/tools/list`,
      error: expect.stringContaining("ECONNREFUSED"),
    });

    await world.start("tool", { name: "tools-late", port });
    await new Promise((resolve) => setTimeout(resolve, 400));
    model.script(
      toolCallAnswer([{ id: "late", name: "calculator", arguments: '{"expression":"6*7"}' }]),
      textAnswer("42."),
    );
    const later = await ask(agent, "zoe", "6*7?");
    expect(later.body.result.tool_calls).toEqual([
      { tool: "calculator", parameters: { expression: "6*7" }, result: { expression: "6*7", value: 42 } },
    ]);
    expect(model.requests.at(-2)!.body.tools).toHaveLength(catalogue.length);
  });

  it("with no tools service configured at all: no tools, and a warning at start-up", async () => {
    const agent = await world.start("agent", { name: "agent-no-tools", env: llmEnv() });
    model.script(textAnswer("Plain answer."));
    const answer = await ask(agent, "amy", "hi");
    expect(answer.body.result).toMatchObject({ output: "Plain answer.", tool_calls: [] });
    expect(model.requests.at(-1)!.body).not.toHaveProperty("tools");
    expect(agent.logLines().find((line) => line.level === "warn")?.msg).toMatch(
      /^no tools service is configured \(AGENTCTL_SERVICE_TOOLS_URL is not set\)/,
    );
  });
});

// --- the scripted model --------------------------------------------------------------------------

interface RecordedRequest {
  path: string;
  // biome-ignore lint/suspicious/noExplicitAny: recorded request bodies are inspected field by field
  body: any;
}

/** What a scripted step answers: JSON (after `delayMs`), or server-sent events `gapMs` apart. */
type ScriptedAnswer =
  | { status?: number; json: unknown; delayMs?: number }
  | { events: unknown[]; gapMs: number };

type Step = (request: RecordedRequest) => ScriptedAnswer;

interface ScriptedModel {
  url: string;
  requests: RecordedRequest[];
  /** Problems seen by the server (an unscripted request); the tests expect none. */
  failures: string[];
  /** Queues the answers of the next requests, one step per request. */
  script(...steps: Step[]): void;
  /** Drops what is left of the script; returns how many steps were not asked for, and the failures. */
  reset(): { unused: number; failures: string[] };
  close(): Promise<void>;
}

const textBody = (content: string) => ({
  id: "chatcmpl-test",
  object: "chat.completion",
  choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
});

function textAnswer(content: string): Step {
  return () => ({ json: textBody(content) });
}

function toolCallAnswer(calls: { id: string; name: string; arguments: string }[]): Step {
  return () => ({
    json: {
      id: "chatcmpl-test",
      object: "chat.completion",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: null,
            tool_calls: calls.map((call) => ({
              id: call.id,
              type: "function",
              function: { name: call.name, arguments: call.arguments },
            })),
          },
          finish_reason: "tool_calls",
        },
      ],
    },
  });
}

function sseAnswer(events: unknown[], gapMs: number): Step {
  return () => ({ events, gapMs });
}

async function startScriptedModel(): Promise<ScriptedModel> {
  const requests: RecordedRequest[] = [];
  const failures: string[] = [];
  const steps: Step[] = [];
  const server: Server = createServer(async (request: IncomingMessage, response) => {
    let text = "";
    for await (const chunk of request) text += chunk;
    const recorded = { path: request.url ?? "", body: JSON.parse(text) };
    requests.push(recorded);
    const step = steps.shift();
    if (!step) {
      failures.push(`unscripted request: ${text.slice(0, 300)}`);
      response.writeHead(500, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { message: "unscripted request" } }));
      return;
    }
    const answer = step(recorded);
    if ("json" in answer) {
      if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
      if (response.destroyed) return;
      response.writeHead(answer.status ?? 200, { "content-type": "application/json" });
      response.end(JSON.stringify(answer.json));
      return;
    }
    response.writeHead(200, { "content-type": "text/event-stream" });
    for (const [index, event] of answer.events.entries()) {
      if (index > 0 && answer.gapMs > 0) await new Promise((resolve) => setTimeout(resolve, answer.gapMs));
      response.write(`data: ${JSON.stringify(event)}\n\n`);
    }
    response.end("data: [DONE]\n\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    failures,
    script: (...added) => {
      steps.push(...added);
    },
    reset: () => {
      const left = { unused: steps.length, failures: failures.splice(0) };
      steps.length = 0;
      return left;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
