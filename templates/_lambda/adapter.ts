// Runs a service's own HTTP handler on AWS Lambda behind API Gateway (HTTP API, payload format 2.0).
// The handler is served once per cold start on a private 127.0.0.1 port and each event becomes a real
// HTTP request to it, so the service behaves exactly as in a process or a container (same routing,
// body limits, errors, streaming collected into one answer).
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** The part of an app the adapter needs (templates/_shared/service.ts `App`). */
export interface HandlerApp {
  handle(request: IncomingMessage, response: ServerResponse): Promise<void> | void;
  setReady?(ready: boolean): void;
}

/** An API Gateway v2 (HTTP API) event, the fields the adapter reads. */
export interface ApiGatewayV2Event {
  rawPath: string;
  rawQueryString?: string;
  headers?: Record<string, string | undefined>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
  requestContext: { http: { method: string; sourceIp?: string }; requestId?: string };
}

/** What the handler returns to API Gateway. */
export interface ApiGatewayV2Result {
  statusCode: number;
  headers: Record<string, string>;
  cookies?: string[];
  body: string;
  isBase64Encoded: boolean;
}

/** Options of the adapter. */
export interface LambdaAdapterOptions {
  /** A path prefix removed before the app sees the path (services reached under /_services/<name>). */
  stripPrefix?: string;
}

const textual = /^(text\/|application\/(json|javascript|xml|x-www-form-urlencoded)|[^;]*\+json|[^;]*\+xml)/i;

/** Turns an app into a Lambda handler for API Gateway v2 events. */
export function createLambdaHandler(
  app: HandlerApp,
  options: LambdaAdapterOptions = {},
): (event: ApiGatewayV2Event) => Promise<ApiGatewayV2Result> {
  let port: Promise<number> | undefined;
  const listen = () => {
    port ??= new Promise<number>((resolve, reject) => {
      const server = createServer((req, res) => void app.handle(req, res));
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        app.setReady?.(true);
        // The Lambda sandbox freezes between events; an unref'd server never holds the event loop open.
        server.unref();
        resolve((server.address() as AddressInfo).port);
      });
    });
    return port;
  };
  return async (event) => forward(await listen(), event, options);
}

/** The path the app sees: the raw path without the strip prefix. */
export function appPath(rawPath: string, stripPrefix?: string): string {
  if (!stripPrefix || !rawPath.startsWith(stripPrefix)) return rawPath || "/";
  const rest = rawPath.slice(stripPrefix.length);
  return rest.startsWith("/") ? rest : `/${rest}`;
}

function forward(
  port: number,
  event: ApiGatewayV2Event,
  options: LambdaAdapterOptions,
): Promise<ApiGatewayV2Result> {
  const path = appPath(event.rawPath, options.stripPrefix);
  const query = event.rawQueryString ? `?${event.rawQueryString}` : "";
  const body =
    event.body === undefined ? undefined : Buffer.from(event.body, event.isBase64Encoded ? "base64" : "utf8");
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {}))
    if (value !== undefined) headers[name.toLowerCase()] = value;
  if (event.cookies && event.cookies.length > 0) headers.cookie = event.cookies.join("; ");
  if (body) headers["content-length"] = String(body.length);
  else delete headers["content-length"];
  delete headers["transfer-encoding"];
  if (event.requestContext.requestId && !headers["x-request-id"])
    headers["x-request-id"] = event.requestContext.requestId;
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: "127.0.0.1", port, method: event.requestContext.http.method, path: `${path}${query}`, headers },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", reject);
        response.on("end", () => resolve(result(response, Buffer.concat(chunks))));
      },
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

function result(response: IncomingMessage, body: Buffer): ApiGatewayV2Result {
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, value] of Object.entries(response.headers)) {
    if (value === undefined || name === "connection" || name === "transfer-encoding" || name === "keep-alive")
      continue;
    if (name === "set-cookie") cookies = Array.isArray(value) ? value : [value];
    else headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  const isText = textual.test(headers["content-type"] ?? "text/plain");
  return {
    statusCode: response.statusCode ?? 502,
    headers,
    ...(cookies ? { cookies } : {}),
    body: body.toString(isText ? "utf8" : "base64"),
    isBase64Encoded: !isText,
  };
}
