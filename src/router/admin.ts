// The admin API under /_agentctl/ on the router's own port. Everything that reads or changes the
// registry requires the control token (Authorization: Bearer <token>); /_agentctl/health and
// /_agentctl/metrics are open, because the router listens on 127.0.0.1 and Prometheus scrapers
// rarely carry tokens — they expose figures and service names, no secrets.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ErrorCode } from "../errors.js";
import { carriesToken, errorBody, errorBodyOf, errorStatus, readJsonBody } from "../protocol/api-http.js";
import { answer } from "./answer.js";
import type { MeteredInstance } from "./metrics.js";
import { type Instance, type InstanceState, instanceStates, type Registry } from "./registry.js";

/** The path prefix of the admin API. */
export const adminPrefix = "/_agentctl";

/** An instance as the admin API and `agentctl registry` show it. */
export interface InstanceView extends Instance {
  breaker: string;
  inflight: number;
  requests: number;
  errors: number;
}

/** What the admin API reads and changes. */
export interface AdminContext {
  registry: Registry;
  /** An instance's breaker, in-flight count and figures (summed over worker processes when there are). */
  metered(id: string): MeteredInstance | undefined;
  token: string;
  routerUrl: () => string;
  metricsText: () => string;
  snapshot: () => unknown;
  /** Brings figures kept elsewhere (router worker processes) up to date before an answer uses them. */
  refresh?: () => Promise<void>;
}

/** The registry joined with each instance's breaker state, in-flight count and totals. */
export function instanceViews(
  registry: Registry,
  metered: (id: string) => MeteredInstance | undefined,
): InstanceView[] {
  return registry.list().map((instance) => {
    const target = metered(instance.id);
    return {
      ...instance,
      breaker: target?.breaker ?? "closed",
      inflight: target?.inflight ?? 0,
      requests: target?.stats.requests ?? 0,
      errors: target?.stats.errors ?? 0,
    };
  });
}

/** Handles a request under /_agentctl/. */
export async function handleAdmin(request: IncomingMessage, response: ServerResponse, context: AdminContext) {
  try {
    await routeAdmin(request, response, context);
  } catch (error) {
    const requestId = (request.headers["x-request-id"] as string | undefined) ?? "admin";
    const body = errorBodyOf(error);
    answer(response, errorStatus(body.code), requestId, body);
  }
}

/** An error answer of the admin API, in the shape the control API uses too. */
function refuse(response: ServerResponse, requestId: string, code: ErrorCode, message: string, extra = {}) {
  return answer(response, errorStatus(code), requestId, { ...errorBody(code, message), ...extra });
}

async function routeAdmin(request: IncomingMessage, response: ServerResponse, context: AdminContext) {
  const requestId = (request.headers["x-request-id"] as string | undefined) ?? "admin";
  const url = new URL(request.url ?? "/", "http://router");
  const path = url.pathname.slice(adminPrefix.length) || "/";
  const method = request.method ?? "GET";
  if (method === "GET" && path === "/health") return answer(response, 200, requestId, { ok: true });
  if (method === "GET" && path === "/metrics") {
    await context.refresh?.();
    const text = context.metricsText();
    response.writeHead(200, {
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
      "content-length": Buffer.byteLength(text),
    });
    return response.end(text);
  }
  if (!carriesToken(request, context.token))
    return refuse(
      response,
      requestId,
      "E_UNAUTHORIZED",
      "the admin API needs the control token: Authorization: Bearer <token from .agentctl/token>",
    );
  const { registry } = context;
  if (method === "GET" && (path === "/instances" || path === "/snapshot")) await context.refresh?.();
  if (method === "GET" && path === "/instances")
    return answer(response, 200, requestId, instanceViews(registry, context.metered));
  if (method === "GET" && path === "/snapshot") return answer(response, 200, requestId, context.snapshot());
  if (method === "GET" && path === "/services") {
    const services = registry.services().map((service) => ({
      service,
      url: `${context.routerUrl()}/${service}`,
      ready: registry.ready(service).length,
      instances: registry
        .list()
        .filter((instance) => instance.service === service)
        .map((instance) => instance.id),
    }));
    return answer(response, 200, requestId, services);
  }
  if (method === "POST" && path === "/instances") {
    const input = await readJsonBody(request);
    const problem = checkRegistration(input);
    if (problem) return refuse(response, requestId, "E_BAD_REQUEST", problem);
    const body = input as {
      service: string;
      url: string;
      id?: string;
      replica?: number;
      state?: InstanceState;
    };
    const replica = body.replica ?? registry.list().filter((i) => i.service === body.service).length;
    const instance = registry.register({
      id: body.id ?? `${body.service}-ext-${replica}`,
      service: body.service,
      replica,
      url: body.url,
      state: body.state ?? "ready",
      source: "external",
    });
    return answer(response, 201, requestId, instance);
  }
  const match = /^\/instances\/([^/]+)$/.exec(path);
  if (match) {
    const id = decodeURIComponent(match[1]!);
    if (method === "DELETE") {
      const removed = registry.deregister(id);
      return removed
        ? answer(response, 200, requestId, removed)
        : refuse(response, requestId, "E_NOT_FOUND", `no instance "${id}"`);
    }
    if (method === "PATCH") {
      const input = (await readJsonBody(request)) as { state?: string } | undefined;
      if (!input || !instanceStates.includes(input.state as InstanceState))
        return refuse(
          response,
          requestId,
          "E_BAD_REQUEST",
          `expected {"state": one of ${instanceStates.join(", ")}}`,
        );
      const updated = registry.update(id, { state: input.state as InstanceState });
      return updated
        ? answer(response, 200, requestId, updated)
        : refuse(response, requestId, "E_NOT_FOUND", `no instance "${id}"`);
    }
  }
  return refuse(response, requestId, "E_NOT_FOUND", `no admin route ${method} ${adminPrefix}${path}`, {
    routes: [
      "GET /health",
      "GET /metrics",
      "GET /instances",
      "POST /instances",
      "PATCH /instances/:id",
      "DELETE /instances/:id",
      "GET /services",
      "GET /snapshot",
    ],
  });
}

function checkRegistration(input: unknown): string | undefined {
  if (!input || typeof input !== "object")
    return 'expected a JSON object like {"service": "tools", "url": "http://127.0.0.1:7001"}';
  const body = input as Record<string, unknown>;
  if (typeof body.service !== "string" || !/^[a-z][a-z0-9-]*$/.test(body.service))
    return `expected "service" to be a lower-case name, got ${JSON.stringify(body.service)}`;
  if (typeof body.url !== "string" || !/^https?:\/\/[^/]+\/?$/.test(body.url))
    return `expected "url" like http://127.0.0.1:7001 (no path), got ${JSON.stringify(body.url)}`;
  if (body.state !== undefined && !instanceStates.includes(body.state as InstanceState))
    return `expected "state" to be one of ${instanceStates.join(", ")}, got ${JSON.stringify(body.state)}`;
  if (body.replica !== undefined && !Number.isInteger(body.replica))
    return `expected "replica" to be a whole number`;
  if (body.id !== undefined && (typeof body.id !== "string" || body.id === ""))
    return `expected "id" to be a non-empty string`;
  return undefined;
}
