// Answers through an OpenAI-compatible chat completions endpoint (OpenAI, Azure OpenAI, Ollama, vLLM,
// LiteLLM …): POST {LLM_BASE_URL}/chat/completions, streamed (SSE deltas) or whole, with the tools
// service's tools offered as functions. When the model answers with tool calls they are run through
// the tools service, their results go back as `role: "tool"` messages and the model is asked again,
// for at most LLM_MAX_TOOL_ROUNDS rounds; the last request then says `tool_choice: "none"` so the
// model answers with what it has. The tool rounds happen while the first chunk is awaited, so a
// streamed answer still starts with the final answer's first delta and failures still get a status.
import { UpstreamError, upstreamFailure } from "../../_shared/fetch-json.js";
import type { Logger } from "../../_shared/log.js";
import { readEventStream } from "../../_shared/sse.js";
import type { FunctionTool, ToolCatalogue } from "./tool-catalogue.js";
import type { ToolRunner } from "./tools-client.js";
import type { Responder, ResponderInput, ToolCall, Turn } from "./types.js";

/** Where and how to reach the model. */
export interface LlmConfig {
  baseUrl: string;
  apiKey: string | undefined;
  model: string;
  /** Each call to the model, the whole answer. */
  timeoutMs: number;
  /** Rounds of tool calls before the model must answer (0: tools are not offered). */
  maxToolRounds: number;
  /** How long the tools service's catalogue is reused. */
  toolsCacheMs: number;
}

/** What the model's tool calls go through. */
export interface LlmTools {
  catalogue: ToolCatalogue;
  runTool: ToolRunner;
  logger: Logger;
}

/** A tool call as the API writes it. */
export interface ChatToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** A chat message as the API takes it. */
export type ChatMessage =
  | { role: "system" | "user"; content: string }
  | { role: "assistant"; content: string | null; tool_calls?: ChatToolCall[] }
  | { role: "tool"; tool_call_id: string; content: string };

/** What one call to the model came back with. */
interface ModelTurn {
  content: string;
  toolCalls: ChatToolCall[];
}

/** The responder that asks the model. */
export function llmResponder(config: LlmConfig, tools: LlmTools): Responder {
  return {
    kind: "llm",
    async respond(input, options) {
      // Filled in while the chunks are read: the tool rounds run before the first chunk.
      const toolCalls: ToolCall[] = [];
      return { toolCalls, chunks: converse(config, tools, input, options.stream, toolCalls) };
    },
  };
}

/** System prompt, the history, then the new message. */
export function chatMessages(input: Pick<ResponderInput, "input" | "history" | "context">): ChatMessage[] {
  const system = [
    "You are a helpful assistant running as an agentctl agent service. Answer concisely.",
    input.context === undefined || input.context === null
      ? ""
      : `Context from the caller: ${typeof input.context === "string" ? input.context : JSON.stringify(input.context)}`,
  ]
    .filter((line) => line !== "")
    .join("\n");
  return [
    { role: "system", content: system },
    ...input.history.map((turn: Turn) => ({ role: turn.role, content: turn.content })),
    { role: "user", content: input.input },
  ];
}

/** Asks the model, runs the tools it calls, asks again …; yields the text of the answer. */
async function* converse(
  config: LlmConfig,
  tools: LlmTools,
  input: ResponderInput,
  stream: boolean,
  executed: ToolCall[],
): AsyncGenerator<string> {
  const messages = chatMessages(input);
  const offered: FunctionTool[] = config.maxToolRounds > 0 ? await tools.catalogue.list(input.requestId) : [];
  let wrote = false;
  for (let round = 0; ; round += 1) {
    const open = offered.length > 0 && round < config.maxToolRounds;
    const body = {
      model: config.model,
      messages,
      stream,
      ...(offered.length > 0 ? { tools: offered, tool_choice: open ? "auto" : "none" } : {}),
    };
    // Text of an earlier round (a preamble before tool calls) is kept apart from this round's.
    const turn: ModelTurn = yield* completion(config, body, input, wrote ? "\n\n" : "");
    wrote ||= turn.content !== "";
    if (turn.toolCalls.length === 0) return;
    // Some servers leave the ids out; each tool message still needs one to point at.
    for (const [index, call] of turn.toolCalls.entries())
      if (call.id === "") call.id = `call_${round}_${index}`;
    if (!open) {
      const names = turn.toolCalls.map((call) => call.function.name).join(", ");
      tools.logger.warn("the model asked for tools it may not call now; answering with what it has", {
        tools: names,
        round,
        requestId: input.requestId,
      });
      if (!wrote) {
        yield offered.length === 0
          ? `The model asked for tools (${names}), but none are available.`
          : `The model still asked for tools (${names}) after ${config.maxToolRounds} rounds of tool calls; stopping here.`;
      }
      return;
    }
    messages.push({
      role: "assistant",
      content: turn.content === "" ? null : turn.content,
      tool_calls: turn.toolCalls,
    });
    const results = await Promise.all(turn.toolCalls.map((call) => runToolCall(call, tools.runTool, input)));
    for (const [index, result] of results.entries()) {
      executed.push(result);
      messages.push({
        role: "tool",
        tool_call_id: turn.toolCalls[index]!.id,
        content: JSON.stringify(
          result.error
            ? { error: result.error.message, status: result.error.status }
            : (result.result ?? null),
        ),
      });
    }
    tools.logger.log("debug", {
      msg: "tools called for the model",
      round,
      tools: results.map((result) => ({ tool: result.tool, ok: !result.error })),
      requestId: input.requestId,
    });
  }
}

/** Runs one tool call of the model; bad arguments or a failing tool become an error the model sees. */
async function runToolCall(
  call: ChatToolCall,
  runTool: ToolRunner,
  input: ResponderInput,
): Promise<ToolCall> {
  const tool = call.function.name;
  if (tool === "")
    return { tool, parameters: {}, error: { status: 400, message: "the tool call names no tool" } };
  let parameters: unknown;
  try {
    parameters = call.function.arguments.trim() === "" ? {} : JSON.parse(call.function.arguments);
  } catch (error) {
    return {
      tool,
      parameters: {},
      error: {
        status: 400,
        message: `the arguments are not valid JSON (${(error as Error).message}): ${clip(call.function.arguments)}`,
      },
    };
  }
  if (typeof parameters !== "object" || parameters === null || Array.isArray(parameters)) {
    return {
      tool,
      parameters: {},
      error: {
        status: 400,
        message: `the arguments must be a JSON object, got ${clip(call.function.arguments)}`,
      },
    };
  }
  return runTool(tool, parameters as Record<string, unknown>, input.requestId, input.signal);
}

/**
 * One call to the model: yields the text as it arrives (after `prefix`, when there is text) and
 * returns the whole text with the tool calls, whose streamed fragments are put together by index.
 */
async function* completion(
  config: LlmConfig,
  body: Record<string, unknown>,
  input: ResponderInput,
  prefix: string,
): AsyncGenerator<string, ModelTurn> {
  const url = `${config.baseUrl}/chat/completions`;
  const timeout = AbortSignal.timeout(config.timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: body.stream ? "text/event-stream" : "application/json",
        "x-request-id": input.requestId,
        ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.any([timeout, input.signal]),
    });
  } catch (error) {
    throw upstreamFailure(error, "POST", url, config.timeoutMs, timeout);
  }
  if (!response.ok) {
    const text = await response.text().catch(() => "");
    throw new UpstreamError(
      502,
      `the language model at ${url} answered ${response.status}: ${errorMessage(text)}`,
    );
  }
  try {
    if (!body.stream || !response.headers.get("content-type")?.includes("text/event-stream")) {
      const answer = (await response.json()) as {
        choices?: { message?: { content?: string | null; tool_calls?: unknown } }[];
      };
      const message = answer.choices?.[0]?.message;
      const content = typeof message?.content === "string" ? message.content : "";
      const toolCalls = wholeToolCalls(message?.tool_calls);
      if (typeof message?.content !== "string" && toolCalls.length === 0)
        throw new UpstreamError(502, `the language model at ${url} sent no message`);
      if (content !== "") {
        if (prefix) yield prefix;
        yield content;
      }
      return { content, toolCalls };
    }
    let content = "";
    const fragments: { id?: string; name?: string; arguments: string }[] = [];
    for await (const event of readEventStream(response.body!)) {
      if (event.data === "[DONE]") break;
      const chunk = JSON.parse(event.data) as {
        error?: { message?: string } | string;
        choices?: { delta?: { content?: string | null; tool_calls?: StreamedToolCall[] } }[];
      };
      if (chunk.error) {
        const message = typeof chunk.error === "string" ? chunk.error : chunk.error.message;
        throw new UpstreamError(
          502,
          `the language model at ${url} sent an error: ${message ?? "no details"}`,
        );
      }
      const delta = chunk.choices?.[0]?.delta;
      if (delta?.content) {
        if (content === "" && prefix) yield prefix;
        content += delta.content;
        yield delta.content;
      }
      for (const fragment of delta?.tool_calls ?? []) {
        // Without an index (some servers send whole calls), a fragment with an id starts a new call.
        const index =
          typeof fragment.index === "number"
            ? fragment.index
            : fragment.id || fragments.length === 0
              ? fragments.length
              : fragments.length - 1;
        const slot = fragments[index] ?? { arguments: "" };
        fragments[index] = slot;
        if (fragment.id) slot.id = fragment.id;
        if (fragment.function?.name) slot.name = fragment.function.name;
        if (fragment.function?.arguments) slot.arguments += fragment.function.arguments;
      }
    }
    const toolCalls = fragments
      .filter((fragment) => fragment !== undefined)
      .map((fragment) => toolCall(fragment.id, fragment.name, fragment.arguments));
    return { content, toolCalls };
  } catch (error) {
    if (error instanceof UpstreamError) throw error;
    throw upstreamFailure(error, "POST", url, config.timeoutMs, timeout);
  }
}

/** One `delta.tool_calls` fragment of a streamed answer. */
interface StreamedToolCall {
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

/** The `message.tool_calls` of a whole answer. */
function wholeToolCalls(value: unknown): ChatToolCall[] {
  if (!Array.isArray(value)) return [];
  return value.map((entry: { id?: unknown; function?: { name?: unknown; arguments?: unknown } }) =>
    toolCall(
      entry?.id,
      entry?.function?.name,
      // Some servers send the arguments as an object rather than a JSON string.
      typeof entry?.function?.arguments === "string"
        ? entry.function.arguments
        : entry?.function?.arguments === undefined
          ? ""
          : JSON.stringify(entry.function.arguments),
    ),
  );
}

function toolCall(id: unknown, name: unknown, args: string): ChatToolCall {
  return {
    id: typeof id === "string" ? id : "",
    type: "function",
    function: { name: typeof name === "string" ? name : "", arguments: args },
  };
}

function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

function errorMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: string } | string };
    const message = typeof body.error === "string" ? body.error : body.error?.message;
    if (message) return message;
  } catch {
    // not JSON
  }
  return text.slice(0, 200) || "no details";
}
