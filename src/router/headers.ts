// Header rules of a proxy: hop-by-hop headers stay on their hop (RFC 9110 §7.6.1), and the backend
// learns who asked through X-Forwarded-For/Proto/Host and X-Request-Id.
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";

/** Headers that stay on their hop (RFC 9110 §7.6.1); the framing header, transfer-encoding, aside. */
export const hopByHopHeaders: ReadonlySet<string> = new Set([
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
// undici refuses some of these in a request (connection, keep-alive, transfer-encoding, upgrade, expect)
// and frames bodies itself, so this path drops transfer-encoding too.
const hopByHop = new Set([...hopByHopHeaders, "transfer-encoding"]);

/** The headers to send to the backend for a client's request. */
export function forwardRequestHeaders(
  request: IncomingMessage,
  requestId: string,
): Record<string, string | string[]> {
  const source = request.headers;
  const listed = connectionTokens(source.connection);
  const headers: Record<string, string | string[]> = {};
  for (const name in source) {
    if (hopByHop.has(name) || listed?.has(name)) continue;
    const value = source[name];
    if (value !== undefined) headers[name] = value;
  }
  const address = request.socket.remoteAddress ?? "";
  const prior = source["x-forwarded-for"];
  headers["x-forwarded-for"] = prior ? `${prior}, ${address}` : address;
  headers["x-forwarded-proto"] = (source["x-forwarded-proto"] as string | undefined) ?? "http";
  headers["x-forwarded-host"] = (source["x-forwarded-host"] as string | undefined) ?? source.host ?? "";
  headers["x-request-id"] = requestId;
  return headers;
}

/** The backend's response headers minus hop-by-hop ones, plus the instance and request id. */
export function responseHeaders(
  source: Record<string, string | string[] | undefined>,
  instance: string,
  requestId: string,
): Record<string, string | string[]> {
  const listed = connectionTokens(source.connection);
  const headers: Record<string, string | string[]> = {};
  for (const name in source) {
    if (hopByHop.has(name) || listed?.has(name)) continue;
    const value = source[name];
    if (value !== undefined) headers[name] = value;
  }
  headers["x-agentctl-instance"] = instance;
  headers["x-request-id"] = requestId;
  return headers;
}

/** Names listed in a Connection header (they are hop-by-hop too), or undefined when it lists none. */
function connectionTokens(value: IncomingHttpHeaders["connection"] | string[]): Set<string> | undefined {
  if (!value) return undefined;
  const text = Array.isArray(value) ? value.join(",") : value;
  if (text === "keep-alive" || text === "close") return undefined;
  return new Set(text.split(",").map((token) => token.trim().toLowerCase()));
}
