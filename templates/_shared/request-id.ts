// Request ids tie one user action together across services: an incoming X-Request-Id is kept when it
// looks sane (it ends up in logs, so length and characters are bounded), otherwise a new one is made.
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** The header carrying the id, in and out. */
export const requestIdHeader = "x-request-id";

const acceptable = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** The request's id: its X-Request-Id when acceptable, else a fresh UUID. */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers[requestIdHeader];
  const value = Array.isArray(given) ? given[0] : given;
  return value !== undefined && acceptable.test(value) ? value : randomUUID();
}
