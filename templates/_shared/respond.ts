// JSON answers in the shape every agentctl service speaks: `{success: true, result}` or
// `{success: false, error: {status, message}}`.
import type { ServerResponse } from "node:http";

/** Writes a JSON body with its length; a response already under way is only ended. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (response.headersSent) {
    if (!response.writableEnded) response.end();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...headers,
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(text)),
  });
  response.end(text);
}

/** Answers `{success: true, result}`. */
export function sendResult(response: ServerResponse, result: unknown, status = 200): void {
  sendJson(response, status, { success: true, result: result ?? null });
}

/** Answers `{success: false, error: {status, message, ...details}}`. */
export function sendError(
  response: ServerResponse,
  status: number,
  message: string,
  details: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): void {
  sendJson(response, status, { success: false, error: { status, message, ...details } }, headers);
}
