// Runs an App as an HTTP server: listens on PORT/HOST, and on SIGTERM or SIGINT shuts down gracefully —
// stop accepting, let requests under way finish, close idle keep-alive sockets, release the app, exit 0.
// A hard deadline (SHUTDOWN_TIMEOUT_MS) cuts everything and exits 1 so a stuck request cannot keep a
// stopped service alive. This file is the service's main: it is the one place that calls process.exit.
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Env, readInteger, readString } from "./env.js";
import type { App } from "./service.js";

/** Where and how to serve; each field falls back to its environment variable. */
export interface ServeOptions {
  env?: Env;
  port?: number;
  host?: string;
  shutdownTimeoutMs?: number;
  exit?: (code: number) => void;
}

/** A listening service. */
export interface RunningService {
  server: Server;
  url: string;
  /** Starts the graceful shutdown (also what the signals do); resolves when done. */
  shutdown(reason: string): Promise<void>;
}

/** Listens with `app` and installs the signal handlers. */
export async function serve(app: App, options: ServeOptions = {}): Promise<RunningService> {
  const env = options.env ?? process.env;
  const port = options.port ?? readInteger(env, "PORT", 8080, { max: 65535 });
  const host = options.host ?? readString(env, "HOST") ?? "0.0.0.0";
  const deadlineMs = options.shutdownTimeoutMs ?? readInteger(env, "SHUTDOWN_TIMEOUT_MS", 10_000);
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const inFlight = new Set<ServerResponse>();
  let closing: Promise<void> | undefined;

  const server = createServer({ keepAliveTimeout: 5_000 }, (request, response) => {
    inFlight.add(response);
    // Once shutting down, every answer closes its connection, and sockets that fall idle are closed.
    if (closing) response.setHeader("connection", "close");
    response.once("close", () => {
      inFlight.delete(response);
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
    app.handle(request, response).catch((error: Error) => {
      app.logger.error("request handler failed", { error: error.stack ?? error.message });
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  }).catch((error: NodeJS.ErrnoException) => {
    app.logger.error("could not listen", { host, port, error: error.message, code: error.code });
    exit(1);
    throw error;
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
  app.setReady(true);
  app.logger.info("listening", { url, pid: process.pid });

  const shutdown = (reason: string): Promise<void> => {
    closing ??= (async () => {
      app.setReady(false);
      app.logger.info("shutting down", { reason, inFlight: inFlight.size, deadlineMs });
      const deadline = setTimeout(() => {
        app.logger.error("shutdown deadline passed; closing remaining connections", {
          inFlight: inFlight.size,
        });
        server.closeAllConnections();
        exit(1);
      }, deadlineMs);
      for (const response of inFlight) {
        if (!response.headersSent) response.setHeader("connection", "close");
      }
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await app.close().catch((error: Error) => app.logger.error("close failed", { error: error.message }));
      clearTimeout(deadline);
      app.logger.info("stopped", { reason });
      exit(0);
    })();
    return closing;
  };
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => void shutdown(signal));
  }
  return { server, url, shutdown };
}
