// The built-in responder: deterministic and offline, so a fresh project answers without any API key.
// Arithmetic goes to the calculator tool, time questions to the time tool, anything else gets a reply
// that shows the conversation is remembered.
import { asksForTime, findArithmetic, findTimezone } from "./intent.js";
import type { ToolRunner } from "./tools-client.js";
import type { Responder, ResponderInput, ToolCall, Turn } from "./types.js";
import { single, streamWords } from "./words.js";

/** The built-in responder over a tool runner. */
export function builtinResponder(runTool: ToolRunner, streamDelayMs: number): Responder {
  return {
    kind: "builtin",
    async respond(input, options) {
      const { output, toolCalls } = await answer(input, runTool);
      return {
        toolCalls,
        chunks: options.stream ? streamWords(output, streamDelayMs, input.signal) : single(output),
      };
    },
  };
}

async function answer(
  input: ResponderInput,
  runTool: ToolRunner,
): Promise<{ output: string; toolCalls: ToolCall[] }> {
  const expression = findArithmetic(input.input);
  if (expression) {
    const call = await runTool("calculator", { expression }, input.requestId);
    const value = (call.result as { value?: number } | undefined)?.value;
    const output = call.error
      ? `I tried to calculate ${expression} with the calculator tool, but it failed: ${call.error.message}`
      : `${expression} = ${value}`;
    return { output, toolCalls: [call] };
  }
  if (asksForTime(input.input)) {
    const timezone = findTimezone(input.input) ?? "UTC";
    const call = await runTool("time", { timezone }, input.requestId);
    const now = call.result as
      | { time?: string; date?: string; weekday?: string; utc_offset?: string }
      | undefined;
    const output = call.error
      ? `I tried to look up the time in ${timezone} with the time tool, but it failed: ${call.error.message}`
      : `It is ${now?.time} on ${now?.weekday}, ${now?.date} in ${timezone} (UTC${now?.utc_offset}).`;
    return { output, toolCalls: [call] };
  }
  return { output: conversationalReply(input.input, input.history, input.context), toolCalls: [] };
}

/** A reply that repeats the message and, when there is history, what the user said before. */
export function conversationalReply(message: string, history: readonly Turn[], context: unknown): string {
  const previous = [...history].reverse().find((turn) => turn.role === "user");
  const parts = [`You said: ${quote(message)}.`];
  if (previous) {
    parts.push(
      `Earlier in this conversation (${history.length} messages so far) you said: ${quote(previous.content)}.`,
    );
  } else {
    parts.push(
      'This is the built-in responder (set LLM_BASE_URL to use a language model); ask me to calculate something, like "what is 2+3*4", or for the time.',
    );
  }
  const described = describeContext(context);
  if (described) parts.push(`Context: ${described}.`);
  return parts.join(" ");
}

function quote(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return `"${flat.length > 200 ? `${flat.slice(0, 199)}…` : flat}"`;
}

function describeContext(context: unknown): string | undefined {
  if (context === undefined || context === null) return undefined;
  if (typeof context === "string") return context.trim() === "" ? undefined : quote(context);
  if (typeof context === "object" && !Array.isArray(context)) {
    const keys = Object.keys(context);
    return keys.length === 0 ? undefined : `fields ${keys.slice(0, 10).join(", ")}`;
  }
  return JSON.stringify(context).slice(0, 200);
}
