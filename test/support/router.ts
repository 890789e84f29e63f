// Helpers for router tests: a project from YAML, tiny real backends on 127.0.0.1, a router around them.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { loadProjectSource } from "../../src/project/load.js";
import type { ResolvedProject } from "../../src/project/resolve.js";

/** A resolved project from agentctl.yaml text (services run as commands, router on port 0). */
export function routerProject(yaml: string, root = "/virtual"): ResolvedProject {
  const { project, errors } = loadProjectSource(yaml, `${root}/agentctl.yaml`, { cwd: root, env: {} });
  if (!project) throw new Error(`test project is invalid: ${JSON.stringify(errors)}`);
  return project;
}

/** YAML for services run as commands, each with extra lines, and a router block. */
export function servicesYaml(services: Record<string, string[]>, router: string[] = []): string {
  const lines = ["name: demo", "services:"];
  for (const [name, extra] of Object.entries(services)) {
    lines.push(`  ${name}:`, "    command: node server.mjs", ...extra.map((line) => `    ${line}`));
  }
  lines.push("router:", "  port: 0", ...router.map((line) => `  ${line}`));
  return `${lines.join("\n")}\n`;
}

/** An in-process backend; `close` stops it and drops its connections. */
export interface Backend {
  url: string;
  port: number;
  server: Server;
  hits: number;
  close(): Promise<void>;
}

/** Starts a node:http backend on 127.0.0.1:0 (or `port`); by default it answers its name as JSON. */
export async function startBackend(
  name: string,
  handler?: (request: IncomingMessage, response: ServerResponse) => void,
  port = 0,
): Promise<Backend> {
  const backend = { hits: 0 } as Backend;
  const server = createServer((request, response) => {
    backend.hits += 1;
    if (handler) return handler(request, response);
    request.resume();
    request.on("end", () => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ name, path: request.url, method: request.method }));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const bound = (server.address() as AddressInfo).port;
  Object.assign(backend, {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
  return backend;
}

/** A backend in a child process (fixtures/bin/router-backend.mjs), so a test can SIGKILL it. */
export async function spawnBackend(
  name: string,
  port = 0,
): Promise<{ child: ChildProcess; port: number; url: string }> {
  const script = fileURLToPath(new URL("../../fixtures/bin/router-backend.mjs", import.meta.url));
  const child = spawn(process.execPath, [script, name, String(port)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const bound = await new Promise<number>((resolve, reject) => {
    let text = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      const match = /listening (\d+)/.exec(text);
      if (match) resolve(Number(match[1]));
    });
    child.once("exit", (code) => reject(new Error(`backend ${name} exited with ${code}`)));
  });
  return { child, port: bound, url: `http://127.0.0.1:${bound}` };
}

/** Resolves when a child process has exited. */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}
