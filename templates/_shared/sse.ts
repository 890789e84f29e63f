// Server-sent events, both ways: writing a stream to a client (each event flushed as it is sent) and
// reading one from another service (an upstream LLM, or an agent behind the gateway).
import type { ServerResponse } from "node:http";

/** An open event stream to a client. */
export interface EventStream {
  /** Sends one event whose data is JSON; false once the client has gone. */
  send(data: unknown, event?: string): boolean;
  end(): void;
  /** True once the client disconnected or end() was called. */
  readonly closed: boolean;
}

/** The headers of an event stream; proxies are asked not to buffer it. */
export const eventStreamHeaders = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
} as const;

/** Whether the client asked for an event stream. */
export function wantsEventStream(accept: string | undefined): boolean {
  return (accept ?? "").toLowerCase().includes("text/event-stream");
}

/** Answers 200 with an event stream and sends the headers at once. */
export function openEventStream(response: ServerResponse): EventStream {
  let closed = false;
  response.once("close", () => {
    closed = true;
  });
  response.writeHead(200, eventStreamHeaders);
  response.flushHeaders();
  return {
    send(data, event) {
      if (closed) return false;
      // JSON.stringify never emits raw newlines, so one data line holds the whole payload.
      response.write(`${event ? `event: ${event}\n` : ""}data: ${JSON.stringify(data)}\n\n`);
      return true;
    },
    end() {
      if (!closed) response.end();
      closed = true;
    },
    get closed() {
      return closed;
    },
  };
}

/** One event read from a stream. */
export interface ServerSentEvent {
  event: string;
  data: string;
  id?: string;
}

/** Parses an event stream as its bytes arrive (the WHATWG rules: data lines joined, comments skipped). */
export async function* readEventStream(source: AsyncIterable<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "";
  let data: string[] = [];
  let id: string | undefined;
  const take = function* (line: string): Generator<ServerSentEvent> {
    if (line === "") {
      if (data.length > 0) yield { event: event || "message", data: data.join("\n"), ...(id ? { id } : {}) };
      event = "";
      data = [];
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "data") data.push(value);
    else if (field === "event") event = value;
    else if (field === "id") id = value;
  };
  for await (const chunk of source) {
    buffer += decoder.decode(chunk, { stream: true });
    // Lines end in \n or \r\n (a lone \r is not treated as an end: it may be half of a \r\n split
    // across chunks).
    const lines = buffer.split(/\r?\n/);
    buffer = lines.pop() ?? "";
    for (const line of lines) yield* take(line);
  }
  buffer += decoder.decode();
  if (buffer !== "") yield* take(buffer);
  yield* take("");
}
