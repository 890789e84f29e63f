// The raw core's connections to one instance: keep-alive TCP sockets, each carrying one request at a
// time and following the response framing, so it knows when an answer ends and the socket is free.
import { connect, type Socket } from "node:net";
import { ChunkedScanner, headEnd, parseResponseHead, type ResponseHead } from "./framing.js";

/** What an upstream connection reports to the request it carries. */
export interface UpstreamListener {
  readonly method: string;
  /** The whole request has been written (a socket is only reused after that). */
  readonly requestSent: boolean;
  /** A final (non-1xx) response head. */
  onResponseHead(head: ResponseHead): void;
  onResponseBody(chunk: Buffer): void;
  onResponseEnd(): void;
  onUpstreamError(error: UpstreamError): void;
  /** Called after each batch of bytes from the instance, so writes to the client can be coalesced. */
  flush(): void;
}

/** Why a request got no (complete) answer over an upstream connection. */
export class UpstreamError extends Error {
  constructor(
    message: string,
    readonly code: string,
    /** Whether any byte of a response had arrived (then the request reached the instance). */
    readonly responded: boolean,
  ) {
    super(message);
  }
}

// Backends close idle keep-alive sockets after 5 s by default (node:http); reusing one close to that
// races its close, so sockets idle for longer than this are dropped instead (undici does the same).
const idleReuseMs = 4_000;
const connectTimeoutMs = 5_000;
const maxResponseHeadBytes = 64 * 1024;
// Each connection reads into its own buffer of this size (net's `onread`), and the bytes of each read
// are copied out once. That skips the Readable stream machinery (a managed 64 KiB allocation, push,
// 'data', a nextTick) on every answer: fewer microseconds per request on the hot path.
const readBufferBytes = 64 * 1024;

/** Keep-alive connections to one instance's address. */
export class UpstreamPool {
  readonly #idle: Upstream[] = [];
  readonly #all = new Set<Upstream>();
  #closed = false;

  constructor(
    readonly host: string,
    readonly port: number,
  ) {}

  /** A connection for one request: an idle one if there is a fresh one, else a new one. */
  acquire(listener: UpstreamListener, timeoutMs: number): Upstream {
    const now = Date.now();
    let upstream = this.#idle.pop();
    while (upstream && (upstream.socket.destroyed || now - upstream.idleSince > idleReuseMs)) {
      upstream.destroy();
      upstream = this.#idle.pop();
    }
    upstream ??= new Upstream(this);
    upstream.attach(listener, timeoutMs);
    return upstream;
  }

  /** How many connections are open (idle and busy). */
  get size(): number {
    return this.#all.size;
  }

  /** @internal */ added(upstream: Upstream): void {
    this.#all.add(upstream);
  }
  /** @internal */ released(upstream: Upstream): void {
    if (this.#closed) upstream.destroy();
    else this.#idle.push(upstream);
  }
  /** @internal */ removed(upstream: Upstream): void {
    this.#all.delete(upstream);
    const index = this.#idle.indexOf(upstream);
    if (index >= 0) this.#idle.splice(index, 1);
  }

  /** Closes idle connections now and busy ones when their answer ends. */
  close(): void {
    this.#closed = true;
    for (const upstream of [...this.#idle]) upstream.destroy();
  }

  /** Closes every connection now; requests under way fail. */
  destroy(): void {
    this.close();
    for (const upstream of [...this.#all]) upstream.destroy();
  }
}

enum State {
  Head = 0,
  Length = 1,
  Chunked = 2,
  UntilClose = 3,
}

/** One TCP connection to an instance. */
export class Upstream {
  readonly socket: Socket;
  idleSince = 0;
  #listener: UpstreamListener | undefined;
  #connected = false;
  #timeoutMs = 0;
  #state = State.Head;
  #partialHead: Buffer | null = null;
  #left = 0;
  #chunked: ChunkedScanner | undefined;
  #reusable = false;
  #responded = false;
  #paused = false;

  constructor(readonly pool: UpstreamPool) {
    const buffer = Buffer.allocUnsafe(readBufferBytes);
    this.socket = connect({
      host: pool.host,
      port: pool.port,
      noDelay: true,
      onread: { buffer, callback: (bytes) => this.#onRead(buffer, bytes) },
    });
    this.socket.setTimeout(connectTimeoutMs);
    this.socket.on("connect", () => {
      this.#connected = true;
      this.socket.setTimeout(this.#timeoutMs);
    });
    this.socket.on("timeout", () => this.#onTimeout());
    this.socket.on("error", (error: Error & { code?: string }) =>
      this.#fail(error.message, error.code ?? "ECONNRESET"),
    );
    this.socket.on("close", () => this.#onClose());
    pool.added(this);
  }

  /** Takes on a request; `timeoutMs` bounds the wait for the answer and each gap within it. */
  attach(listener: UpstreamListener, timeoutMs: number): void {
    this.#listener = listener;
    this.#state = State.Head;
    this.#responded = false;
    if (timeoutMs !== this.#timeoutMs) {
      this.#timeoutMs = timeoutMs;
      if (this.#connected) this.socket.setTimeout(timeoutMs);
    }
  }

  /** Writes a request head and, when given, a whole body, in one write. */
  send(head: string, body: Buffer | null): void {
    if (body === null) {
      this.socket.write(head, "latin1");
      return;
    }
    this.socket.cork();
    this.socket.write(head, "latin1");
    this.socket.write(body);
    this.socket.uncork();
  }

  /** Writes request body bytes; false when the caller should wait for `drain`. */
  write(chunk: Buffer): boolean {
    return this.socket.write(chunk);
  }

  /** Stops reading the answer while the client cannot take more (back pressure). */
  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.socket.pause();
  }
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.socket.resume();
  }

  /** Drops the request under way (the client went away, or its body broke): the socket is closed. */
  abort(): void {
    this.#listener = undefined;
    this.destroy();
  }

  destroy(): void {
    this.pool.removed(this);
    this.socket.destroy();
  }

  #onRead(buffer: Buffer, bytes: number): boolean {
    const chunk = Buffer.allocUnsafe(bytes); // small ones come from Node's shared pool
    buffer.copy(chunk, 0, 0, bytes);
    this.#onData(chunk);
    return true; // pause() stops the reads itself
  }

  #onData(chunk: Buffer): void {
    const listener = this.#listener;
    if (!listener) {
      // Bytes nobody asked for: the connection is out of step and cannot be trusted again.
      this.destroy();
      return;
    }
    this.#responded = true;
    let buffer = chunk;
    if (this.#partialHead) {
      buffer = Buffer.concat([this.#partialHead, chunk]);
      this.#partialHead = null;
    }
    let offset = 0;
    while (this.#listener === listener) {
      if (this.#state === State.Head) {
        const end = buffer.indexOf(headEnd, offset);
        if (end < 0) {
          if (buffer.length - offset > maxResponseHeadBytes) {
            this.#fail("the instance sent a response head over 64 KiB", "E_RESPONSE_HEAD");
            return;
          }
          this.#partialHead = offset === buffer.length ? null : buffer.subarray(offset);
          break;
        }
        const head = parseResponseHead(buffer.toString("latin1", offset, end), listener.method);
        offset = end + 4;
        if (!head || head.status === 101) {
          this.#fail("the instance sent an invalid response head", "E_RESPONSE_HEAD");
          return;
        }
        if (head.status < 200) continue; // informational (100, 103): not passed on
        this.#begin(head);
        listener.onResponseHead(head);
        if (head.framing === "none") {
          this.#end(listener, offset < buffer.length);
          break;
        }
        continue;
      }
      if (offset >= buffer.length) break;
      if (this.#state === State.Length) {
        const take = Math.min(this.#left, buffer.length - offset);
        listener.onResponseBody(slice(buffer, offset, take));
        offset += take;
        this.#left -= take;
        if (this.#left === 0) this.#end(listener, offset < buffer.length);
      } else if (this.#state === State.Chunked) {
        const used = this.#chunked!.scan(buffer, offset);
        if (used < 0) {
          this.#fail("the instance sent broken chunked framing", "E_RESPONSE_FRAMING");
          return;
        }
        if (used > 0) listener.onResponseBody(slice(buffer, offset, used));
        offset += used;
        if (this.#chunked!.done) this.#end(listener, offset < buffer.length);
      } else {
        listener.onResponseBody(slice(buffer, offset, buffer.length - offset));
        offset = buffer.length;
      }
    }
    listener.flush();
  }

  #begin(head: ResponseHead): void {
    this.#reusable = head.reusable;
    if (head.framing === "length") {
      this.#state = State.Length;
      this.#left = head.length;
    } else if (head.framing === "chunked") {
      this.#state = State.Chunked;
      this.#chunked = new ChunkedScanner();
    } else if (head.framing === "close") this.#state = State.UntilClose;
  }

  #end(listener: UpstreamListener, extraBytes: boolean): void {
    this.#listener = undefined;
    this.#state = State.Head;
    if (this.#reusable && !extraBytes && listener.requestSent && !this.#paused) {
      this.idleSince = Date.now();
      this.pool.released(this);
    } else this.destroy();
    listener.onResponseEnd();
  }

  #onTimeout(): void {
    if (!this.#listener) {
      this.destroy();
      return;
    }
    if (this.#connected) this.#fail(`no answer within ${this.#timeoutMs} ms`, "E_RESPONSE_TIMEOUT");
    else this.#fail(`no connection within ${connectTimeoutMs} ms`, "E_CONNECT_TIMEOUT");
  }

  #onClose(): void {
    this.pool.removed(this);
    const listener = this.#listener;
    if (listener && this.#state === State.UntilClose) {
      this.#listener = undefined;
      listener.onResponseEnd();
      listener.flush();
      return;
    }
    this.#fail("the instance closed the connection", "E_UPSTREAM_CLOSED");
  }

  #fail(message: string, code: string): void {
    const listener = this.#listener;
    this.#listener = undefined;
    this.destroy();
    if (listener) {
      listener.onUpstreamError(new UpstreamError(message, code, this.#responded));
      listener.flush();
    }
  }
}

function slice(buffer: Buffer, offset: number, length: number): Buffer {
  return offset === 0 && length === buffer.length ? buffer : buffer.subarray(offset, offset + length);
}
