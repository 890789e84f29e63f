// API keys: when GATEWAY_API_KEYS is set, every route but /health and /ready needs one of them, as
// `Authorization: Bearer <key>` or `X-API-Key: <key>`. Keys are compared as SHA-256 digests with
// timingSafeEqual, so neither a key's length nor its prefix leaks through response times.
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { HttpError } from "../../_shared/errors.js";
import type { RequestContext } from "../../_shared/router.js";

/** Refuses requests without one of `keys`; with no keys, lets everything through. */
export function apiKeyAuthorizer(keys: readonly string[]): ((context: RequestContext) => void) | undefined {
  if (keys.length === 0) return undefined;
  const digests = keys.map(digest);
  return (context) => {
    const presented = presentedKey(context.request);
    if (presented === undefined) {
      throw unauthorized("missing API key: send Authorization: Bearer <key> or X-API-Key: <key>");
    }
    const given = digest(presented);
    let accepted = false;
    for (const known of digests) accepted = timingSafeEqual(given, known) || accepted;
    if (!accepted) throw unauthorized("invalid API key");
  };
}

function presentedKey(request: IncomingMessage): string | undefined {
  const authorization = request.headers.authorization;
  const bearer = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  if (bearer) return bearer[1];
  const header = request.headers["x-api-key"];
  const value = Array.isArray(header) ? header[0] : header;
  return value?.trim() ? value.trim() : undefined;
}

function digest(key: string): Buffer {
  return createHash("sha256").update(key).digest();
}

function unauthorized(message: string): HttpError {
  return new HttpError(401, message, { headers: { "www-authenticate": 'Bearer realm="agentctl"' } });
}
