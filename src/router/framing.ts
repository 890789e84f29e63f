// HTTP/1.1 framing for the router's raw core: a request head parsed into what routing and forwarding
// need, a response head into what the body framing needs, and chunked bodies scanned (not decoded)
// to find where they end. Pure code on latin1 strings and buffers, so each rule is unit-tested alone.
// Anything this parser does not fully understand is marked `unusual` and left to node:http.
import { hopByHopHeaders } from "./headers.js";

/** The blank line that ends a head. */
export const headEnd = Buffer.from("\r\n\r\n");

// Hop-by-hop headers are shared with the node:http path; framing headers are handled separately here.
const hopByHop = hopByHopHeaders;
const tokenPattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** What the raw core needs of a client's request head. */
export interface RequestHead {
  method: string;
  url: string;
  host: string | undefined;
  /** Header lines to forward as they came ("name: value\r\n" each), without hop-by-hop, framing,
   * X-Forwarded-* and X-Request-Id (the router writes those). */
  lines: string;
  /** The declared body length, or -1 when none was declared. */
  contentLength: number;
  chunked: boolean;
  /** The client asked to close the connection after this request. */
  close: boolean;
  requestId: string | undefined;
  forwardedFor: string | undefined;
  forwardedProto: string | undefined;
  forwardedHost: string | undefined;
  idempotencyKey: boolean;
  /** Why node:http should take this request instead (upgrade, expect, HTTP/1.0, odd framing …). */
  unusual: string | undefined;
}

/** Parses a request head (without its final blank line) as latin1 text. */
export function parseRequestHead(head: string): RequestHead {
  const result: RequestHead = {
    method: "",
    url: "",
    host: undefined,
    lines: "",
    contentLength: -1,
    chunked: false,
    close: false,
    requestId: undefined,
    forwardedFor: undefined,
    forwardedProto: undefined,
    forwardedHost: undefined,
    idempotencyKey: false,
    unusual: undefined,
  };
  const lineEnd = head.indexOf("\r\n");
  const line = lineEnd < 0 ? head : head.slice(0, lineEnd);
  const firstSpace = line.indexOf(" ");
  const lastSpace = line.lastIndexOf(" ");
  if (firstSpace <= 0 || lastSpace === firstSpace) return unusual(result, "malformed request line");
  if (line.slice(lastSpace + 1) !== "HTTP/1.1") return unusual(result, "not HTTP/1.1");
  result.method = line.slice(0, firstSpace);
  result.url = line.slice(firstSpace + 1, lastSpace);
  if (!tokenPattern.test(result.method)) return unusual(result, "malformed method");
  if (result.url.charCodeAt(0) !== 47 || result.url.includes(" ")) return unusual(result, "not origin-form");
  const kept: string[] = [];
  const listed: string[] = [];
  let start = lineEnd < 0 ? head.length : lineEnd + 2;
  while (start < head.length) {
    let stop = head.indexOf("\r\n", start);
    if (stop < 0) stop = head.length;
    const colon = head.indexOf(":", start);
    const first = head.charCodeAt(start);
    if (colon <= start || colon > stop || first === 32 || first === 9)
      return unusual(result, "malformed header line");
    const name = head.slice(start, colon).toLowerCase();
    if (!tokenPattern.test(name)) return unusual(result, "malformed header name");
    const value = head.slice(colon + 1, stop).trim();
    const lineStart = start;
    start = stop + 2;
    switch (name) {
      case "host":
        if (result.host !== undefined) return unusual(result, "two Host headers");
        result.host = value;
        break;
      case "content-length": {
        const length = /^\d{1,15}$/.test(value) ? Number(value) : -1;
        if (length < 0 || result.contentLength >= 0) return unusual(result, "odd Content-Length");
        result.contentLength = length;
        continue;
      }
      case "transfer-encoding":
        if (value.toLowerCase() !== "chunked" || result.chunked)
          return unusual(result, "odd Transfer-Encoding");
        result.chunked = true;
        continue;
      case "connection":
        for (const token of value.toLowerCase().split(",")) {
          const each = token.trim();
          if (each === "close") result.close = true;
          else if (each === "upgrade") return unusual(result, "upgrade");
          else if (each && each !== "keep-alive") listed.push(each);
        }
        continue;
      case "upgrade":
        return unusual(result, "upgrade");
      case "expect":
        return unusual(result, "expect");
      case "x-forwarded-for":
        result.forwardedFor = result.forwardedFor === undefined ? value : `${result.forwardedFor}, ${value}`;
        continue;
      case "x-forwarded-proto":
        result.forwardedProto ??= value;
        continue;
      case "x-forwarded-host":
        result.forwardedHost ??= value;
        continue;
      case "x-request-id":
        result.requestId ??= value;
        continue;
      case "idempotency-key":
        result.idempotencyKey = true;
        break;
      default:
        if (hopByHop.has(name)) continue;
    }
    kept.push(name, head.slice(lineStart, stop));
  }
  if (result.host === undefined) return unusual(result, "no Host header");
  if (result.chunked && result.contentLength >= 0) return unusual(result, "both Content-Length and chunked");
  result.lines = keptLines(kept, listed);
  return result;
}

function unusual(head: RequestHead, reason: string): RequestHead {
  head.unusual = reason;
  return head;
}

/** Header lines from [name, line, name, line …], without the names a Connection header listed. */
function keptLines(kept: string[], listed: string[]): string {
  let text = "";
  for (let index = 0; index < kept.length; index += 2)
    if (listed.length === 0 || !listed.includes(kept[index]!)) text += `${kept[index + 1]}\r\n`;
  return text;
}

/** How a response body is delimited. */
export type BodyFraming = "none" | "length" | "chunked" | "close";

/** What the raw core needs of a backend's response head. */
export interface ResponseHead {
  status: number;
  /** The status line to send on: `HTTP/1.1 <code> <reason>`. */
  statusLine: string;
  /** Header lines to pass on, hop-by-hop ones, X-Request-Id and X-Agentctl-Instance left out. */
  lines: string;
  framing: BodyFraming;
  length: number;
  /** Whether the backend connection may carry another request afterwards. */
  reusable: boolean;
}

/** Parses a backend's response head; undefined when it is not valid HTTP/1.x. */
export function parseResponseHead(head: string, requestMethod: string): ResponseHead | undefined {
  const lineEnd = head.indexOf("\r\n");
  const line = lineEnd < 0 ? head : head.slice(0, lineEnd);
  if (!/^HTTP\/1\.[01] \d{3}( |$)/.test(line)) return undefined;
  const status = Number(line.slice(9, 12));
  let reusable = line.charCodeAt(7) === 49; // HTTP/1.1
  let length = -1;
  let chunked = false;
  let encoded = false;
  const kept: string[] = [];
  const listed: string[] = [];
  let start = lineEnd < 0 ? head.length : lineEnd + 2;
  while (start < head.length) {
    let stop = head.indexOf("\r\n", start);
    if (stop < 0) stop = head.length;
    const colon = head.indexOf(":", start);
    if (colon <= start || colon > stop) return undefined;
    const name = head.slice(start, colon).toLowerCase();
    const lineStart = start;
    start = stop + 2;
    if (name === "content-length") {
      const value = head.slice(colon + 1, stop).trim();
      const declared = /^\d{1,15}$/.test(value) ? Number(value) : -1;
      if (declared < 0 || (length >= 0 && declared !== length)) return undefined;
      length = declared;
    } else if (name === "transfer-encoding") {
      encoded = true;
      chunked = /(^|,)\s*chunked\s*$/i.test(head.slice(colon + 1, stop));
    } else if (name === "connection") {
      for (const token of head
        .slice(colon + 1, stop)
        .toLowerCase()
        .split(",")) {
        const each = token.trim();
        if (each === "close") reusable = false;
        else if (each && each !== "keep-alive") listed.push(each);
      }
      continue;
    } else if (hopByHop.has(name) || name === "x-request-id" || name === "x-agentctl-instance") continue;
    kept.push(name, head.slice(lineStart, stop));
  }
  let framing: BodyFraming;
  if (requestMethod === "HEAD" || status < 200 || status === 204 || status === 304) framing = "none";
  else if (chunked) framing = "chunked";
  else if (encoded || length < 0) framing = "close";
  else framing = length > 0 ? "length" : "none";
  if (framing === "close") reusable = false;
  // With chunked framing the Content-Length (if any) is wrong by definition; the client must not see it.
  if (chunked && length >= 0)
    for (let index = 0; index < kept.length; index += 2)
      if (kept[index] === "content-length") kept[index] = "";
  const reason = line.length > 13 ? line.slice(13) : "";
  return {
    status,
    statusLine: `HTTP/1.1 ${line.slice(9, 12)} ${reason}`,
    lines: keptLines(dropEmpty(kept), listed),
    framing,
    length: Math.max(length, 0),
    reusable,
  };
}

function dropEmpty(kept: string[]): string[] {
  if (!kept.includes("")) return kept;
  const result: string[] = [];
  for (let index = 0; index < kept.length; index += 2)
    if (kept[index] !== "") result.push(kept[index]!, kept[index + 1]!);
  return result;
}

/** Follows chunked framing byte by byte without decoding it: where the body ends, how much data it
 * carried (for the body-size limit), and whether the framing is broken. */
export class ChunkedScanner {
  /** The body's data bytes so far (chunk sizes summed, framing not counted). */
  dataBytes = 0;
  done = false;
  #state = 0; // 0 size, 1 extension, 2 data, 3 CR LF after data, 4 trailer line
  #remaining = 0;
  #digits = 0;
  #lineLength = 0;

  /** How many bytes of `chunk` from `offset` belong to the body (it may end inside the chunk);
   * -1 when the framing is broken. */
  scan(chunk: Buffer, offset: number): number {
    let index = offset;
    const end = chunk.length;
    while (index < end && !this.done) {
      if (this.#state === 2) {
        const take = Math.min(this.#remaining, end - index);
        index += take;
        this.#remaining -= take;
        if (this.#remaining === 0) this.#state = 3;
        continue;
      }
      const byte = chunk[index++]!;
      if (this.#state === 0 || this.#state === 1) {
        if (byte === 10) {
          if (this.#digits === 0) return -1;
          this.#digits = 0;
          if (this.#remaining === 0) {
            this.#state = 4;
            this.#lineLength = 0;
          } else {
            this.dataBytes += this.#remaining;
            this.#state = 2;
          }
        } else if (byte === 13 || this.#state === 1) continue;
        else if (byte === 59 || byte === 32 || byte === 9) this.#state = 1;
        else {
          const digit = hexValue(byte);
          if (digit < 0 || this.#digits >= 12) return -1;
          this.#remaining = this.#remaining * 16 + digit;
          this.#digits += 1;
        }
      } else if (this.#state === 3) {
        if (byte === 10) this.#state = 0;
        else if (byte !== 13) return -1;
      } else if (byte === 10) {
        if (this.#lineLength === 0) this.done = true;
        this.#lineLength = 0;
      } else if (byte !== 13) this.#lineLength += 1;
    }
    return index - offset;
  }
}

function hexValue(byte: number): number {
  if (byte >= 48 && byte <= 57) return byte - 48;
  if (byte >= 97 && byte <= 102) return byte - 87;
  if (byte >= 65 && byte <= 70) return byte - 55;
  return -1;
}
