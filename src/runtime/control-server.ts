// The supervisor's control API: HTTP on 127.0.0.1, every request carrying the project's token as
// `Authorization: Bearer <token>`. `ps`, `scale`, `restart` and `down` from any terminal talk to it.
// Errors answer in the shape the router's admin API uses too (protocol/api-http.ts).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { AgentctlError } from "../errors.js";
import { carriesToken, errorBody, errorBodyOf, errorStatus, readJsonBody } from "../protocol/api-http.js";

/** What the control API can do; the host of the supervisor implements it. */
export interface ControlHandlers {
  /** The status document; other parts (the router) may add their own top-level sections. */
  status(): Record<string, unknown>;
  scale(service: string, replicas: number): Promise<void> | void;
  restart(service: string): Promise<void>;
  /** Stops everything; the answer is sent as stopping begins (the supervisor exits when done). */
  down(): Promise<void>;
}

/** A listening control server. */
export interface ControlServer {
  url: string;
  close(): Promise<void>;
}

/** Starts the control API on a free port of 127.0.0.1. */
export function startControlServer(token: string, handlers: ControlHandlers): Promise<ControlServer> {
  const server = createServer((req, res) => {
    if (!carriesToken(req, token)) {
      send(res, 401, errorBody("E_UNAUTHORIZED", "missing or wrong control token"));
      return;
    }
    route(req, handlers).then(
      (body) => send(res, 200, body),
      (error: unknown) => {
        const body = errorBodyOf(error);
        send(res, errorStatus(body.code), body);
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

async function route(req: IncomingMessage, handlers: ControlHandlers): Promise<unknown> {
  const path = new URL(req.url ?? "/", "http://localhost").pathname;
  const body = (req.method === "POST" ? await readJsonBody(req) : undefined) ?? {};
  if (req.method === "GET" && path === "/v1/status") return handlers.status();
  if (req.method === "POST" && path === "/v1/scale") {
    const { service, replicas } = body as { service?: unknown; replicas?: unknown };
    if (typeof service !== "string" || !Number.isInteger(replicas) || (replicas as number) < 0)
      throw new AgentctlError("E_BAD_REQUEST", "expected {service: string, replicas: whole number}");
    await handlers.scale(service, replicas as number);
    return { ok: true };
  }
  if (req.method === "POST" && path === "/v1/restart") {
    const { service } = body as { service?: unknown };
    if (typeof service !== "string") throw new AgentctlError("E_BAD_REQUEST", "expected {service: string}");
    await handlers.restart(service);
    return { ok: true };
  }
  if (req.method === "POST" && path === "/v1/down") {
    // Answer first: stopping closes this very server. The client then waits for the supervisor to exit.
    setImmediate(() => void handlers.down());
    return { ok: true, stopping: true };
  }
  throw new AgentctlError("E_NOT_FOUND", `no such control endpoint: ${req.method} ${path}`);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
