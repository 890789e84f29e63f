// Calling other services: global fetch with a timeout, JSON in and out, and failures turned into
// HttpErrors a handler can let through (502 unreachable or unreadable, 504 timed out).
import { HttpError } from "./errors.js";
import { requestIdHeader } from "./request-id.js";

/** One JSON call. */
export interface FetchJsonOptions {
  method?: string;
  /** Sent as JSON when present. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Whole-call timeout (default 5 s). */
  timeoutMs?: number;
  /** Propagated as X-Request-Id. */
  requestId?: string;
  signal?: AbortSignal;
}

/** A JSON answer with its status. */
export interface JsonResponse {
  status: number;
  ok: boolean;
  headers: Headers;
  body: unknown;
}

/** Failure to talk to another service: unreachable, timed out, or an answer that is not JSON. */
export class UpstreamError extends HttpError {
  constructor(status: number, message: string, cause?: unknown) {
    super(status, message, { cause });
    this.name = "UpstreamError";
  }
}

/** Sends a request and parses the JSON answer, whatever its status. */
export async function fetchJson(url: string, options: FetchJsonOptions = {}): Promise<JsonResponse> {
  const method = options.method ?? (options.body === undefined ? "GET" : "POST");
  const timeoutMs = options.timeoutMs ?? 5_000;
  const headers: Record<string, string> = { accept: "application/json", ...options.headers };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (options.requestId) headers[requestIdHeader] = options.requestId;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    const response = await fetch(url, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal,
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = text === "" ? null : JSON.parse(text);
    } catch {
      throw new UpstreamError(
        502,
        `${method} ${url}: answered ${response.status} with a body that is not JSON`,
      );
    }
    return { status: response.status, ok: response.ok, headers: response.headers, body };
  } catch (error) {
    throw upstreamFailure(error, method, url, timeoutMs, timeout);
  }
}

/** Calls an agentctl service and unwraps `{success, result}`; its error status and message pass through. */
export async function callService<T = unknown>(url: string, options: FetchJsonOptions = {}): Promise<T> {
  const answer = await fetchJson(url, options);
  const body = answer.body as { success?: boolean; result?: T; error?: { message?: string } } | null;
  if (answer.ok && body?.success === true) return body.result as T;
  const message = body?.error?.message ?? `answered ${answer.status}`;
  throw new UpstreamError(answer.ok ? 502 : answer.status, message);
}

/** Turns a fetch failure into an UpstreamError that says what happened. */
export function upstreamFailure(
  error: unknown,
  method: string,
  url: string,
  timeoutMs: number,
  timeout?: AbortSignal,
): HttpError {
  if (error instanceof HttpError) return error;
  const failure = error as Error & { cause?: { code?: string; message?: string } };
  if (timeout?.aborted || failure.name === "TimeoutError") {
    return new UpstreamError(504, `${method} ${url}: no answer within ${timeoutMs}ms`, error);
  }
  const reason = failure.cause?.code ?? failure.cause?.message ?? failure.message;
  return new UpstreamError(502, `${method} ${url}: ${reason}`, error);
}
