// The router's own answers (404, 413, 502, 503, 504 …): small JSON bodies that still carry
// X-Agentctl-Instance and X-Request-Id, like every proxied answer.
import { type ServerResponse, STATUS_CODES } from "node:http";

/** The value of X-Agentctl-Instance on answers the router gives itself (404, 503, 413 …). */
export const routerInstanceName = "agentctl-router";

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

/** The same JSON answer as raw HTTP/1.1 bytes, for the raw core (which has no ServerResponse). */
export function answerText(
  status: number,
  requestId: string,
  body: unknown,
  close: boolean,
  instance = routerInstanceName,
  retryAfter = false,
): string {
  const text = `${JSON.stringify(body)}\n`;
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\n` +
    `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(text)}\r\n` +
    `x-agentctl-instance: ${instance}\r\nx-request-id: ${requestId}\r\n` +
    `${retryAfter ? "retry-after: 1\r\n" : ""}${close ? "connection: close" : "connection: keep-alive"}\r\n\r\n${text}`
  );
}
