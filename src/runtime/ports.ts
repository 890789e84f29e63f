// Ports for replicas: the configured port for replica 0 (checked free, else a clear error naming the
// holder), a free port chosen by the kernel for every other replica.
import { createServer } from "node:net";
import { UserError } from "../errors.js";
import { portHolder } from "./process-table.js";

/** Asks the kernel for a free port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether a port can be listened on at 127.0.0.1 (and on all interfaces). */
export function isPortFree(port: number): Promise<boolean> {
  const attempt = (host: string) =>
    new Promise<boolean>((resolve) => {
      const server = createServer();
      server.unref();
      server.once("error", () => resolve(false));
      server.listen(port, host, () => server.close(() => resolve(true)));
    });
  return attempt("127.0.0.1").then((free) => (free ? attempt("0.0.0.0") : false));
}

/** Fails with E_PORT_IN_USE, naming the port and the process holding it, when the port is taken. */
export async function ensurePortFree(port: number, service: string): Promise<void> {
  if (await isPortFree(port)) return;
  const holder = portHolder(port);
  const who = holder?.pid
    ? `pid ${holder.pid}${holder.command ? ` (${holder.command})` : ""}`
    : "another process (its owner is not visible to this user)";
  throw new UserError("E_PORT_IN_USE", `port ${port} of service "${service}" is already in use by ${who}`, {
    hint: `Stop that process, or change services.${service}.port in agentctl.yaml (or remove it for a free port).`,
  });
}
