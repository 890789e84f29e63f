// Sending one request through the router with undici, timing it, and streaming the answer to a
// callback as it arrives (so SSE shows up event by event).
import { request } from "undici";
import { isConnectionRefused, nothingRunning } from "./router-file.js";

/** One request to a service through the router. */
export interface CallRequest {
  routerUrl: string;
  service: string;
  path: string;
  method: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  timeoutMs: number;
  /** Receives each chunk of the response body as it arrives; the result's body is then empty. */
  onChunk?: (chunk: Buffer) => void;
  /** Decides from the response headers whether to stream (default: only text/event-stream). */
  stream?: (headers: Record<string, string | string[] | undefined>) => boolean;
}

/** What came back. */
export interface CallResponse {
  status: number;
  ms: number;
  headers: Record<string, string | string[] | undefined>;
  instance?: string;
  requestId?: string;
  body: string;
  streamed: boolean;
}

/** The URL of a service path through the router. */
export function serviceUrl(routerUrl: string, service: string, path: string): string {
  const tail = path === "" ? "/" : path.startsWith("/") ? path : `/${path}`;
  return `${routerUrl.replace(/\/+$/, "")}/${encodeURIComponent(service)}${tail}`;
}

/** Sends the request; throws E_NOT_RUNNING when the router does not answer. */
export async function sendCall(call: CallRequest): Promise<CallResponse> {
  const started = performance.now();
  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(serviceUrl(call.routerUrl, call.service, call.path), {
      method: call.method as "GET",
      headers: call.headers,
      body: call.body,
      headersTimeout: call.timeoutMs,
      bodyTimeout: call.timeoutMs,
    });
  } catch (error) {
    if (isConnectionRefused(error))
      throw nothingRunning(`the router at ${call.routerUrl} does not answer`, error);
    throw error;
  }
  const headers = response.headers as Record<string, string | string[] | undefined>;
  const isStream = call.stream ?? ((h) => String(h["content-type"] ?? "").startsWith("text/event-stream"));
  const streamed = Boolean(call.onChunk) && isStream(headers);
  let body = "";
  if (streamed) for await (const chunk of response.body) call.onChunk!(chunk as Buffer);
  else body = await response.body.text();
  return {
    status: response.statusCode,
    ms: performance.now() - started,
    headers,
    instance: headers["x-agentctl-instance"] as string | undefined,
    requestId: headers["x-request-id"] as string | undefined,
    body,
    streamed,
  };
}
