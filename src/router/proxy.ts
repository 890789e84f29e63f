// The request path: pick a ready instance whose breaker allows it, stream the request to it over a
// keep-alive pool and stream the answer back chunk by chunk (so SSE arrives as it is sent).
// Idempotent requests move to another instance when the connection fails before an answer; a POST
// without an Idempotency-Key is never sent twice.
//
// Each request is one `Exchange` object that is also undici's dispatch handler: no promise, no
// AsyncResource and no `finished()` listeners per request (undici's `stream()` adds all three); on
// this hot path that is the difference between trailing a bare proxy and matching it.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Transform } from "node:stream";
import type { Dispatcher } from "undici";
import { answer, routerInstanceName } from "./answer.js";
import type { Balancer } from "./balancer.js";
import { forwardRequestHeaders, responseHeaders } from "./headers.js";
import type { FailureKind } from "./metrics.js";
import { limitBytes, readBounded } from "./request-body.js";
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

/** Methods that may be sent twice (so retried on another instance after a connect failure). */
export const idempotentMethods = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);
/** Socket errors that mean the request got no answer from an instance (shared by both cores). */
export const noAnswerCodes = ["ECONNREFUSED", "ECONNRESET", "EPIPE", "EHOSTUNREACH", "ENETUNREACH"];
// Errors that mean the request got no answer from this instance; for an idempotent request it is
// safe to send it again elsewhere.
const retryableCodes = new Set([
  ...noAnswerCodes,
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
]);

let sequence = 0;
// The process id keeps ids apart between router worker processes started in the same millisecond.
const bootId = `${Date.now().toString(36)}${process.pid.toString(36)}`;

/** Request ids: unique per router run and cheap (no crypto on the hot path). */
export function nextRequestId(): string {
  sequence = (sequence + 1) % Number.MAX_SAFE_INTEGER;
  return `${bootId}-${sequence.toString(36)}`;
}

type Body = Buffer | IncomingMessage | Transform | null;

/** Handles one proxied request from start to end. */
export function proxyRequest(
  request: IncomingMessage,
  response: ServerResponse,
  context: ProxyContext,
): void {
  const requestId = (request.headers["x-request-id"] as string | undefined) || nextRequestId();
  const { service, path } = resolveRoute(request.headers.host, request.url ?? "/", context.routes);
  const exchange = new Exchange(request, response, context, service, path, requestId);
  if (context.ready(service).length === 0) {
    const known = context.knownServices();
    if (!known.includes(service)) {
      answer(response, 404, requestId, { error: unknownServiceMessage(service, known), services: known });
      exchange.log(404, routerInstanceName, "unknown service");
      return;
    }
  }
  const declared = Number(request.headers["content-length"] ?? 0);
  if (declared > context.maxBodyBytes) {
    exchange.tooLarge(routerInstanceName);
    return;
  }
  const hasBody = declared > 0 || request.headers["transfer-encoding"] !== undefined;
  if (!hasBody) {
    exchange.start(null);
    return;
  }
  if (exchange.maxAttempts > 1) {
    // A body that may be sent twice is read first (bounded by maxBodyBytes).
    readBounded(request, context.maxBodyBytes).then(
      (buffered) =>
        buffered === undefined ? exchange.tooLarge(routerInstanceName) : exchange.start(buffered),
      () => response.destroy(),
    );
    return;
  }
  // Any other body streams through, counted when its length was not declared.
  if (declared > 0) {
    exchange.start(request);
    return;
  }
  const limited = limitBytes(context.maxBodyBytes);
  limited.on("error", (error) => exchange.bodyFailed(error));
  exchange.start(request.pipe(limited));
}

/** One request on its way through the router; also undici's handler for each attempt. */
class Exchange implements Dispatcher.DispatchHandler {
  readonly started = performance.now();
  readonly maxAttempts: number;
  readonly #timeoutMs: number;
  #body: Body = null;
  #headers: Record<string, string | string[]> | undefined;
  #tried: Target[] = [];
  #target: Target | undefined;
  #controller: Dispatcher.DispatchController | undefined;
  #status = 0;
  #bodyError: Error | undefined;
  #clientGone = false;
  #done = false;

  constructor(
    readonly request: IncomingMessage,
    readonly response: ServerResponse,
    readonly context: ProxyContext,
    readonly service: string,
    readonly path: string,
    readonly requestId: string,
  ) {
    const method = request.method ?? "GET";
    const idempotent = idempotentMethods.has(method) || request.headers["idempotency-key"] !== undefined;
    const settings = context.settings(service);
    this.#timeoutMs = settings.timeoutMs;
    this.maxAttempts = idempotent ? settings.retries + 1 : 1;
  }

  /** Sends the request with this body to the first instance. */
  start(body: Body): void {
    this.#body = body;
    this.#headers = forwardRequestHeaders(this.request, this.requestId);
    this.response.on("close", () => this.#onClientClose());
    this.#attempt();
  }

  /** Answers 413 when the body is over the limit. */
  tooLarge(instance: string): void {
    const limit = this.context.maxBodyBytes;
    answer(
      this.response,
      413,
      this.requestId,
      { error: `request body is over the limit of ${limit} bytes` },
      true,
      instance,
    );
    this.log(413, instance, "too large");
  }

  /** The streamed body broke (over the limit, or the client's upload failed). */
  bodyFailed(error: Error): void {
    this.#bodyError = error;
    this.#controller?.abort(error);
  }

  #attempt(): void {
    const { context, service } = this;
    const candidates = allowedCandidates(context.ready(service), this.#tried);
    const target = context.balancer(service).pick(candidates);
    if (!target) {
      this.#noInstance();
      return;
    }
    this.#tried.push(target);
    this.#target = target;
    this.#controller = undefined;
    target.inflight += 1;
    target.circuit.begin();
    target.pool.dispatch(
      {
        path: this.path,
        method: (this.request.method ?? "GET") as Dispatcher.HttpMethod,
        headers: this.#headers,
        body: this.#body,
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
      },
      this,
    );
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#clientGone) controller.abort(new Error("the client went away"));
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (statusCode < 200) return; // 1xx: informational, not forwarded
    const target = this.#target!;
    this.#status = statusCode;
    if (statusCode >= 500) target.circuit.failure();
    else target.circuit.success();
    const response = this.response;
    // Headers, a small body and the end usually arrive in one parser pass: corking until the next
    // tick sends them to the client in one write instead of two or three.
    response.cork();
    process.nextTick(uncork, response);
    response.writeHead(statusCode, responseHeaders(headers, target.id, this.requestId));
    if (response.writableNeedDrain) this.#pause(controller);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.response.write(chunk)) this.#pause(controller);
  }

  onResponseEnd(): void {
    this.response.end();
    const target = this.#target!;
    this.#finish(target, this.#status >= 500 ? "status_5xx" : undefined);
    this.log(this.#status, target.id);
  }

  onResponseError(_controller: Dispatcher.DispatchController, caught: Error): void {
    const target = this.#target!;
    const error = (this.#bodyError ?? caught) as Error & { code?: string };
    const kind = failureKind(error, this.#clientGone);
    if (kind === "aborted" || kind === "too_large") target.circuit.release();
    else if (this.#status === 0) target.circuit.failure();
    this.#finish(target, kind);
    const { response } = this;
    if (this.#status !== 0 || response.headersSent) {
      // The answer had started: nothing can be resent, the client sees a cut stream.
      response.destroy(error);
      this.log(this.#status, target.id, error.message);
      return;
    }
    if (kind === "too_large") {
      this.tooLarge(target.id);
      return;
    }
    if (kind === "aborted") {
      this.log(0, target.id, "the client went away");
      return;
    }
    const replayable = this.#body === null || Buffer.isBuffer(this.#body);
    if (replayable && this.#tried.length < this.maxAttempts && retryableCodes.has(error.code ?? "")) {
      this.#done = false;
      this.#attempt();
      return;
    }
    const status = kind === "timeout" ? 504 : 502;
    const tried = this.#tried.map((t) => t.id).join(", ");
    answer(
      response,
      status,
      this.requestId,
      { error: `${this.service} (tried ${tried}): ${error.message}` },
      false,
      target.id,
    );
    this.log(status, target.id, error.message);
  }

  #finish(target: Target, failure?: FailureKind): void {
    if (this.#done) return;
    this.#done = true;
    target.inflight -= 1;
    target.stats.record(this.#status, performance.now() - this.started, failure);
  }

  #pause(controller: Dispatcher.DispatchController): void {
    controller.pause();
    this.response.once("drain", () => controller.resume());
  }

  #onClientClose(): void {
    if (this.response.writableFinished) return;
    this.#clientGone = true;
    this.#controller?.abort(new Error("the client went away"));
  }

  #noInstance(): void {
    const { context, response, service, requestId } = this;
    if (this.#tried.length === 0) {
      context.unrouted.set(service, (context.unrouted.get(service) ?? 0) + 1);
      response.setHeader("retry-after", "1");
      answer(response, 503, requestId, { error: `no ready instance of "${service}"`, service });
      this.log(503, routerInstanceName, "no ready instance");
      return;
    }
    const last = this.#tried[this.#tried.length - 1]!;
    const tried = this.#tried.map((t) => t.id).join(", ");
    answer(response, 502, requestId, { error: `${service}: no answer (tried ${tried})` }, false, last.id);
    this.log(502, last.id, "no answer");
  }

  /** Writes the access-log line, when the access log is on. */
  log(status: number, instance: string, error?: string): void {
    if (!this.context.log) return; // nothing built on the hot path when the log is off
    writeAccessLog(this.context, this.started, {
      requestId: this.requestId,
      method: this.request.method ?? "GET",
      url: this.request.url ?? "/",
      service: this.service,
      instance,
      status,
      attempts: this.#tried.length,
      error,
    });
  }
}

/** One access-log line (both cores), when the access log is on; `started` is performance.now() at the start. */
export function writeAccessLog(
  context: ProxyContext,
  started: number,
  line: Omit<AccessLogEntry, "time" | "ms">,
): void {
  if (!context.log) return;
  context.log({
    time: new Date().toISOString(),
    requestId: line.requestId,
    method: line.method,
    url: line.url,
    service: line.service,
    instance: line.instance,
    status: line.status,
    ms: Math.round((performance.now() - started) * 1000) / 1000,
    attempts: line.attempts,
    error: line.error,
  });
}

/** The 404 text: which service was asked for, and which exist. */
export function unknownServiceMessage(service: string, known: readonly string[]): string {
  const list = known.join(", ") || "none";
  return service
    ? `no service named "${service}"; known services: ${list}`
    : `name a service in the path (/<service>/...); known services: ${list}`;
}

function uncork(response: ServerResponse): void {
  response.uncork();
}

/** The candidates a request may go to now: not yet tried, breaker allowing. */
export function allowedCandidates(
  candidates: readonly Target[],
  tried: readonly Target[],
): readonly Target[] {
  // Fast path: nothing tried yet and every breaker closed, so the shared array is used as is.
  let all = tried.length === 0;
  if (all) for (const candidate of candidates) if (candidate.circuit.state !== "closed") all = false;
  if (all) return candidates;
  return candidates.filter((candidate) => !tried.includes(candidate) && candidate.circuit.allows());
}

function failureKind(error: Error & { code?: string }, clientGone: boolean): FailureKind {
  if (error.code === "E_BODY_TOO_LARGE") return "too_large";
  if (clientGone) return "aborted";
  if (error.code === "UND_ERR_HEADERS_TIMEOUT" || error.code === "UND_ERR_BODY_TIMEOUT") return "timeout";
  if (error.code === "UND_ERR_CONNECT_TIMEOUT") return "timeout";
  return "connect";
}
