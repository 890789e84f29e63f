// One request through the raw core: route it, pick an instance whose breaker allows it, write the
// rewritten head and the body bytes to a keep-alive upstream socket, and stream the answer back as it
// comes. The same rules as proxy.ts (the node:http path): idempotent requests move to another
// instance when the connection fails before any answer, a POST without an Idempotency-Key is sent
// once, bodies that may be replayed are read first (bounded), 5xx and connect errors count against
// the breaker, and every answer carries X-Agentctl-Instance and X-Request-Id.
import { answerText, routerInstanceName } from "./answer.js";
import type { ClientConnection } from "./client-connection.js";
import { ChunkedScanner, type RequestHead, type ResponseHead } from "./framing.js";
import type { FailureKind } from "./metrics.js";
import {
  allowedCandidates,
  idempotentMethods,
  nextRequestId,
  noAnswerCodes,
  type ProxyContext,
  unknownServiceMessage,
  writeAccessLog,
} from "./proxy.js";
import { resolveRoute } from "./route.js";
import type { Target } from "./target.js";
import type { Upstream, UpstreamError, UpstreamListener } from "./upstream.js";

// Failures that mean the request got no answer from this instance (no response byte had arrived):
// an idempotent request may go to another instance.
const retryableCodes = new Set([...noAnswerCodes, "E_CONNECT_TIMEOUT", "E_UPSTREAM_CLOSED"]);

// Body bytes up to this size are copied behind the answer's head so both leave in one write; a larger
// first chunk is written after the head instead of copied.
const combineBytes = 16 * 1024;

/** A request the raw core carries from head to end of answer. */
export class Forward implements UpstreamListener {
  readonly started = performance.now();
  readonly method: string;
  readonly requestId: string;
  /** Request body bytes are still expected from the client. */
  readingBody = false;
  requestSent = false;
  #service = "";
  #timeoutMs = 0;
  #maxAttempts = 1;
  #outgoingHead = "";
  #bodyLeft = 0;
  #chunked: ChunkedScanner | undefined;
  /** Body parts kept for a replay (idempotent requests with a body), then the whole body. */
  #replayParts: Buffer[] | undefined;
  #replayBody: Buffer | null = null;
  #streamed = false;
  #tried: Target[] = [];
  #target: Target | undefined;
  #upstream: Upstream | undefined;
  #status = 0;
  #headSent = false;
  #keepAlive = true;
  /** The answer's head, not yet written (see flush()), and the body bytes that go with it. */
  #outHead: string | null = null;
  #outBody: Buffer | null = null;
  #finished = false;
  #clientGone = false;
  #waitingForDrain = false;

  constructor(
    readonly client: ClientConnection,
    readonly head: RequestHead,
    readonly context: ProxyContext,
  ) {
    this.method = head.method;
    this.requestId = head.requestId || nextRequestId();
  }

  /** Starts the request; false (having done nothing) when node:http should take it instead. */
  begin(): boolean {
    const { head, context } = this;
    const { service, path } = resolveRoute(head.host, head.url, context.routes);
    const ready = context.ready(service);
    for (const target of ready) if (!target.upstreams) return false; // not plain http: undici's job
    this.#service = service;
    const hasBody = head.chunked || head.contentLength > 0;
    this.#keepAlive = !head.close && !hasBody; // changed to true below once the body is read whole
    if (ready.length === 0) {
      const known = context.knownServices();
      if (!known.includes(service)) {
        const error = unknownServiceMessage(service, known);
        this.#answer(404, { error, services: known }, routerInstanceName, "unknown service");
        return true;
      }
    }
    if (head.contentLength > context.maxBodyBytes) {
      this.#tooLarge(routerInstanceName);
      return true;
    }
    const settings = context.settings(service);
    this.#timeoutMs = settings.timeoutMs;
    const idempotent = idempotentMethods.has(this.method) || head.idempotencyKey;
    this.#maxAttempts = idempotent ? settings.retries + 1 : 1;
    const address = this.client.remoteAddress;
    const framing = head.chunked
      ? "transfer-encoding: chunked\r\n"
      : head.contentLength >= 0
        ? `content-length: ${head.contentLength}\r\n`
        : "";
    this.#outgoingHead =
      `${this.method} ${path} HTTP/1.1\r\n${head.lines}` +
      `x-forwarded-for: ${head.forwardedFor ? `${head.forwardedFor}, ${address}` : address}\r\n` +
      `x-forwarded-proto: ${head.forwardedProto ?? "http"}\r\n` +
      `x-forwarded-host: ${head.forwardedHost ?? head.host ?? ""}\r\n` +
      `x-request-id: ${this.requestId}\r\n${framing}\r\n`;
    if (!hasBody) {
      this.#keepAlive = !head.close;
      this.#attempt();
      return true;
    }
    this.readingBody = true;
    this.#bodyLeft = head.contentLength;
    if (head.chunked) this.#chunked = new ChunkedScanner();
    if (this.#maxAttempts > 1) this.#replayParts = [];
    else {
      this.#streamed = true;
      this.#attempt();
    }
    return true;
  }

  /** Takes request body bytes from `chunk` at `offset`; returns how many belonged to the body. */
  requestBody(chunk: Buffer, offset: number): number {
    let used: number;
    let complete: boolean;
    const chunked = this.#chunked;
    if (chunked) {
      used = chunked.scan(chunk, offset);
      if (used < 0) {
        this.#brokenBody();
        return chunk.length - offset;
      }
      if (chunked.dataBytes > this.context.maxBodyBytes) {
        this.#bodyOverLimit();
        return chunk.length - offset;
      }
      complete = chunked.done;
    } else {
      used = Math.min(this.#bodyLeft, chunk.length - offset);
      this.#bodyLeft -= used;
      complete = this.#bodyLeft === 0;
    }
    const part = used === chunk.length ? chunk : chunk.subarray(offset, offset + used);
    if (complete) {
      this.readingBody = false;
      this.#keepAlive = !this.head.close;
    }
    const parts = this.#replayParts;
    if (parts) {
      parts.push(part);
      if (complete) {
        this.#replayParts = undefined;
        this.#replayBody = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
        this.#attempt();
      }
    } else if (this.#upstream) {
      if (complete) this.requestSent = true;
      if (!this.#upstream.write(part) && !complete) this.client.waitFor(this.#upstream.socket);
    }
    return used;
  }

  #attempt(): void {
    const { context } = this;
    const candidates = allowedCandidates(context.ready(this.#service), this.#tried);
    const target = context.balancer(this.#service).pick(candidates);
    if (!target) {
      this.#noInstance();
      return;
    }
    this.#tried.push(target);
    this.#target = target;
    this.#status = 0;
    this.#finished = false;
    target.inflight += 1;
    target.circuit.begin();
    const upstream = target.upstreams!.acquire(this, this.#timeoutMs);
    this.#upstream = upstream;
    this.requestSent = !this.#streamed;
    upstream.send(this.#outgoingHead, this.#replayBody);
  }

  onResponseHead(head: ResponseHead): void {
    const target = this.#target!;
    this.#status = head.status;
    if (head.status >= 500) target.circuit.failure();
    else target.circuit.success();
    // A body still being read when the answer starts may never be read to its end: close after it.
    if (head.framing === "close" || this.readingBody) this.#keepAlive = false;
    this.#headSent = true;
    this.#outHead =
      `${head.statusLine}\r\n${head.lines}x-agentctl-instance: ${target.id}\r\nx-request-id: ${this.requestId}\r\n` +
      `${this.#keepAlive && !this.client.closing ? "connection: keep-alive\r\nkeep-alive: timeout=5\r\n" : "connection: close\r\n"}\r\n`;
  }

  onResponseBody(chunk: Buffer): void {
    // The head and the first body bytes of a batch go out together in flush(): one write, one segment.
    if (this.#outHead !== null && this.#outBody === null) {
      this.#outBody = chunk;
      return;
    }
    this.flush();
    this.#write(chunk);
  }

  #write(chunk: Buffer): void {
    if (!this.client.socket.write(chunk) && !this.#waitingForDrain) {
      const upstream = this.#upstream!;
      this.#waitingForDrain = true;
      upstream.pause();
      this.client.socket.once("drain", () => {
        this.#waitingForDrain = false;
        upstream.resume();
      });
    }
  }

  onResponseEnd(): void {
    this.flush();
    const target = this.#target!;
    this.#upstream = undefined;
    this.#finish(target, this.#status >= 500 ? "status_5xx" : undefined);
    this.log(this.#status, target.id);
    this.client.done(this, this.#keepAlive && !this.readingBody);
  }

  onUpstreamError(error: UpstreamError): void {
    const target = this.#target!;
    this.#upstream = undefined;
    const kind: FailureKind =
      error.code === "E_RESPONSE_TIMEOUT" || error.code === "E_CONNECT_TIMEOUT" ? "timeout" : "connect";
    if (this.#status === 0) target.circuit.failure();
    this.#finish(target, kind);
    if (this.#headSent) {
      // The answer had started: nothing can be resent, the client sees a cut stream.
      this.flush();
      this.log(this.#status, target.id, error.message);
      this.client.destroy(this);
      return;
    }
    const replayable = !this.#streamed;
    if (
      replayable &&
      !error.responded &&
      this.#tried.length < this.#maxAttempts &&
      retryableCodes.has(error.code)
    ) {
      this.#attempt();
      return;
    }
    const status = kind === "timeout" ? 504 : 502;
    const tried = this.#tried.map((each) => each.id).join(", ");
    this.#answer(
      status,
      { error: `${this.#service} (tried ${tried}): ${error.message}` },
      target.id,
      error.message,
    );
  }

  /** Writes the answer's head, with the body bytes that came in the same batch, in one write. */
  flush(): void {
    const head = this.#outHead;
    if (head === null) return;
    const body = this.#outBody;
    this.#outHead = null;
    this.#outBody = null;
    if (body === null || body.length > combineBytes) {
      this.client.socket.write(head, "latin1");
      if (body !== null) this.#write(body);
      return;
    }
    const bytes = Buffer.allocUnsafe(head.length + body.length);
    bytes.write(head, 0, "latin1"); // head.length is its byte length: latin1 is one byte a character
    body.copy(bytes, head.length);
    this.#write(bytes);
  }

  /** Whether the answer's head has been written to the client. */
  get answerStarted(): boolean {
    return this.#headSent;
  }

  /** The client went away: the instance's connection is dropped and the request counted as aborted. */
  clientGone(): void {
    if (this.#clientGone) return;
    this.#clientGone = true;
    this.readingBody = false;
    const upstream = this.#upstream;
    if (!upstream) return;
    this.#upstream = undefined;
    upstream.abort();
    const target = this.#target!;
    target.circuit.release();
    this.#finish(target, "aborted");
    this.log(this.#status, target.id, "the client went away");
  }

  #bodyOverLimit(): void {
    this.readingBody = false;
    const upstream = this.#upstream;
    if (!upstream) {
      this.#tooLarge(routerInstanceName);
      return;
    }
    this.#upstream = undefined;
    upstream.abort();
    const target = this.#target!;
    target.circuit.release();
    this.#finish(target, "too_large");
    if (this.#headSent) {
      this.flush();
      this.client.destroy(this);
    } else this.#tooLarge(target.id);
  }

  #brokenBody(): void {
    this.readingBody = false;
    const upstream = this.#upstream;
    const target = this.#target;
    if (upstream && target) {
      this.#upstream = undefined;
      upstream.abort();
      target.circuit.release();
      this.#finish(target, "aborted");
    }
    if (this.#headSent) {
      this.flush();
      this.client.destroy(this);
      return;
    }
    this.#keepAlive = false;
    this.#answer(
      400,
      { error: "broken chunked framing in the request body" },
      routerInstanceName,
      "bad body",
    );
  }

  #tooLarge(instance: string): void {
    this.#keepAlive = false;
    const limit = this.context.maxBodyBytes;
    this.#answer(413, { error: `request body is over the limit of ${limit} bytes` }, instance, "too large");
  }

  #noInstance(): void {
    const service = this.#service;
    if (this.#tried.length === 0) {
      const { unrouted } = this.context;
      unrouted.set(service, (unrouted.get(service) ?? 0) + 1);
      this.#answer(
        503,
        { error: `no ready instance of "${service}"`, service },
        routerInstanceName,
        "no ready instance",
        true,
      );
      return;
    }
    const last = this.#tried[this.#tried.length - 1]!;
    const tried = this.#tried.map((each) => each.id).join(", ");
    this.#answer(502, { error: `${service}: no answer (tried ${tried})` }, last.id, "no answer");
  }

  /** A router answer; the connection stays open only when the request's body is fully read. */
  #answer(status: number, body: unknown, instance: string, error: string, retryAfter = false): void {
    const keepAlive = this.#keepAlive && !this.readingBody && !this.client.closing;
    this.client.socket.write(answerText(status, this.requestId, body, !keepAlive, instance, retryAfter));
    this.log(status, instance, error);
    this.client.done(this, keepAlive);
  }

  #finish(target: Target, failure?: FailureKind): void {
    if (this.#finished) return;
    this.#finished = true;
    target.inflight -= 1;
    target.stats.record(this.#status, performance.now() - this.started, failure);
  }

  /** Writes the access-log line, when the access log is on. */
  log(status: number, instance: string, error?: string): void {
    if (!this.context.log) return; // nothing built on the hot path when the log is off
    writeAccessLog(this.context, this.started, {
      requestId: this.requestId,
      method: this.method,
      url: this.head.url,
      service: this.#service,
      instance,
      status,
      attempts: this.#tried.length,
      error,
    });
  }
}
