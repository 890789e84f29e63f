// Backing resources run by up on the process runtime, with the host's real redis-server: the memory
// template stores through the router into that redis (checked with raw RESP), the service waits for
// redis, redis stops after it and keeps its data across down/up, --volumes removes it, a SIGKILLed
// supervisor's redis is reaped; kafka and a missing program fail before anything starts.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { cp, mkdir } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { down } from "../../src/api/down.js";
import { logs } from "../../src/api/logs.js";
import { up, upDetached } from "../../src/api/up.js";
import type { AgentctlError } from "../../src/errors.js";
import type { HostedProject } from "../../src/runtime/host.js";
import { desiredServices, planReconcile, planShutdown } from "../../src/runtime/plan.js";
import { resourcesToRun } from "../../src/runtime/resources.js";
import { readState } from "../../src/runtime/state.js";
import type { InstanceView } from "../../src/runtime/supervisor.js";
import { makeTempDir } from "../support/cli.js";
import { loadText } from "../support/project-source.js";
import {
  alivePids,
  copyRuntimeFixture,
  killLeftovers,
  loadProjectIn,
  recordedPids,
  waitFor,
  waitGone,
} from "../support/runtime.js";

const templatesDir = new URL("../../templates/", import.meta.url).pathname;

// A test that needs a server program skips loudly without it here, and fails in CI (which installs it).
function findProgram(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(":"), "/usr/local/sbin", "/usr/sbin", "/sbin"];
  return dirs.map((dir) => join(dir, name)).find((file) => file.startsWith("/") && existsSync(file));
}
const redisServer = findProgram("redis-server");
const runsRedis = redisServer !== undefined || process.env.CI === "true";
if (!runsRedis)
  console.warn(
    "SKIPPING the redis resource tests: redis-server is not installed here (apt-get install redis-server); CI=true makes them fail instead",
  );

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fixture(name: string): Promise<string> {
  const temp = await copyRuntimeFixture(name);
  cleanups.push(async () => {
    killLeftovers(await recordedPids(temp.dir));
    killLeftovers(statePids(temp.dir));
    await temp.remove();
  });
  return temp.dir;
}

// The memory template as `agentctl init` lays it out: services/memory and services/_shared.
async function memoryFixture(): Promise<string> {
  const dir = await fixture("runtime-resources");
  await mkdir(join(dir, "services"), { recursive: true });
  await cp(join(templatesDir, "memory"), join(dir, "services", "memory"), { recursive: true });
  await cp(join(templatesDir, "_shared"), join(dir, "services", "_shared"), { recursive: true });
  return dir;
}

function statePids(dir: string): number[] {
  return (readState(join(dir, ".agentctl"))?.instances ?? []).flatMap((i) => (i.pid ? [i.pid] : []));
}

/** Sends one command over raw RESP to 127.0.0.1:<port>; resolves with the raw reply. */
function redisCommand(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    let reply = "";
    socket.on("connect", () =>
      socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`),
    );
    socket.on("data", (chunk) => {
      reply += chunk.toString("utf8");
      // Enough for the replies used here: a status, an integer, a bulk string or an array of them.
      if (/^[+\-:]/.test(reply) ? reply.endsWith("\r\n") : completeBulk(reply)) {
        socket.end();
        resolve(reply);
      }
    });
    socket.on("error", reject);
    setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete reply from redis: ${JSON.stringify(reply)}`));
    }, 3000);
  });
}

function completeBulk(reply: string): boolean {
  if (reply.startsWith("$-1\r\n")) return true;
  const bulk = /^\$(\d+)\r\n/.exec(reply);
  if (bulk) return Buffer.byteLength(reply) >= bulk[0].length + Number(bulk[1]) + 2;
  const array = /^\*(\d+)\r\n/.exec(reply);
  if (!array) return false;
  const items = [...reply.slice(array[0].length).matchAll(/\$(\d+)\r\n/g)];
  return items.length === Number(array[1]) && reply.endsWith("\r\n");
}

async function startMemory(dir: string, events: string[]): Promise<HostedProject> {
  const hosted = await up(loadProjectIn(dir), {
    onInstanceChange: (i) => events.push(`${i.id} ${i.state}`),
  });
  cleanups.push(() => hosted.shutdown());
  return hosted;
}

function view(hosted: HostedProject, id: string): InstanceView {
  return hosted.supervisor.list().find((i) => i.id === id)!;
}

describe.runIf(runsRedis)("a redis resource run by up", () => {
  it("serves the memory template's REDIS_URL, starts first, stops last, keeps its data, and --volumes removes it", async () => {
    const dir = await memoryFixture();
    const events: string[] = [];
    const progress: string[] = [];
    const project = loadProjectIn(dir);
    const hosted = await up(project, {
      onInstanceChange: (i) => events.push(`${i.id} ${i.state}`),
      onProgress: (message) => progress.push(message),
    });
    cleanups.push(() => hosted.shutdown());
    expect(progress.some((m) => m.includes("is not started locally"))).toBe(false);
    expect(progress).toContain(
      `resource cache (redis) runs ${redisServer} on 127.0.0.1, data in ${join(".agentctl", "data", "cache")}`,
    );

    const cache = view(hosted, "cache-0");
    expect(cache).toMatchObject({
      kind: "resource",
      resourceKind: "redis",
      state: "ready",
      runtime: "process",
    });
    expect(cache.url).toBe(`redis://127.0.0.1:${cache.port}`);
    expect(view(hosted, "memory-0")).toMatchObject({ kind: "service", state: "ready" });
    // The service started only once redis answered PING.
    expect(events.indexOf("cache-0 ready")).toBeGreaterThanOrEqual(0);
    expect(events.indexOf("cache-0 ready")).toBeLessThan(events.indexOf("memory-0 starting"));

    // A value stored through the router lands in that redis.
    const stored = await fetch(`${hosted.routerUrl}/memory/memory/store`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ user_id: "alice", key: "greeting", value: "hello from the memory service" }),
    });
    expect(stored.status).toBe(200);
    const raw = await redisCommand(cache.port, "GET", "agentctl:memory:user:alice:greeting");
    expect(raw).toMatch(/^\$\d+\r\n/);
    expect(JSON.parse(raw.split("\r\n")[1]!).value).toBe("hello from the memory service");

    // Resources are not HTTP services: the router does not know them.
    const viaRouter = await fetch(`${hosted.routerUrl}/cache/`);
    expect(viaRouter.headers.get("x-agentctl-instance")).toBe("agentctl-router");
    expect(viaRouter.status).toBe(404);

    // Supervised like a service: in state.json with its pid, its output in the logs.
    const redisPid = cache.pid!;
    expect(readState(project.stateDir)?.instances.find((i) => i.id === "cache-0")?.pid).toBe(redisPid);
    expect(readFileSync(join(project.stateDir, "logs", "cache.log"), "utf8")).toContain(
      "Ready to accept connections",
    );
    // `agentctl logs cache` takes the resource's name like a service's.
    const cacheLines: string[] = [];
    await logs(project, { services: ["cache"], onLine: (line) => cacheLines.push(line.text) });
    expect(cacheLines.some((text) => text.includes("Ready to accept connections"))).toBe(true);

    // A redis killed with kill -9 is restarted like a service, on the same port, with its data.
    process.kill(redisPid, "SIGKILL");
    const restarted = await waitFor(
      () => {
        const current = view(hosted, "cache-0");
        return current.state === "ready" && current.pid !== redisPid ? current : undefined;
      },
      15_000,
      "redis to be restarted",
    );
    expect(restarted).toMatchObject({ port: cache.port, restarts: 1 });
    expect(await redisCommand(cache.port, "EXISTS", "agentctl:memory:user:alice:greeting")).toBe(":1\r\n");

    await hosted.shutdown();
    expect(events.lastIndexOf("memory-0 stopped")).toBeLessThan(events.lastIndexOf("cache-0 stopped"));
    expect(await waitGone([redisPid, restarted.pid!], 5000)).toEqual([]);
    const dataDir = join(project.stateDir, "data", "cache");
    expect(readdirSync(dataDir).length).toBeGreaterThan(0);

    // Up again: the same data (like a named volume), read back through the service.
    const again = await startMemory(dir, []);
    const retrieved = await fetch(`${again.routerUrl}/memory/memory/retrieve/greeting?user_id=alice`);
    expect(((await retrieved.json()) as { result: { value: string } }).result.value).toBe(
      "hello from the memory service",
    );
    const secondPid = view(again, "cache-0").pid!;
    await again.shutdown();
    expect(await waitGone([secondPid], 5000)).toEqual([]);

    const result = await down(project, { volumes: true });
    expect(result.removedVolumes).toEqual(["cache"]);
    expect(existsSync(dataDir)).toBe(false);
  });

  it("reaps the redis of a SIGKILLed background supervisor", async () => {
    const dir = await memoryFixture();
    const project = loadProjectIn(dir);
    const status = await upDetached(project, { readyTimeoutMs: 30_000 });
    const redis = status.instances.find((i) => i.id === "cache-0")!;
    expect(redis).toMatchObject({ kind: "resource", state: "ready" });
    expect(statePids(dir)).toContain(redis.pid);
    process.kill(status.supervisor.pid, "SIGKILL");
    expect(await waitGone([status.supervisor.pid], 5000)).toEqual([]);
    expect(alivePids([redis.pid!])).toEqual([redis.pid]);
    const result = await down(project);
    expect(result.reaped.instances.map((i) => i.id).sort()).toEqual(["cache-0", "memory-0"]);
    expect(await waitGone([redis.pid!], 5000)).toEqual([]);
    // Reaping is not --volumes: the data stays.
    expect(existsSync(join(project.stateDir, "data", "cache"))).toBe(true);
  });
});

describe("planning with resources", () => {
  const project = loadText(`
name: plan
services:
  api: { command: [node, api.mjs], uses: [cache] }
  web: { command: [node, web.mjs], dependsOn: [api] }
resources:
  cache: { kind: redis }
  spare: { kind: redis }
  remote: { kind: redis, external: "redis://10.0.0.1:6379" }
`).project!;

  it("runs only used, non-external resources: first to start, last to stop", () => {
    const resources = resourcesToRun(project).map((r) => r.name);
    expect(resources).toEqual(["cache"]);
    const desired = desiredServices(project, resources);
    expect(planReconcile(desired, [], 0).toString()).toBe(
      ["start cache-0 (new replica)", "wait api-0 (waiting for cache)", "wait web-0 (waiting for api)"].join(
        "\n",
      ),
    );
    const running = desired.map((d) => ({
      id: `${d.name}-0`,
      service: d.name,
      replica: 0,
      state: "ready" as const,
      streak: 0,
    }));
    expect(planShutdown(desired, running)).toEqual([["web-0"], ["api-0"], ["cache-0"]]);
  });
});

describe("resources up cannot run", () => {
  it("refuses a kafka resource without external:, naming it, before anything starts", async () => {
    const dir = await fixture("runtime-resources-kafka");
    const error = (await up(loadProjectIn(dir)).catch((e: unknown) => e)) as AgentctlError;
    expect(error.code).toBe("E_RESOURCE_NOT_LOCAL");
    expect(error.message).toContain('resource "events" is a kafka');
    expect(error.hint).toContain("resources.events.external");
    expect(error.hint).toContain("deploy");
    expect(existsSync(join(dir, ".agentctl", "state.json"))).toBe(false);
    expect(await recordedPids(dir)).toEqual([]);
  });

  it("names the resource, the program and the Debian package when the program is missing", async () => {
    const dir = await fixture("runtime-resources");
    const empty = await makeTempDir("agentctl-empty-path-");
    cleanups.push(empty.remove);
    const env = { ...process.env, PATH: empty.dir };
    const error = (await up(loadProjectIn(dir), { env }).catch((e: unknown) => e)) as AgentctlError;
    expect(error.code).toBe("E_RESOURCE_PROGRAM");
    expect(error.message).toContain('resource "cache" (redis) needs the program redis-server');
    expect(error.hint).toContain("apt-get install redis-server");
    expect(error.hint).toContain("resources.cache.external");
    // Checked before the router, the build or any process.
    expect(existsSync(join(dir, ".agentctl", "state.json"))).toBe(false);
    expect(existsSync(join(dir, ".agentctl", "build"))).toBe(false);
  });
});
