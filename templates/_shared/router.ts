// A tiny router: exact methods, path templates with `{param}` segments. It tells "no such path" (404)
// from "path exists, wrong method" (405, with Allow) so clients get the right status.
import type { IncomingMessage, ServerResponse } from "node:http";
import { HttpError } from "./errors.js";

/** What a handler gets for one request. */
export interface RequestContext {
  request: IncomingMessage;
  response: ServerResponse;
  method: string;
  /** The path without the query string. */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  requestId: string;
  /** The parsed JSON body (bounded; 400/413/415 on bad bodies). */
  body(): Promise<unknown>;
}

/** A handler returns the `result` to answer with, or writes the response itself (e.g. SSE). */
export type Handler = (context: RequestContext) => unknown;

/** One route: `GET /memory/retrieve/{key}`. */
export interface Route {
  method: string;
  path: string;
  handler: Handler;
}

/** The outcome of matching a request. */
export type RouteMatch =
  | { kind: "found"; route: Route; params: Record<string, string> }
  | { kind: "wrong-method"; allowed: string[] }
  | { kind: "none" };

interface Compiled {
  route: Route;
  segments: string[];
}

/** Compiles routes into a matcher. */
export function createRouter(routes: readonly Route[]): (method: string, path: string) => RouteMatch {
  const compiled: Compiled[] = routes.map((route) => ({ route, segments: splitPath(route.path) }));
  return (method, path) => {
    const segments = splitPath(path);
    const allowed: string[] = [];
    for (const entry of compiled) {
      const params = matchSegments(entry.segments, segments);
      if (!params) continue;
      if (entry.route.method === method) return { kind: "found", route: entry.route, params };
      allowed.push(entry.route.method);
    }
    return allowed.length > 0 ? { kind: "wrong-method", allowed } : { kind: "none" };
  };
}

function splitPath(path: string): string[] {
  return path.split("/").filter((segment) => segment !== "");
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let index = 0; index < pattern.length; index += 1) {
    const expected = pattern[index]!;
    const given = actual[index]!;
    if (expected.startsWith("{") && expected.endsWith("}")) {
      params[expected.slice(1, -1)] = decodeSegment(given);
    } else if (expected !== given) {
      return undefined;
    }
  }
  return params;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `path segment "${segment}" is not valid percent-encoding`);
  }
}
