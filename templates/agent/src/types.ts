// The shapes the agent's parts pass around.

/** One message of a conversation. */
export interface Turn {
  role: "user" | "assistant";
  content: string;
}

/** A tool the agent called, with its result or the error it got. */
export interface ToolCall {
  tool: string;
  parameters: Record<string, unknown>;
  result?: unknown;
  error?: { status: number; message: string };
}

/** What a responder works from. */
export interface ResponderInput {
  input: string;
  history: readonly Turn[];
  /** The caller's optional `context` (any JSON). */
  context: unknown;
  requestId: string;
  signal: AbortSignal;
}

/** A reply: the tools it called, and its text as chunks (one chunk, or word by word when streaming). */
export interface Reply {
  /** Complete once `chunks` has ended (the LLM responder calls tools while its first chunk is awaited). */
  toolCalls: ToolCall[];
  chunks: AsyncIterable<string>;
}

/** Something that answers: the built-in responder or an LLM. */
export interface Responder {
  kind: "builtin" | "llm";
  respond(input: ResponderInput, options: { stream: boolean }): Promise<Reply>;
}
