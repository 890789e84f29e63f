// Answers through an OpenAI-compatible chat completions endpoint (OpenAI, Azure OpenAI, Ollama, vLLM,
// LiteLLM …): POST {LLM_BASE_URL}/chat/completions, streamed (SSE deltas) or whole.
import { UpstreamError, upstreamFailure } from "../../_shared/fetch-json.js";
import { readEventStream } from "../../_shared/sse.js";
import type { Responder, ResponderInput, Turn } from "./types.js";

/** Where and how to reach the model. */
export interface LlmConfig {
  baseUrl: string;
  apiKey: string | undefined;
  model: string;
  timeoutMs: number;
}

/** A chat message as the API takes it. */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** The responder that asks the model. */
export function llmResponder(config: LlmConfig): Responder {
  return {
    kind: "llm",
    async respond(input, options) {
      return { toolCalls: [], chunks: complete(config, chatMessages(input), options.stream, input) };
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

async function* complete(
  config: LlmConfig,
  messages: ChatMessage[],
  stream: boolean,
  input: ResponderInput,
): AsyncGenerator<string> {
  const url = `${config.baseUrl}/chat/completions`;
  const timeout = AbortSignal.timeout(config.timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: stream ? "text/event-stream" : "application/json",
        "x-request-id": input.requestId,
        ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}),
      },
      body: JSON.stringify({ model: config.model, messages, stream }),
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
    if (!stream || !response.headers.get("content-type")?.includes("text/event-stream")) {
      const body = (await response.json()) as { choices?: { message?: { content?: string } }[] };
      const content = body.choices?.[0]?.message?.content;
      if (typeof content !== "string")
        throw new UpstreamError(502, `the language model at ${url} sent no message`);
      yield content;
      return;
    }
    for await (const event of readEventStream(response.body!)) {
      if (event.data === "[DONE]") return;
      const chunk = JSON.parse(event.data) as { choices?: { delta?: { content?: string | null } }[] };
      const delta = chunk.choices?.[0]?.delta?.content;
      if (delta) yield delta;
    }
  } catch (error) {
    if (error instanceof UpstreamError) throw error;
    throw upstreamFailure(error, "POST", url, config.timeoutMs, timeout);
  }
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
