// Helpers for template tests: bundle a template's src/index.ts the way `agentctl build` does (esbuild,
// node20 ESM, one file), run it with plain node on 127.0.0.1 at a port allocated here, wait for
// /health, and stop everything (processes and temp folders) at the end.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const templatesRoot = fileURLToPath(new URL("../../templates/", import.meta.url));

/** How a child ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running template service. */
export interface TemplateService {
  name: string;
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Stdout parsed as JSON lines (non-JSON lines skipped). */
  logLines(): Record<string, unknown>[];
  /** Resolves when the process exits. */
  exited: Promise<Exit>;
  /** SIGTERM (or `signal`), then SIGKILL after 10 s; resolves with the exit. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

/** How to start a service. */
export interface StartOptions {
  /** AGENTCTL_SERVICE (default: the template's name). */
  name?: string;
  env?: Record<string, string>;
  /** Working directory (default: a fresh temp folder). */
  cwd?: string;
  port?: number;
}

/** A port that was free on 127.0.0.1 a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** The services, bundles and temp folders of one test file; `close()` in afterAll. */
export interface TemplateWorld {
  /** A fresh temp folder removed by close(). */
  tempDir(): Promise<string>;
  /** Bundles (once per template) and starts a service; waits until /health answers. */
  start(template: string, options?: StartOptions): Promise<TemplateService>;
  close(): Promise<void>;
}

/** Creates a world; every process and folder it makes is removed by close(). */
export function templateWorld(): TemplateWorld {
  const bundles = new Map<string, Promise<string>>();
  const folders: string[] = [];
  const services: TemplateService[] = [];

  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), "agentctl-template-"));
    folders.push(dir);
    return dir;
  };

  const bundle = (template: string) => {
    let built = bundles.get(template);
    if (!built) {
      built = (async () => {
        const { build } = await import("esbuild");
        const outfile = join(await tempDir(), template, "index.mjs");
        await build({
          entryPoints: [join(templatesRoot, template, "src", "index.ts")],
          outfile,
          bundle: true,
          platform: "node",
          format: "esm",
          target: "node20",
          logLevel: "silent",
        });
        return outfile;
      })();
      bundles.set(template, built);
    }
    return built;
  };

  const start = async (template: string, options: StartOptions = {}) => {
    const file = await bundle(template);
    const port = options.port ?? (await freePort());
    const cwd = options.cwd ?? (await tempDir());
    const name = options.name ?? template;
    const child = spawn(process.execPath, [file], {
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        PATH: process.env.PATH ?? "",
        PORT: String(port),
        HOST: "127.0.0.1",
        AGENTCTL_SERVICE: name,
        ...options.env,
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<Exit>((resolve) =>
      child.once("exit", (code, signal) => resolve({ code, signal })),
    );
    const service: TemplateService = {
      name,
      url: `http://127.0.0.1:${port}`,
      port,
      child,
      stdout: () => stdout,
      logLines: () =>
        stdout
          .split("\n")
          .filter((line) => line.startsWith("{"))
          .map((line) => JSON.parse(line) as Record<string, unknown>),
      exited,
      stop: async (signal = "SIGTERM") => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        const exit = await exited;
        clearTimeout(timer);
        return exit;
      },
    };
    services.push(service);
    await waitForHealth(service, () => `stdout:\n${stdout}\nstderr:\n${stderr}`);
    return service;
  };

  return {
    tempDir,
    start,
    close: async () => {
      await Promise.all(services.map((service) => service.stop()));
      await Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true })));
    },
  };
}

async function waitForHealth(service: TemplateService, output: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  let exit: Exit | undefined;
  void service.exited.then((value) => {
    exit = value;
  });
  while (Date.now() < deadline) {
    if (exit)
      throw new Error(`${service.name} exited (${JSON.stringify(exit)}) before it was healthy\n${output()}`);
    try {
      const response = await fetch(`${service.url}/health`, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${service.name} was not healthy within 15 s\n${output()}`);
}

/** An HTTP answer with its JSON body parsed. */
export interface JsonAnswer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are inspected field by field
  body: any;
}

/** A request whose answer is read as JSON (the body is sent as JSON unless it is a string). */
export async function requestJson(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonAnswer> {
  const body =
    init.body === undefined || typeof init.body === "string" ? init.body : JSON.stringify(init.body);
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers: { ...(init.body === undefined ? {} : { "content-type": "application/json" }), ...init.headers },
    body: body as string | undefined,
    signal: AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === "" ? undefined : JSON.parse(text),
  };
}

/** One server-sent event with the time (ms since the request started) its last byte arrived. */
export interface TimedEvent {
  event: string;
  // biome-ignore lint/suspicious/noExplicitAny: test payloads are inspected field by field
  data: any;
  at: number;
}

/** A streamed answer: its events, how many separate reads delivered them, and when it ended. */
export interface EventStreamAnswer {
  status: number;
  headers: Headers;
  events: TimedEvent[];
  reads: number;
  endedAt: number;
  /** The body as text when the answer was not an event stream. */
  text: string;
}

/** POSTs JSON with Accept: text/event-stream and reads the answer as it arrives. */
export async function postForEvents(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  onEvent?: (event: TimedEvent) => void,
): Promise<EventStreamAnswer> {
  const started = performance.now();
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream", ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const events: TimedEvent[] = [];
  let reads = 0;
  let buffer = "";
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    reads += 1;
    const piece = decoder.decode(chunk, { stream: true });
    text += piece;
    buffer += piece;
    let end = buffer.indexOf("\n\n");
    while (end !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) data.push(line.slice(6));
      }
      const parsed: TimedEvent = {
        event,
        data: JSON.parse(data.join("\n")),
        at: performance.now() - started,
      };
      events.push(parsed);
      onEvent?.(parsed);
      end = buffer.indexOf("\n\n");
    }
  }
  return {
    status: response.status,
    headers: response.headers,
    events,
    reads,
    endedAt: performance.now() - started,
    text,
  };
}
