// The part every service shares around its own routes: request ids, one log line per request,
// /health and /ready, JSON errors with proper statuses, optional authorization. The result is a plain
// request handler plus close(), so `serve()` can listen with it and a Lambda adapter can reuse it.
import type { IncomingMessage, ServerResponse } from "node:http";
import { defaultBodyLimit, readJsonBody } from "./body.js";
import { HttpError } from "./errors.js";
import { createLogger, type Logger } from "./log.js";
import { requestIdHeader, requestIdOf } from "./request-id.js";
import { sendError, sendJson, sendResult } from "./respond.js";
import { createRouter, type RequestContext, type Route } from "./router.js";

/** What a service is made of. */
export interface ServiceOptions {
  name: string;
  routes: readonly Route[];
  logger?: Logger;
  /** Largest JSON body accepted, in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** Extra readiness condition, on top of "listening and not shutting down". */
  isReady?: () => boolean | Promise<boolean>;
  /** Runs before every route except /health and /ready; throws an HttpError to refuse. */
  authorize?: (context: RequestContext) => void;
  /** Releases what the service holds (connections, timers) at shutdown. */
  onClose?: () => void | Promise<void>;
  /** Log /health and /ready requests too (default true; probes can be noisy). */
  logProbes?: boolean;
}

/** A service: its request handler, readiness switch and close(). */
export interface App {
  name: string;
  logger: Logger;
  handle(request: IncomingMessage, response: ServerResponse): Promise<void>;
  /** Set by serve(): true once listening, false when shutting down. */
  setReady(ready: boolean): void;
  close(): Promise<void>;
}

const probePaths = new Set(["/health", "/ready"]);

/** Builds the request handler of a service around its routes. */
export function createService(options: ServiceOptions): App {
  const logger = options.logger ?? createLogger(options.name);
  const match = createRouter(options.routes);
  const limit = options.maxBodyBytes ?? defaultBodyLimit;
  const started = performance.now();
  let ready = false;
  let closed = false;

  const probe = async (path: string, response: ServerResponse) => {
    if (path === "/health") {
      const uptime = Math.round(performance.now() - started) / 1000;
      sendJson(response, 200, { status: "healthy", service: options.name, uptime });
      return;
    }
    const isReady = ready && !closed && (options.isReady ? await options.isReady() : true);
    sendJson(response, isReady ? 200 : 503, {
      status: isReady ? "ready" : "not_ready",
      service: options.name,
    });
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const begun = performance.now();
    const requestId = requestIdOf(request);
    const method = request.method ?? "GET";
    const target = request.url ?? "/";
    const mark = target.indexOf("?");
    const rawPath = (mark === -1 ? target : target.slice(0, mark)) || "/";
    const rawQuery = mark === -1 ? "" : target.slice(mark + 1);
    const path = rawPath.length > 1 ? rawPath.replace(/\/+$/, "") : rawPath;
    response.setHeader(requestIdHeader, requestId);
    if (options.logProbes !== false || !probePaths.has(path)) {
      response.once("close", () => {
        const status = response.statusCode;
        logger.log(status >= 500 ? "error" : "info", {
          method,
          path,
          status,
          ms: Math.round((performance.now() - begun) * 10) / 10,
          requestId,
          ...(response.writableFinished ? {} : { aborted: true }),
        });
      });
    }
    let parsedBody: Promise<unknown> | undefined;
    try {
      if (method === "GET" && probePaths.has(path)) return await probe(path, response);
      const context: RequestContext = {
        request,
        response,
        method,
        path,
        params: {},
        query: new URLSearchParams(rawQuery),
        requestId,
        // The body stream can be read once; later calls get the same parse.
        body: () => {
          parsedBody ??= readJsonBody(request, limit);
          return parsedBody;
        },
      };
      options.authorize?.(context);
      const found = match(method, path);
      if (found.kind === "none") throw new HttpError(404, `no route for ${method} ${path}`);
      if (found.kind === "wrong-method") {
        throw new HttpError(
          405,
          `${method} is not allowed on ${path}; allowed: ${found.allowed.join(", ")}`,
          {
            headers: { allow: found.allowed.join(", ") },
          },
        );
      }
      context.params = found.params;
      const result = await found.route.handler(context);
      if (!response.headersSent) sendResult(response, result);
    } catch (error) {
      answerError(error, response, logger, requestId);
    }
  };

  return {
    name: options.name,
    logger,
    handle,
    setReady: (value) => {
      ready = value;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await options.onClose?.();
    },
  };
}

function answerError(error: unknown, response: ServerResponse, logger: Logger, requestId: string): void {
  if (error instanceof HttpError) {
    if (response.headersSent) {
      if (!response.writableEnded) response.end();
      return;
    }
    sendError(response, error.status, error.message, error.details, error.headers);
    return;
  }
  // Unexpected failures are logged in full but answered without internals.
  logger.error("unhandled error", {
    requestId,
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  if (response.headersSent) {
    if (!response.writableEnded) response.end();
    return;
  }
  sendError(response, 500, "internal error; see the service log");
}
