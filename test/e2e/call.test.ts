// `agentctl call` and `agentctl registry` as a user runs them: the built CLI in a temp project whose
// .agentctl/router.json points at a router this test started.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureControlToken } from "../../src/project/state-files.js";
import { type RunningRouter, startRouter } from "../../src/router/server.js";
import { agentctlBin, makeTempDir, runCli } from "../support/cli.js";
import { type Backend, routerProject, servicesYaml, startBackend } from "../support/router.js";

let dir: string;
let emptyDir: string;
let router: RunningRouter;
let backend: Backend;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  const made = await makeTempDir("agentctl-call-");
  const empty = await makeTempDir("agentctl-call-empty-");
  cleanups.push(made.remove, empty.remove);
  dir = made.dir;
  emptyDir = empty.dir;
  const yaml = servicesYaml({ echo: [] });
  writeFileSync(join(dir, "agentctl.yaml"), yaml);
  writeFileSync(join(emptyDir, "agentctl.yaml"), yaml);
  backend = await startBackend("echo", (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/events") {
      res.writeHead(200, { "content-type": "text/event-stream" });
      let count = 0;
      const timer = setInterval(() => {
        count += 1;
        res.write(`data: event ${count}\n\n`);
        if (count === 3) {
          clearInterval(timer);
          res.end();
        }
      }, 400);
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      res.writeHead(Number(url.searchParams.get("status") ?? 200), {
        "content-type": "application/json",
        "x-backend": "echo",
      });
      res.end(
        JSON.stringify({
          method: req.method,
          path: req.url,
          user: req.headers["x-user"] ?? null,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
  });
  cleanups.push(() => backend.close());
  const stateDir = join(dir, ".agentctl");
  mkdirSync(stateDir, { recursive: true });
  router = await startRouter({
    project: routerProject(yaml, dir),
    token: ensureControlToken(stateDir),
    stateDir,
    healthCheckIntervalMs: 0,
  });
  cleanups.push(() => router.close());
  router.registry.register({ id: "echo-0", service: "echo", replica: 0, url: backend.url, state: "ready" });
});
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe("agentctl call", () => {
  it("prints status, time and instance, pretty JSON, and exits 0 for a 2xx", async () => {
    const result = await runCli(["call", "echo", "/hello"], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^200 OK {2}\d+\.\d ms {2}echo-0 {2}\S+\n$/);
    expect(result.stdout).toBe(
      `${JSON.stringify({ method: "GET", path: "/hello", user: null, body: "" }, null, 2)}\n`,
    );
  });

  it("sends JSON with -d (inline and @file) and -H headers, and shows headers with -i", async () => {
    const inline = await runCli(
      ["call", "echo", "/chat", "-d", '{"message":"hi"}', "-H", "x-user: ada", "-i"],
      { cwd: dir },
    );
    expect(inline.code).toBe(0);
    expect(inline.stdout).toContain("x-backend: echo\n");
    expect(inline.stdout).toContain("x-agentctl-instance: echo-0\n");
    expect(inline.stdout).toContain('"body": "{\\"message\\":\\"hi\\"}"');
    expect(inline.stdout).toContain('"user": "ada"');
    expect(inline.stdout).toContain('"method": "POST"');
    writeFileSync(join(dir, "message.json"), '{"from":"file"}');
    const fromFile = await runCli(["--json", "call", "echo", "/chat", "-X", "PUT", "-d", "@message.json"], {
      cwd: dir,
    });
    expect(fromFile.code).toBe(0);
    expect(JSON.parse(fromFile.stdout)).toMatchObject({
      status: 200,
      ok: true,
      instance: "echo-0",
      body: { method: "PUT", body: '{"from":"file"}' },
    });
  });

  it("exits 1 for a non-2xx answer and 2 for a -d that is not JSON", async () => {
    const failed = await runCli(["call", "echo", "/x?status=503"], { cwd: dir });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^503 Service Unavailable/);
    const unknown = await runCli(["call", "nope"], { cwd: dir });
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain('no service named \\"nope\\"; known services: echo');
    const bad = await runCli(["call", "echo", "/x", "-d", "{oops"], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("error: -d expects JSON");
  });

  it("streams server-sent events as they arrive", async () => {
    const child = spawn(process.execPath, [agentctlBin, "call", "echo", "/events"], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: "1" },
    });
    const started = Date.now();
    const arrivals: { at: number; text: string }[] = [];
    child.stdout.on("data", (chunk: Buffer) =>
      arrivals.push({ at: Date.now() - started, text: chunk.toString() }),
    );
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    const ended = Date.now() - started;
    expect(code).toBe(0);
    expect(arrivals.map((a) => a.text).join("")).toBe("data: event 1\n\ndata: event 2\n\ndata: event 3\n\n");
    // Events are ~400 ms apart: the first must be on screen well before the command ends.
    expect(ended - arrivals[0]!.at).toBeGreaterThan(600);
  });

  it("says clearly that nothing is running when there is no router", async () => {
    const result = await runCli(["call", "echo", "/x"], { cwd: emptyDir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("error: nothing is running for this project: no router found");
    expect(result.stderr).toContain("hint: Start it with `agentctl up`");
  });

  it("says so too when router.json is left over from a router that is gone", async () => {
    const stale = await makeTempDir("agentctl-call-stale-");
    cleanups.push(stale.remove);
    writeFileSync(join(stale.dir, "agentctl.yaml"), servicesYaml({ echo: [] }));
    mkdirSync(join(stale.dir, ".agentctl"));
    const { createServer } = await import("node:net");
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port: free } = server.address() as { port: number };
        server.close(() => resolve(free));
      });
    });
    const url = `http://127.0.0.1:${port}`;
    writeFileSync(
      join(stale.dir, ".agentctl", "router.json"),
      JSON.stringify({ url, port, pid: 1, adminUrl: `${url}/_agentctl` }),
    );
    const result = await runCli(["call", "echo", "/x"], { cwd: stale.dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `error: nothing is running for this project: the router at ${url} does not answer`,
    );
  });

  it("--batch fans requests out and prints a summary with errors by status and latency", async () => {
    const lines = [
      ...Array.from({ length: 18 }, (_, index) => JSON.stringify({ message: `m${index}` })),
      JSON.stringify({ method: "GET", path: "/x?status=502" }),
      JSON.stringify({ path: "/x?status=404" }),
    ];
    writeFileSync(join(dir, "requests.jsonl"), `${lines.join("\n")}\n`);
    backend.hits = 0;
    const result = await runCli(
      ["call", "echo", "/chat", "--batch", "requests.jsonl", "--concurrency", "4"],
      { cwd: dir },
    );
    expect(result.code).toBe(1);
    expect(backend.hits).toBe(20);
    expect(result.stdout).toContain("requests  20 (18 ok, 2 failed)");
    expect(result.stdout).toMatch(/errors {4}(502×1 {2}404×1|404×1 {2}502×1)/);
    expect(result.stdout).toMatch(/latency {3}p50 \d+\.\d ms {2}p99 \d+\.\d ms/);
    expect(result.stderr).toContain("progress 20/20");
    const json = await runCli(
      ["--json", "call", "echo", "/chat", "--batch", "requests.jsonl", "--concurrency", "8"],
      { cwd: dir },
    );
    expect(JSON.parse(json.stdout)).toMatchObject({
      count: 20,
      ok: 18,
      failed: 2,
      errorsByStatus: { "502": 1, "404": 1 },
    });
  });
});

describe("start-up", () => {
  // ESM imports of a CommonJS package (undici) land in require.cache, so a child can count them.
  const probe = (args: string[]) =>
    new Promise<number>((resolve, reject) => {
      const script = `import { createRequire } from "node:module";
const { run } = await import(${JSON.stringify(new URL("../../dist/cli/main.js", import.meta.url).href)});
const sink = { write: () => true };
await run(["node", "agentctl", ...${JSON.stringify(args)}], { stdout: sink, stderr: sink });
const cache = createRequire(import.meta.url).cache;
process.stdout.write(String(Object.keys(cache).filter((key) => key.includes("/node_modules/undici/")).length));`;
      const child = spawn(process.execPath, ["--input-type=module", "-e", script], { cwd: dir });
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => (out += chunk));
      child.on("exit", (code) =>
        code === 0 ? resolve(Number(out)) : reject(new Error(`probe exited ${code}`)),
      );
    });

  it("--help and --version load no undici; call loads it only when it runs", async () => {
    expect(await probe(["--help"])).toBe(0);
    expect(await probe(["--version"])).toBe(0);
    expect(await probe(["call", "echo", "/x"])).toBeGreaterThan(0);
  });
});

describe("agentctl registry", () => {
  it("lists instances with state, breaker and in-flight count, and the router's address", async () => {
    const table = await runCli(["registry"], { cwd: dir });
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(`router ${router.url} (pid ${process.pid})`);
    expect(table.stdout).toMatch(
      /SERVICE +INSTANCE +STATE +BREAKER +INFLIGHT +REQUESTS +ERRORS +SOURCE +URL/,
    );
    expect(table.stdout).toMatch(
      /echo +echo-0 +ready +closed +0 +\d+ +\d+ +supervisor +http:\/\/127\.0\.0\.1:\d+/,
    );
    const json = await runCli(["--json", "registry"], { cwd: dir });
    expect(JSON.parse(json.stdout)).toMatchObject({
      router: { url: router.url, port: router.port },
      instances: [{ id: "echo-0", service: "echo", state: "ready", breaker: "closed", inflight: 0 }],
    });
    const none = await runCli(["registry"], { cwd: emptyDir });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("nothing is running");
  });
});
