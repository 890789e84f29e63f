// The raw core's side of each client connection: it reads request heads straight off the socket,
// runs one `Forward` at a time (pipelined requests wait their turn), and enforces the connection
// limits node:http would (head size, head timeout, keep-alive and idle timeouts). A connection whose
// next request is anything the raw core does not handle — the admin API, an upgrade, Expect, HTTP/1.0,
// odd framing, a malformed or oversized head — is handed, with its unread bytes, to the node:http
// server for the rest of its life, so those keep their existing behaviour.
import type { Socket } from "node:net";
import { adminPrefix } from "./admin.js";
import { Forward } from "./forward.js";
import { headEnd, parseRequestHead } from "./framing.js";
import type { ProxyContext } from "./proxy.js";

/** What the raw core needs from the server around it. */
export interface RawCoreOptions {
  context: ProxyContext;
  maxHeaderBytes: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  idleTimeoutMs: number;
  /** Gives a connection, with the bytes read from it but not used, to node:http (in this process or,
   * from a worker process, in the router's). */
  handOver(socket: Socket, pending: Buffer | null): void;
}

/** The raw core: every client connection it holds, and the timer that enforces head and keep-alive timeouts. */
export class RawCore {
  readonly connections = new Set<ClientConnection>();
  stopping = false;
  readonly #timer: NodeJS.Timeout;

  constructor(readonly options: RawCoreOptions) {
    // Like node:http's connectionsCheckingInterval: one timer for all connections, not one per request.
    const every = Math.min(1_000, Math.max(100, options.headersTimeoutMs / 2));
    this.#timer = setInterval(() => this.#check(), every);
    this.#timer.unref();
  }

  /** Takes a new client connection. */
  accept(socket: Socket): void {
    this.connections.add(new ClientConnection(socket, this));
  }

  /** Stops taking requests: idle connections close now, busy ones after their answer. */
  closeIdle(): void {
    this.stopping = true;
    clearInterval(this.#timer);
    for (const connection of this.connections) connection.closeIfIdle();
  }

  /** Drops every connection. */
  closeAll(): void {
    for (const connection of this.connections) connection.socket.destroy();
  }

  #check(): void {
    const now = Date.now();
    const { headersTimeoutMs, keepAliveTimeoutMs } = this.options;
    for (const connection of this.connections)
      connection.checkTimeouts(now, headersTimeoutMs, keepAliveTimeoutMs);
  }
}

/** One client connection served by the raw core. */
export class ClientConnection {
  readonly remoteAddress: string;
  /** No further request will be read; the connection ends after the current answer. */
  closing = false;
  #pending: Buffer | null = null;
  #forward: Forward | undefined;
  /** When the head now awaited started (0: not awaiting one). */
  #headSince: number;
  /** When the connection became idle between requests (0: not idle). */
  #idleSince = 0;
  #ended = false;
  #driving = false;
  #detached = false;
  #pausedForPending = false;
  readonly #onData = (chunk: Buffer) => this.#data(chunk);
  readonly #onEnd = () => this.#end();
  readonly #onClose = () => this.#close();
  readonly #onTimeout = () => this.socket.destroy();
  readonly #onError = () => undefined; // 'close' follows

  constructor(
    readonly socket: Socket,
    readonly core: RawCore,
  ) {
    this.remoteAddress = socket.remoteAddress ?? "";
    this.#headSince = Date.now();
    socket.setNoDelay(true);
    socket.setTimeout(core.options.idleTimeoutMs);
    socket.on("data", this.#onData);
    socket.on("end", this.#onEnd);
    socket.on("close", this.#onClose);
    socket.on("timeout", this.#onTimeout);
    socket.on("error", this.#onError);
  }

  /** The request ended (answered, or failed with the answer written); the next one may start. */
  done(forward: Forward, keepAlive: boolean): void {
    if (this.#forward !== forward) return;
    this.#forward = undefined;
    if (!keepAlive || this.core.stopping || (this.#ended && !this.#pending)) {
      this.#finish();
      return;
    }
    this.#idleSince = Date.now();
    if (this.#pausedForPending) {
      this.#pausedForPending = false;
      this.socket.resume();
    }
    if (this.#pending) this.#drive();
  }

  /** The request failed after its answer started: the client sees the connection cut. */
  destroy(forward: Forward): void {
    if (this.#forward === forward) this.#forward = undefined;
    this.closing = true;
    this.socket.destroy();
  }

  /** Stops reading from the client until `upstream` drains (request body back pressure). */
  waitFor(upstream: Socket): void {
    this.socket.pause();
    upstream.once("drain", () => {
      if (!this.#pausedForPending) this.socket.resume();
    });
  }

  closeIfIdle(): void {
    if (!this.#forward) this.#finish();
  }

  checkTimeouts(now: number, headersTimeoutMs: number, keepAliveTimeoutMs: number): void {
    if (this.#forward || this.closing) return;
    if (this.#headSince && now - this.#headSince >= headersTimeoutMs) {
      this.closing = true;
      this.socket.end("HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
    } else if (this.#idleSince && now - this.#idleSince >= keepAliveTimeoutMs) this.#finish();
  }

  #data(chunk: Buffer): void {
    const forward = this.#forward;
    let rest = chunk;
    if (forward?.readingBody) {
      const used = forward.requestBody(chunk, 0);
      if (used === chunk.length) return;
      rest = chunk.subarray(used);
    }
    if (this.closing) return;
    this.#pending = this.#pending ? Buffer.concat([this.#pending, rest]) : rest;
    if (!this.#forward) this.#drive();
    else if (this.#pending.length > this.core.options.maxHeaderBytes && !this.#pausedForPending) {
      // Pipelined requests beyond a head's worth wait in the kernel, not in memory.
      this.#pausedForPending = true;
      this.socket.pause();
    }
  }

  #drive(): void {
    if (this.#driving) return;
    this.#driving = true;
    const { maxHeaderBytes } = this.core.options;
    while (!this.#forward && this.#pending && !this.closing && !this.#detached) {
      const buffer = this.#pending;
      const end = buffer.indexOf(headEnd);
      if (end < 0 || end + 4 > maxHeaderBytes) {
        if (end >= 0 || buffer.length > maxHeaderBytes)
          this.#handOver(); // node:http answers 431
        else if (!this.#headSince) {
          this.#headSince = Date.now();
          this.#idleSince = 0;
        }
        break;
      }
      const head = parseRequestHead(buffer.toString("latin1", 0, end));
      if (head.unusual !== undefined || head.url.startsWith(adminPrefix)) {
        this.#handOver();
        break;
      }
      const forward = new Forward(this, head, this.core.options.context);
      this.#forward = forward;
      if (!forward.begin()) {
        this.#forward = undefined;
        this.#handOver();
        break;
      }
      this.#headSince = 0;
      this.#idleSince = 0;
      const rest = end + 4 < buffer.length ? buffer.subarray(end + 4) : null;
      this.#pending = null;
      if (rest && forward.readingBody) {
        const used = forward.requestBody(rest, 0);
        if (used < rest.length && !this.closing) this.#pending = rest.subarray(used);
      } else if (rest && !this.closing) this.#pending = rest;
      if (this.#forward === undefined && !this.#pending && !this.closing) this.#idleSince = Date.now();
    }
    this.#driving = false;
  }

  #handOver(): void {
    this.#detached = true;
    this.core.connections.delete(this);
    const { socket } = this;
    socket.removeListener("data", this.#onData);
    socket.removeListener("end", this.#onEnd);
    socket.removeListener("close", this.#onClose);
    socket.removeListener("timeout", this.#onTimeout);
    socket.removeListener("error", this.#onError);
    socket.setTimeout(0);
    const pending = this.#pending;
    this.#pending = null;
    this.core.options.handOver(socket, pending);
  }

  #end(): void {
    this.#ended = true;
    const forward = this.#forward;
    if (forward?.readingBody) {
      // The client stopped sending in the middle of a body: the request can never complete. Like
      // node:http, it hears 400 unless its answer had already started.
      forward.clientGone();
      this.#forward = undefined;
      this.closing = true;
      if (forward.answerStarted) this.socket.destroy();
      else this.socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
    } else if (!forward) this.#finish();
  }

  #finish(): void {
    this.closing = true;
    this.#pending = null;
    this.socket.end();
    // A client that never closes its side would hold the socket half-open: give it a moment.
    setTimeout(() => this.socket.destroy(), 1_000).unref();
  }

  #close(): void {
    this.closing = true;
    this.core.connections.delete(this);
    const forward = this.#forward;
    this.#forward = undefined;
    forward?.clientGone();
  }
}
