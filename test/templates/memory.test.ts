// The memory template, bundled and run as a process: the contract, per-user namespaces, the file
// store surviving restarts, and the Redis store against a real redis-server (when one is installed).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, requestJson, type TemplateService, templateWorld } from "../support/template-service.js";

const world = templateWorld();
let memory: TemplateService;
let dataDir: string;

beforeAll(async () => {
  dataDir = join(await world.tempDir(), "memory-data");
  memory = await world.start("memory", { env: { MEMORY_DIR: dataDir } });
});
afterAll(() => world.close());

const store = (service: TemplateService, body: unknown, headers?: Record<string, string>) =>
  requestJson(`${service.url}/memory/store`, { body, headers });
const retrieve = (service: TemplateService, key: string, query = "", headers?: Record<string, string>) =>
  requestJson(`${service.url}/memory/retrieve/${encodeURIComponent(key)}${query}`, { headers });
const remove = (service: TemplateService, key: string, query = "") =>
  requestJson(`${service.url}/memory/delete/${encodeURIComponent(key)}${query}`, { method: "DELETE" });

/** The contract, run against whichever store a service uses. */
function contractTests(service: () => TemplateService) {
  it("stores, retrieves and deletes JSON values", async () => {
    const value = { turns: [{ role: "user", content: "hi" }], n: 1.5, ok: true };
    const stored = await store(service(), { key: "conversation:alice", value, user_id: "alice" });
    expect(stored.status).toBe(200);
    expect(stored.body.result).toMatchObject({ key: "conversation:alice", user_id: "alice", stored: true });
    const found = await retrieve(service(), "conversation:alice", "?user_id=alice");
    expect(found.status).toBe(200);
    expect(found.body.result).toMatchObject({ key: "conversation:alice", user_id: "alice", value });
    expect(found.body.result.updated_at).toBe(stored.body.result.updated_at);
    const deleted = await remove(service(), "conversation:alice", "?user_id=alice");
    expect(deleted.body.result).toEqual({ key: "conversation:alice", user_id: "alice", deleted: true });
    const gone = await retrieve(service(), "conversation:alice", "?user_id=alice");
    expect(gone.status).toBe(404);
    expect(gone.body.error.message).toBe('no value stored under "conversation:alice" for user "alice"');
    expect((await remove(service(), "conversation:alice", "?user_id=alice")).status).toBe(404);
  });

  it("keeps users apart: body, ?user_id= and X-User-Id name the user; no user is the shared namespace", async () => {
    await store(service(), { key: "color", value: "red", user_id: "ann" });
    await store(service(), { key: "color", value: "blue" }, { "x-user-id": "bob" });
    await store(service(), { key: "color", value: "green" });
    expect((await retrieve(service(), "color", "?user_id=ann")).body.result.value).toBe("red");
    expect((await retrieve(service(), "color", "", { "x-user-id": "bob" })).body.result.value).toBe("blue");
    const shared = await retrieve(service(), "color");
    expect(shared.body.result).toMatchObject({ value: "green", user_id: null });
    expect((await retrieve(service(), "color", "?user_id=carol")).status).toBe(404);
  });

  it("takes any key, including slashes, spaces and unicode (percent-encoded in the path)", async () => {
    const key = "notes/2024 plan:ünïcode?&#";
    await store(service(), { key, value: null, user_id: "u/1" });
    const found = await retrieve(service(), key, "?user_id=u%2F1");
    expect(found.status).toBe(200);
    expect(found.body.result).toMatchObject({ key, value: null, user_id: "u/1" });
  });

  it("rejects bad requests with messages that name the field", async () => {
    const noKey = await store(service(), { value: 1 });
    expect(noKey.status).toBe(400);
    expect(noKey.body.error.message).toMatch(/^key: expected a non-empty string/);
    const noValue = await store(service(), { key: "k" });
    expect(noValue.status).toBe(400);
    expect(noValue.body.error.message).toBe("value: required (any JSON value)");
    const badUser = await store(service(), { key: "k", value: 1, user_id: 7 });
    expect(badUser.status).toBe(400);
    expect(badUser.body.error.message).toMatch(/^user_id: expected a string, got number 7/);
    const longKey = await store(service(), { key: "k".repeat(513), value: 1 });
    expect(longKey.status).toBe(400);
  });
}

describe("memory template: file store", () => {
  contractTests(() => memory);

  it("answers /ready, 404 for unknown routes, 405 for wrong methods, 400 for bad JSON", async () => {
    expect((await requestJson(`${memory.url}/ready`)).status).toBe(200);
    expect((await requestJson(`${memory.url}/memory/list`)).status).toBe(404);
    const wrong = await requestJson(`${memory.url}/memory/retrieve/x`, { method: "POST", body: {} });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET");
    const bad = await requestJson(`${memory.url}/memory/store`, {
      body: "{key:",
      headers: { "content-type": "application/json" },
    });
    expect(bad.status).toBe(400);
  });

  it("writes one 0600 file per key, self-describing, with no temporary files left behind", async () => {
    const writes = Array.from({ length: 20 }, (_, index) =>
      store(memory, { key: "counter", value: index, user_id: "racer" }),
    );
    expect((await Promise.all(writes)).map((answer) => answer.status)).toEqual(Array(20).fill(200));
    const final = (await retrieve(memory, "counter", "?user_id=racer")).body.result.value;
    expect(final).toBeGreaterThanOrEqual(0);
    expect(final).toBeLessThan(20);
    const files: string[] = [];
    for (const folder of await readdir(dataDir)) {
      for (const file of await readdir(join(dataDir, folder))) files.push(join(dataDir, folder, file));
    }
    expect(files.filter((file) => !file.endsWith(".json"))).toEqual([]);
    const contents = await Promise.all(files.map(async (file) => JSON.parse(await readFile(file, "utf8"))));
    const counter = contents.filter((entry) => entry.key === "counter" && entry.namespace === "racer");
    expect(counter).toHaveLength(1);
    expect(counter[0].value).toBe(final);
    const mode = (await stat(files[0]!)).mode & 0o777;
    expect(mode).toBe(0o600);
  });

  it("survives a restart: values written before SIGTERM are there after", async () => {
    const dir = join(await world.tempDir(), "restart-data");
    const first = await world.start("memory", { env: { MEMORY_DIR: dir } });
    await store(first, { key: "profile", value: { name: "Ada" }, user_id: "ada" });
    expect(await first.stop()).toEqual({ code: 0, signal: null });
    const second = await world.start("memory", { env: { MEMORY_DIR: dir } });
    const found = await retrieve(second, "profile", "?user_id=ada");
    expect(found.status).toBe(200);
    expect(found.body.result.value).toEqual({ name: "Ada" });
    await second.stop();
  });

  it("defaults to ./.data/memory under its working directory", async () => {
    const cwd = await world.tempDir();
    const service = await world.start("memory", { cwd });
    await store(service, { key: "k", value: 1 });
    const folders = await readdir(join(cwd, ".data", "memory"));
    expect(folders).toHaveLength(1);
    await service.stop();
  });
});

const redisServer = findCommand("redis-server");
if (!redisServer) {
  console.warn(
    "\n!!! SKIPPING the memory template's Redis tests: redis-server is not installed " +
      "(apt-get install -y redis-server; .ci/run installs it) !!!\n",
  );
}

describe.skipIf(!redisServer)("memory template: Redis store (real redis-server)", () => {
  const password = "s3cret pass";
  let redis: RedisProcess;
  let service: TemplateService;

  beforeAll(async () => {
    redis = await startRedis(await freePort(), password, await world.tempDir());
    service = await world.start("memory", {
      name: "memory-redis",
      env: { REDIS_URL: `redis://:${encodeURIComponent(password)}@127.0.0.1:${redis.port}/2` },
    });
  });
  afterAll(async () => {
    await service?.stop();
    await redis?.stop();
  });

  contractTests(() => service);

  it("keeps values in Redis database 2 under agentctl:memory:<namespace>:<key>", async () => {
    await store(service, { key: "greeting", value: { text: "hello" }, user_id: "alice" });
    const raw = redisCli(redis.port, password, ["-n", "2", "GET", "agentctl:memory:user:alice:greeting"]);
    expect(JSON.parse(raw)).toMatchObject({ value: { text: "hello" } });
    await store(service, { key: "motd", value: "hi" });
    expect(
      JSON.parse(redisCli(redis.port, password, ["-n", "2", "GET", "agentctl:memory:shared:motd"])),
    ).toMatchObject({ value: "hi" });
    expect(redisCli(redis.port, password, ["-n", "0", "DBSIZE"]).trim()).toBe("0");
  });

  it("is not ready while Redis is down, answers 503, and reconnects when it is back", async () => {
    await store(service, { key: "before", value: 1 });
    await redis.stop();
    const ready = await requestJson(`${service.url}/ready`);
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ status: "not_ready", service: "memory-redis" });
    const failed = await store(service, { key: "during", value: 2 });
    expect(failed.status).toBe(503);
    expect(failed.body.error.message).toMatch(/^the redis store failed: /);
    redis = await startRedis(redis.port, password, await world.tempDir());
    await expect.poll(async () => (await requestJson(`${service.url}/ready`)).status).toBe(200);
    expect((await store(service, { key: "after", value: 3 })).status).toBe(200);
    expect((await retrieve(service, "after")).body.result.value).toBe(3);
  });
});

interface RedisProcess {
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function startRedis(port: number, password: string, dir: string): Promise<RedisProcess> {
  const child = spawn(
    redisServer!,
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      dir,
      "--requirepass",
      password,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", () => reject(new Error(`redis-server exited:\n${output}`)));
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    port,
    child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

function redisCli(port: number, password: string, args: string[]): string {
  return execFileSync(
    "redis-cli",
    ["-h", "127.0.0.1", "-p", String(port), "-a", password, "--no-auth-warning", ...args],
    {
      encoding: "utf8",
    },
  );
}

function findCommand(name: string): string | undefined {
  try {
    return execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}
