// The request path: pick a ready instance whose breaker allows it, stream the request to it over a
// keep-alive pool and stream the answer back (undici's `stream` writes the backend's chunks straight
// into our response, so SSE arrives as it is sent). Idempotent requests move to another instance when
// the connection fails before an answer; a POST without an Idempotency-Key is never sent twice.
import type { IncomingMessage, ServerResponse } from "node:http";
import { Transform } from "node:stream";
import type { Balancer } from "./balancer.js";
import { forwardRequestHeaders, responseHeaders } from "./headers.js";
import type { FailureKind } from "./metrics.js";
import type { RoutePrefix } from "./route.js";
import { resolveRoute } from "./route.js";
import type { Target } from "./target.js";

/** What the proxy needs from the router: targets, balancers, limits and where to report. */
export interface ProxyContext {
  routes: readonly RoutePrefix[];
  ready(service: string): readonly Target[];
  balancer(service: string): Balancer;
  settings(service: string): { timeoutMs: number; retries: number };
  knownServices(): string[];
  maxBodyBytes: number;
  unrouted: Map<string, number>;
  /** Called once per finished request when an access log is on. */
  log?: (entry: AccessLogEntry) => void;
}

/** One line of the access log. */
export interface AccessLogEntry {
  time: string;
  requestId: string;
  method: string;
  url: string;
  service: string;
  instance: string;
  status: number;
  ms: number;
  attempts: number;
  error?: string;
}

/** The value of X-Agentctl-Instance on answers the router gives itself (404, 503, 413 …). */
export const routerInstanceName = "agentctl-router";

const idempotentMethods = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);
// Errors that mean the request never got an answer from this instance; for an idempotent request it
// is safe to send it again elsewhere.
const retryableCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
]);

let sequence = 0;
const bootId = Date.now().toString(36);

/** Request ids: unique per router run and cheap (no crypto on the hot path). */
function nextRequestId(): string {
  sequence = (sequence + 1) % Number.MAX_SAFE_INTEGER;
  return `${bootId}-${sequence.toString(36)}`;
}

/** Handles one proxied request from start to end. */
export async function proxyRequest(
  request: IncomingMessage,
  response: ServerResponse,
  context: ProxyContext,
) {
  const started = performance.now();
  const method = request.method ?? "GET";
  const url = request.url ?? "/";
  const requestId = (request.headers["x-request-id"] as string | undefined) || nextRequestId();
  const { service, path } = resolveRoute(request.headers.host, url, context.routes);
  const log = (status: number, instance: string, attempts: number, error?: string) =>
    context.log?.({
      time: new Date().toISOString(),
      requestId,
      method,
      url,
      service,
      instance,
      status,
      ms: Math.round((performance.now() - started) * 1000) / 1000,
      attempts,
      error,
    });

  let candidates = context.ready(service);
  if (candidates.length === 0) {
    const known = context.knownServices();
    if (!known.includes(service)) {
      const message = service
        ? `no service named "${service}"; known services: ${known.join(", ") || "none"}`
        : `name a service in the path (/<service>/...); known services: ${known.join(", ") || "none"}`;
      answer(response, 404, requestId, { error: message, services: known });
      return log(404, routerInstanceName, 0, "unknown service");
    }
  }

  const declared = Number(request.headers["content-length"] ?? 0);
  if (declared > context.maxBodyBytes) {
    answer(
      response,
      413,
      requestId,
      { error: `request body of ${declared} bytes is over the limit of ${context.maxBodyBytes}` },
      true,
    );
    return log(413, routerInstanceName, 0, "too large");
  }
  const hasBody = declared > 0 || request.headers["transfer-encoding"] !== undefined;
  const idempotent = idempotentMethods.has(method) || request.headers["idempotency-key"] !== undefined;
  const { timeoutMs, retries } = context.settings(service);
  const maxAttempts = idempotent ? retries + 1 : 1;

  // A body that may be sent twice is read first (it is bounded by maxBodyBytes); any other body
  // streams through, counted when its length was not declared.
  let body: Buffer | IncomingMessage | Transform | null = null;
  if (hasBody) {
    if (maxAttempts > 1) {
      const buffered = await readBounded(request, context.maxBodyBytes);
      if (buffered === undefined) {
        answer(
          response,
          413,
          requestId,
          { error: `request body is over the limit of ${context.maxBodyBytes} bytes` },
          true,
        );
        return log(413, routerInstanceName, 0, "too large");
      }
      body = buffered;
    } else body = declared > 0 ? request : request.pipe(limitBytes(context.maxBodyBytes));
  }

  const headers = forwardRequestHeaders(request, requestId);
  const tried: Target[] = [];
  let lastError: (Error & { code?: string }) | undefined;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    candidates = context.ready(service);
    const allowed = allowedCandidates(candidates, tried);
    const target = context.balancer(service).pick(allowed);
    if (!target) break;
    tried.push(target);
    target.inflight += 1;
    target.circuit.begin();
    let status = 0;
    try {
      await target.pool.stream(
        { path, method, headers, body, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, opaque: target },
        ({ statusCode, headers: upstream }) => {
          status = statusCode;
          if (statusCode >= 500) target.circuit.failure();
          else target.circuit.success();
          // Headers, a small body and the end usually arrive in one parser pass: corking until the
          // next tick sends them to the client in one write instead of two or three.
          response.cork();
          process.nextTick(uncork, response);
          response.writeHead(
            statusCode,
            responseHeaders(upstream as Record<string, string | string[]>, target.id, requestId),
          );
          return response;
        },
      );
      target.inflight -= 1;
      target.stats.record(status, performance.now() - started, status >= 500 ? "status_5xx" : undefined);
      return log(status, target.id, attempt);
    } catch (caught) {
      target.inflight -= 1;
      const error = caught as Error & { code?: string };
      lastError = error;
      const kind = failureKind(error, response);
      if (kind === "aborted" || kind === "too_large") target.circuit.release();
      else if (status === 0) target.circuit.failure();
      target.stats.record(status, performance.now() - started, kind);
      if (status !== 0 || response.headersSent) {
        // The answer had started: nothing can be resent, the client sees a cut stream.
        response.destroy(error);
        return log(status, target.id, attempt, error.message);
      }
      if (kind === "too_large") {
        answer(
          response,
          413,
          requestId,
          { error: `request body is over the limit of ${context.maxBodyBytes} bytes` },
          true,
        );
        return log(413, target.id, attempt, "too large");
      }
      if (kind === "aborted") return log(0, target.id, attempt, "client went away");
      const retryable = body === null || Buffer.isBuffer(body);
      if (!retryable || !retryableCodes.has(error.code ?? "")) {
        const gatewayStatus = kind === "timeout" ? 504 : 502;
        answer(
          response,
          gatewayStatus,
          requestId,
          { error: `${service}/${target.id}: ${error.message}` },
          false,
          target.id,
        );
        return log(gatewayStatus, target.id, attempt, error.message);
      }
    }
  }
  if (tried.length === 0) {
    context.unrouted.set(service, (context.unrouted.get(service) ?? 0) + 1);
    response.setHeader("retry-after", "1");
    answer(response, 503, requestId, { error: `no ready instance of "${service}"`, service });
    return log(503, routerInstanceName, 0, "no ready instance");
  }
  const last = tried[tried.length - 1]!;
  answer(
    response,
    502,
    requestId,
    {
      error: `${service}: ${lastError?.message ?? "no answer"} (tried ${tried.map((t) => t.id).join(", ")})`,
    },
    false,
    last.id,
  );
  return log(502, last.id, tried.length, lastError?.message);
}

function uncork(response: ServerResponse): void {
  response.uncork();
}

function allowedCandidates(candidates: readonly Target[], tried: readonly Target[]): readonly Target[] {
  // Fast path: every breaker closed and nothing tried yet, so the shared array is used as is.
  let all = tried.length === 0;
  if (all) for (const candidate of candidates) if (candidate.circuit.state !== "closed") all = false;
  if (all) return candidates;
  return candidates.filter((candidate) => !tried.includes(candidate) && candidate.circuit.allows());
}

function failureKind(error: Error & { code?: string }, response: ServerResponse): FailureKind {
  if (error.code === "E_BODY_TOO_LARGE") return "too_large";
  if (response.destroyed && !response.writableFinished && error.code !== "UND_ERR_SOCKET") return "aborted";
  if (error.code === "UND_ERR_HEADERS_TIMEOUT" || error.code === "UND_ERR_BODY_TIMEOUT") return "timeout";
  if (error.code === "UND_ERR_CONNECT_TIMEOUT") return "timeout";
  return "connect";
}

/** Writes a JSON answer of the router's own. */
export function answer(
  response: ServerResponse,
  status: number,
  requestId: string,
  body: unknown,
  close = false,
  instance = routerInstanceName,
): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const text = `${JSON.stringify(body)}\n`;
  response.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "x-agentctl-instance": instance,
    "x-request-id": requestId,
    ...(close ? { connection: "close" } : {}),
  });
  response.end(text);
}

/** Reads a body up to `limit` bytes; undefined when it is larger. */
function readBounded(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.removeAllListeners("data");
        request.resume();
        resolve(undefined);
      } else chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks, size)));
    request.on("error", reject);
  });
}

/** Passes bytes through until `limit`, then fails with E_BODY_TOO_LARGE. */
function limitBytes(limit: number): Transform {
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > limit) {
        const error = Object.assign(new Error(`request body is over the limit of ${limit} bytes`), {
          code: "E_BODY_TOO_LARGE",
        });
        callback(error);
      } else callback(null, chunk);
    },
  });
}
