// What the supervisor's control API and the router's admin API share on the wire: the token check, the
// JSON request body, and the one shape of an error answer. The same shape is what `--json` prints for a
// failed command, so a script reads every agentctl error the same way:
//   { "error": "<message>", "code": "E_…", "hint": "<what to do>" }
// `error` stays the message string because the router's own answers (404, 502, 503 …) already say
// { "error": "…" } on the same port.
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { AgentctlError, type ErrorBody, type ErrorCode, errorBody, isErrorCode } from "../errors.js";

export { type ErrorBody, errorBody } from "../errors.js";

/** The error answer for a thrown value: its code when agentctl raised it, E_INTERNAL otherwise. */
export function errorBodyOf(error: unknown): ErrorBody {
  if (error instanceof AgentctlError) return errorBody(error.code, error.message, error.hint);
  return errorBody("E_INTERNAL", error instanceof Error ? error.message : String(error));
}

const statusByCode: Partial<Record<ErrorCode, number>> = {
  E_UNAUTHORIZED: 401,
  E_NOT_FOUND: 404,
  E_BODY_TOO_LARGE: 413,
  E_INTERNAL: 500,
};

/** The HTTP status an error answer with this code goes out with (400 unless named otherwise). */
export function errorStatus(code: ErrorCode): number {
  return statusByCode[code] ?? 400;
}

/**
 * Whether the request carries `token`, as `Authorization: Bearer <token>` or `X-Agentctl-Token`,
 * compared in constant time.
 */
export function carriesToken(request: IncomingMessage, token: string): boolean {
  const header = request.headers.authorization;
  const given = header?.startsWith("Bearer ")
    ? header.slice(7).trim()
    : (request.headers["x-agentctl-token"] as string | undefined);
  if (!given || !token) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The size limit of a request body to the control and admin APIs. */
export const maxJsonBodyBytes = 64 * 1024;

/** Reads a JSON request body; an empty body is undefined. Throws E_BODY_TOO_LARGE or E_BAD_REQUEST. */
export async function readJsonBody(request: IncomingMessage, limit = maxJsonBodyBytes): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit)
      throw new AgentctlError("E_BODY_TOO_LARGE", `the request body is over the limit of ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new AgentctlError("E_BAD_REQUEST", "the request body is not JSON");
  }
}

/** The error an API client raises for an error answer: the server's code, message and hint. */
export function errorFromAnswer(body: unknown, status: number, fallback: ErrorCode): AgentctlError {
  const answer = (body ?? {}) as Partial<Record<keyof ErrorBody, unknown>>;
  const message = typeof answer.error === "string" ? answer.error : `the API answered ${status}`;
  const hint = typeof answer.hint === "string" ? answer.hint : undefined;
  return new AgentctlError(isErrorCode(answer.code) ? answer.code : fallback, message, { hint });
}
