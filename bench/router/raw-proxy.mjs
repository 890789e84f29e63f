// A measurement, not a feature: an HTTP/1.1 pass-through on node:net sockets, to see how far a
// leaner proxy core than node:http + undici gets on this stack. It parses only the request head
// (request line, Host, Content-Length / Transfer-Encoding, Connection) and the response framing
// (status line, Content-Length / chunked / close-delimited), rewrites the heads as the router does
// (hop-by-hop headers dropped, X-Forwarded-For/Proto/Host, X-Request-Id, /<service> prefix stripped,
// X-Agentctl-Instance added), picks a backend round-robin and streams every other byte through over
// pooled keep-alive backend sockets, corking so a head and the bytes after it leave in one write.
// No breakers, metrics or retries; Upgrade and Expect are refused (the router would hand those on).
// Usage: node bench/router/raw-proxy.mjs <backend URL>... (prints "listening <port>").
import { connect, createServer } from "node:net";

const headEnd = Buffer.from("\r\n\r\n");
const maxHead = 16 * 1024;
const hopByHop = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "upgrade",
  "expect",
  "http2-settings",
]);

const backends = process.argv.slice(2).map((text, index) => {
  const url = new URL(text);
  return { id: `echo-${index}`, host: url.hostname, port: Number(url.port), idle: [] };
});
let cursor = 0;
let sequence = 0;
const bootId = Date.now().toString(36);

// Chunked framing, scanned (not decoded): feed bytes, learn where the body ends.
class ChunkedScanner {
  state = 0; // 0 size line, 1 data, 2 CRLF after data, 3 trailer line
  remaining = 0;
  lineLength = 0;
  sawSize = false;
  /** Bytes of `chunk` from `offset` that belong to the body; -1 when framing is broken. */
  scan(chunk, offset) {
    let i = offset;
    const end = chunk.length;
    while (i < end) {
      if (this.state === 1) {
        const take = Math.min(this.remaining, end - i);
        i += take;
        this.remaining -= take;
        if (this.remaining === 0) this.state = 2;
        continue;
      }
      const byte = chunk[i++];
      if (this.state === 0) {
        if (byte === 10) {
          if (!this.sawSize) return -1;
          this.sawSize = false;
          this.extension = false;
          if (this.remaining === 0) {
            this.state = 3;
            this.lineLength = 0;
          } else this.state = 1;
        } else if (byte === 13 || this.extension) continue;
        else if (byte === 59) this.extension = true;
        else {
          const digit = hexValue(byte);
          if (digit < 0 || this.remaining > 0xfffffff) return -1;
          this.remaining = this.remaining * 16 + digit;
          this.sawSize = true;
        }
      } else if (this.state === 2) {
        if (byte === 10) this.state = 0;
        else if (byte !== 13) return -1;
      } else {
        // trailer section: lines until an empty one
        if (byte === 10) {
          if (this.lineLength === 0) {
            this.done = true;
            return i - offset;
          }
          this.lineLength = 0;
        } else if (byte !== 13) this.lineLength++;
      }
    }
    return i - offset;
  }
}

function hexValue(byte) {
  if (byte >= 48 && byte <= 57) return byte - 48;
  if (byte >= 97 && byte <= 102) return byte - 87;
  if (byte >= 65 && byte <= 70) return byte - 55;
  return -1;
}

// One client connection: requests handled one at a time, pipelined ones wait in `pending`.
class Client {
  constructor(socket) {
    this.socket = socket;
    this.pending = null;
    this.exchange = null;
    this.closed = false;
    socket.setNoDelay(true);
    socket.on("data", (chunk) => this.onData(chunk));
    socket.on("error", () => this.onClose());
    socket.on("close", () => this.onClose());
  }

  onData(chunk) {
    const exchange = this.exchange;
    if (exchange?.requestBodyOpen) {
      const used = exchange.requestBody(chunk, 0);
      if (used === chunk.length) return;
      chunk = chunk.subarray(used);
    }
    this.pending = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    if (!this.exchange) this.next();
    else if (this.pending.length > maxHead) this.socket.pause();
  }

  next() {
    const buffer = this.pending;
    if (!buffer || this.closed) return;
    const end = buffer.indexOf(headEnd);
    if (end < 0) {
      if (buffer.length > maxHead) this.fail("431 Request Header Fields Too Large");
      return;
    }
    if (end > maxHead) return this.fail("431 Request Header Fields Too Large");
    this.pending = end + 4 < buffer.length ? buffer.subarray(end + 4) : null;
    const exchange = new Exchange(this, buffer.latin1Slice(0, end));
    if (exchange.invalid) return this.fail("400 Bad Request");
    this.exchange = exchange;
    exchange.start();
    if (exchange.requestBodyOpen && this.pending) {
      const rest = this.pending;
      const used = exchange.requestBody(rest, 0);
      this.pending = used < rest.length ? rest.subarray(used) : null;
    }
  }

  done(keepAlive) {
    this.exchange = null;
    if (!keepAlive) {
      this.socket.end();
      this.closed = true;
      return;
    }
    if (this.socket.isPaused()) this.socket.resume();
    if (this.pending) this.next();
  }

  fail(status) {
    this.closed = true;
    this.socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  }

  onClose() {
    if (this.closed && !this.exchange) return;
    this.closed = true;
    this.exchange?.clientGone();
  }
}

class Exchange {
  constructor(client, head) {
    this.client = client;
    this.invalid = false;
    this.requestBodyOpen = false;
    this.contentLength = 0;
    this.chunked = null;
    const lineEnd = head.indexOf("\r\n");
    const line = lineEnd < 0 ? head : head.slice(0, lineEnd);
    const firstSpace = line.indexOf(" ");
    const lastSpace = line.lastIndexOf(" ");
    if (firstSpace <= 0 || lastSpace === firstSpace || line.slice(lastSpace + 1) !== "HTTP/1.1") {
      this.invalid = true;
      return;
    }
    this.method = line.slice(0, firstSpace);
    const url = line.slice(firstSpace + 1, lastSpace);
    let forwarded = "";
    let host = "";
    let priorFor = "";
    let priorProto = "";
    let priorHost = "";
    let requestId = "";
    let keepAlive = true;
    let start = lineEnd + 2;
    while (lineEnd > 0 && start < head.length) {
      let stop = head.indexOf("\r\n", start);
      if (stop < 0) stop = head.length;
      const colon = head.indexOf(":", start);
      if (colon < 0 || colon > stop) {
        this.invalid = true;
        return;
      }
      const name = head.slice(start, colon).toLowerCase();
      const value = head.slice(colon + 1, stop).trim();
      const lineStart = start;
      start = stop + 2;
      switch (name) {
        case "host":
          host = value;
          break;
        case "content-length":
          this.contentLength = Number(value);
          if (!Number.isSafeInteger(this.contentLength) || this.contentLength < 0) this.invalid = true;
          continue;
        case "transfer-encoding":
          if (value.toLowerCase() !== "chunked") this.invalid = true;
          this.chunked = new ChunkedScanner();
          continue;
        case "connection":
          if (value.toLowerCase() === "close") keepAlive = false;
          continue;
        case "x-forwarded-for":
          priorFor = value;
          continue;
        case "x-forwarded-proto":
          priorProto = value;
          continue;
        case "x-forwarded-host":
          priorHost = value;
          continue;
        case "x-request-id":
          requestId = value;
          continue;
        case "upgrade":
        case "expect":
          this.invalid = true; // the router hands these to its node:http path
          return;
        default:
          if (hopByHop.has(name)) continue;
      }
      forwarded += `${head.slice(lineStart, stop)}\r\n`;
    }
    this.keepAlive = keepAlive;
    this.requestId = requestId || `${bootId}-${(++sequence).toString(36)}`;
    // /<service>/rest → /rest (the router's path routing)
    const slash = url.indexOf("/", 1);
    const path = slash < 0 ? "/" : url.slice(slash);
    const address = client.socket.remoteAddress ?? "";
    this.head =
      `${this.method} ${path} HTTP/1.1\r\n${forwarded}` +
      `x-forwarded-for: ${priorFor ? `${priorFor}, ${address}` : address}\r\n` +
      `x-forwarded-proto: ${priorProto || "http"}\r\nx-forwarded-host: ${priorHost || host}\r\n` +
      `x-request-id: ${this.requestId}\r\n`;
  }

  start() {
    const backend = backends[cursor++ % backends.length];
    this.backend = backend;
    const upstream = backend.idle.pop() ?? new Upstream(backend);
    this.upstream = upstream;
    upstream.exchange = this;
    let framing = "";
    if (this.chunked) {
      framing = "transfer-encoding: chunked\r\n";
      this.requestBodyOpen = true;
    } else if (this.contentLength > 0) {
      framing = `content-length: ${this.contentLength}\r\n`;
      this.requestBodyOpen = true;
      this.bodyLeft = this.contentLength;
    }
    upstream.socket.write(`${this.head}${framing}\r\n`, "latin1");
  }

  /** Forwards request body bytes; returns how many of `chunk` from `offset` were body. */
  requestBody(chunk, offset) {
    let used;
    if (this.chunked) {
      used = this.chunked.scan(chunk, offset);
      if (used < 0) {
        this.client.socket.destroy();
        return chunk.length;
      }
      if (this.chunked.done) this.requestBodyOpen = false;
    } else {
      used = Math.min(this.bodyLeft, chunk.length - offset);
      this.bodyLeft -= used;
      if (this.bodyLeft === 0) this.requestBodyOpen = false;
    }
    if (used > 0) {
      const part = offset === 0 && used === chunk.length ? chunk : chunk.subarray(offset, offset + used);
      if (!this.upstream.socket.write(part)) {
        this.client.socket.pause();
        this.upstream.socket.once("drain", () => this.client.socket.resume());
      }
    }
    return used;
  }

  // --- response side, called by the upstream connection ---
  responseHead(status, lines, body) {
    // body: "length" with n, "chunked", "close" or "none"
    const socket = this.client.socket;
    const keepAlive = this.keepAlive && body !== "close";
    const head =
      `HTTP/1.1 ${status}\r\n${lines}x-agentctl-instance: ${this.backend.id}\r\n` +
      `x-request-id: ${this.requestId}\r\n${keepAlive ? "" : "connection: close\r\n"}\r\n`;
    this.clientKeepAlive = keepAlive;
    socket.cork();
    socket.write(head, "latin1");
  }

  responseBody(chunk) {
    if (!this.client.socket.write(chunk)) {
      this.upstream.socket.pause();
      this.client.socket.once("drain", () => this.upstream.socket.resume());
    }
  }

  responseEnd() {
    const socket = this.client.socket;
    if (socket.writableCorked) socket.uncork();
    this.client.done(this.clientKeepAlive);
  }

  responseError() {
    const socket = this.client.socket;
    if (socket.writableCorked) socket.uncork();
    if (!this.headSent)
      socket.end("HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
    else socket.destroy();
    this.client.closed = true;
    this.client.exchange = null;
  }

  clientGone() {
    this.upstream?.socket.destroy();
  }
}

// One pooled keep-alive connection to a backend, parsing response framing.
class Upstream {
  constructor(backend) {
    this.backend = backend;
    this.exchange = null;
    this.buffer = null;
    this.state = 0; // 0 head, 1 length body, 2 chunked, 3 until close
    this.left = 0;
    this.chunked = null;
    this.reusable = true;
    this.socket = connect({ host: backend.host, port: backend.port });
    this.socket.setNoDelay(true);
    this.socket.on("data", (chunk) => this.onData(chunk));
    this.socket.on("error", () => undefined);
    this.socket.on("close", () => this.onClose());
  }

  onData(chunk) {
    const exchange = this.exchange;
    if (!exchange) return this.socket.destroy(); // bytes nobody asked for
    if (this.state === 0) {
      const buffer = this.buffer ? Buffer.concat([this.buffer, chunk]) : chunk;
      const end = buffer.indexOf(headEnd);
      if (end < 0) {
        this.buffer = buffer;
        return;
      }
      this.buffer = null;
      if (!this.parseHead(buffer.latin1Slice(0, end))) {
        exchange.responseError();
        this.socket.destroy();
        return;
      }
      exchange.headSent = true;
      chunk = buffer.subarray(end + 4);
      if (this.state === 0) return this.finish(chunk); // no body
    }
    if (this.state === 1) {
      const take = Math.min(this.left, chunk.length);
      if (take > 0) exchange.responseBody(take === chunk.length ? chunk : chunk.subarray(0, take));
      this.left -= take;
      if (this.left === 0) this.finish(chunk.subarray(take));
    } else if (this.state === 2) {
      const used = this.chunked.scan(chunk, 0);
      if (used < 0) return this.socket.destroy();
      if (used > 0) exchange.responseBody(used === chunk.length ? chunk : chunk.subarray(0, used));
      if (this.chunked.done) this.finish(chunk.subarray(used));
    } else exchange.responseBody(chunk);
  }

  parseHead(head) {
    const lineEnd = head.indexOf("\r\n");
    const line = lineEnd < 0 ? head : head.slice(0, lineEnd);
    if (!line.startsWith("HTTP/1.")) return false;
    const status = line.slice(9);
    const code = Number(line.slice(9, 12));
    let lines = "";
    let length = -1;
    let chunked = false;
    let start = lineEnd + 2;
    this.reusable = line.startsWith("HTTP/1.1");
    while (lineEnd > 0 && start < head.length) {
      let stop = head.indexOf("\r\n", start);
      if (stop < 0) stop = head.length;
      const colon = head.indexOf(":", start);
      if (colon < 0 || colon > stop) return false;
      const name = head.slice(start, colon).toLowerCase();
      const lineStart = start;
      start = stop + 2;
      if (name === "content-length") length = Number(head.slice(colon + 1, stop).trim());
      else if (name === "transfer-encoding") chunked = /chunked\s*$/i.test(head.slice(colon + 1, stop));
      else if (name === "connection") {
        if (/close/i.test(head.slice(colon + 1, stop))) this.reusable = false;
        continue;
      } else if (hopByHop.has(name)) continue;
      lines += `${head.slice(lineStart, stop)}\r\n`;
    }
    let body;
    if (this.exchange.method === "HEAD" || code === 204 || code === 304 || code < 200) {
      this.state = 0;
      body = "none";
    } else if (chunked) {
      this.state = 2;
      this.chunked = new ChunkedScanner();
      body = "chunked";
    } else if (length >= 0) {
      this.state = length > 0 ? 1 : 0;
      this.left = length;
      body = "length";
    } else {
      this.state = 3;
      this.reusable = false;
      body = "close";
    }
    this.exchange.responseHead(status, lines, body);
    return true;
  }

  finish(rest) {
    const exchange = this.exchange;
    this.exchange = null;
    this.state = 0;
    if (rest.length > 0 || !this.reusable) this.socket.destroy();
    else this.backend.idle.push(this);
    exchange.responseEnd();
  }

  onClose() {
    const index = this.backend.idle.indexOf(this);
    if (index >= 0) this.backend.idle.splice(index, 1);
    const exchange = this.exchange;
    if (!exchange) return;
    this.exchange = null;
    if (this.state === 3) exchange.responseEnd();
    else exchange.responseError();
  }
}

const server = createServer((socket) => new Client(socket));
server.listen(0, "127.0.0.1", () => process.stdout.write(`listening ${server.address().port}\n`));
process.on("SIGTERM", () => process.exit(0));
