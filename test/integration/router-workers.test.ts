// router.workers above 1: worker processes serve the connections. Real processes and sockets: the
// connections are spread over the workers, registry changes reach them, their figures and access-log
// lines come back to the router, what the raw core hands over (admin API, WebSocket, HTTP/1.0) is
// relayed to the router's node:http, health-check results reach every worker's breakers, and no
// worker outlives the router — closed, or killed.
import { spawn } from "node:child_process";
import { connect } from "node:net";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { Client, request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { startRouter } from "../../src/router/server.js";
import { exited, routerProject, servicesYaml, startBackend } from "../support/router.js";
import { alivePids } from "../support/runtime.js";

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// Running and not a zombie (an exited worker of a killed router waits for init to reap it).
const alive = (pid: number) => alivePids([pid]).length === 1;

async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 5_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function workersRouter(extra: { log?: string[]; healthCheckIntervalMs?: number } = {}) {
  const router = await startRouter({
    project: routerProject(servicesYaml({ echo: [] })),
    token: "t",
    workers: 2,
    healthCheckIntervalMs: extra.healthCheckIntervalMs ?? 0,
    accessLog: extra.log
      ? new Writable({
          write(chunk, _encoding, callback) {
            extra.log!.push(...String(chunk).trim().split("\n"));
            callback();
          },
        })
      : undefined,
  });
  stops.push(() => router.close());
  return router;
}

const auth = { authorization: "Bearer t" };

describe("router workers", () => {
  it("spreads connections over the workers and adds their figures to the router's", async () => {
    const log: string[] = [];
    const router = await workersRouter({ log });
    const pids = router.workerPids();
    expect(pids).toHaveLength(2);
    expect(pids.every(alive)).toBe(true);
    for (const replica of [0, 1]) {
      const backend = await startBackend(`echo-${replica}`);
      stops.push(() => backend.close());
      router.registry.register({
        id: `echo-${replica}`,
        service: "echo",
        replica,
        url: backend.url,
        state: "ready",
      });
    }
    // Eight connections, five requests on each. Request ids carry the serving process's id, so the
    // ids show which process answered.
    const prefixes = new Set<string>();
    const served = new Set<string>();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        const client = new Client(router.url);
        try {
          for (let each = 0; each < 5; each++) {
            const answer = await client.request({ path: "/echo/work", method: "GET" });
            expect(answer.statusCode).toBe(200);
            await answer.body.text();
            prefixes.add(String(answer.headers["x-request-id"]).split("-")[0]!);
            served.add(String(answer.headers["x-agentctl-instance"]));
          }
        } finally {
          await client.close();
        }
      }),
    );
    expect(prefixes.size).toBe(2);
    expect([...served].sort()).toEqual(["echo-0", "echo-1"]);

    // The admin API asks the workers for their figures before it answers: all forty requests are there.
    const answer = await request(`${router.url}/_agentctl/instances`, { headers: auth });
    const views = (await answer.body.json()) as { id: string; requests: number; inflight: number }[];
    expect(views.reduce((sum, each) => sum + each.requests, 0)).toBe(40);
    expect(views.every((each) => each.requests > 0 && each.inflight === 0)).toBe(true);
    const metrics = await (await request(`${router.url}/_agentctl/metrics`)).body.text();
    const counted = [...metrics.matchAll(/^agentctl_router_requests_total\{[^}]*code="200"\} (\d+)$/gm)];
    expect(counted.reduce((sum, match) => sum + Number(match[1]), 0)).toBe(40);
    expect(router.snapshot()[0]).toMatchObject({ service: "echo", requests: 40, errors: 0 });
    // Access-log lines written in the workers come out of the router's log.
    await eventually("the access log", () => (log.length >= 40 ? true : undefined));
    expect(log.filter((line) => JSON.parse(line).status === 200)).toHaveLength(40);
  });

  it("follows registry changes made through the admin API, relayed by a worker", async () => {
    const router = await workersRouter();
    const backend = await startBackend("late");
    stops.push(() => backend.close());
    const refused = await request(`${router.url}/_agentctl/instances`, { method: "POST", body: "{}" });
    expect(refused.statusCode).toBe(401);
    await refused.body.dump();
    const added = await request(`${router.url}/_agentctl/instances`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ service: "late", url: backend.url, id: "late-ext" }),
    });
    expect(added.statusCode).toBe(201);
    await added.body.dump();
    // The change reaches both workers: every new connection (each goes to the next worker) is routed.
    for (let each = 0; each < 4; each++) {
      const answer = await eventually("the new instance in every worker", async () => {
        const client = new Client(router.url);
        try {
          const response = await client.request({ path: "/late/hello", method: "GET" });
          const body = await response.body.text();
          return response.statusCode === 200 ? JSON.parse(body) : undefined;
        } finally {
          await client.close();
        }
      });
      expect(answer).toMatchObject({ name: "late", path: "/hello" });
    }
    const removed = await request(`${router.url}/_agentctl/instances/late-ext`, {
      method: "DELETE",
      headers: auth,
    });
    expect(removed.statusCode).toBe(200);
    await removed.body.dump();
    const gone = await eventually("the removal in every worker", async () => {
      const statuses = await Promise.all(
        [0, 1].map(async () => {
          const client = new Client(router.url);
          try {
            const response = await client.request({ path: "/late/hello", method: "GET" });
            await response.body.dump();
            return response.statusCode;
          } finally {
            await client.close();
          }
        }),
      );
      return statuses.every((status) => status === 404) ? statuses : undefined;
    });
    expect(gone).toEqual([404, 404]);
  });

  it("relays WebSocket upgrades and HTTP/1.0 from the workers to the router's node:http", async () => {
    const router = await workersRouter();
    const wss = new WebSocketServer({ noServer: true });
    stops.push(async () => wss.close());
    const backend = await startBackend("live", (req, res) => res.end(`http ${req.httpVersion}`));
    stops.push(() => backend.close());
    backend.server.on("upgrade", (req, socket, head) =>
      wss.handleUpgrade(req, socket, head, (ws) => ws.on("message", (data) => ws.send(`echo: ${data}`))),
    );
    router.registry.register({ id: "echo-0", service: "echo", replica: 0, url: backend.url, state: "ready" });
    await sleep(100); // the registry change reaches the workers
    for (let each = 0; each < 2; each++) {
      const client = new WebSocket(`${router.url.replace("http", "ws")}/echo/socket`);
      await new Promise((resolve, reject) => {
        client.once("open", resolve);
        client.once("error", reject);
      });
      const reply = new Promise<string>((resolve) => client.once("message", (data) => resolve(String(data))));
      client.send(`hello ${each}`);
      expect(await reply).toBe(`echo: hello ${each}`);
      client.close();
    }
    const old = connect(Number(new URL(router.url).port), "127.0.0.1");
    stops.push(async () => void old.destroy());
    const text = await new Promise<string>((resolve) => {
      let received = "";
      old.on("data", (chunk) => {
        received += chunk;
      });
      old.on("end", () => resolve(received));
      old.write("GET /echo/old HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    });
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    expect(text).toContain("x-agentctl-instance: echo-0");
    expect(text.endsWith("http 1.1")).toBe(true);
  });

  it("passes health-check results on to every worker's breakers", async () => {
    const router = await workersRouter({ healthCheckIntervalMs: 200 });
    const healthy = await startBackend("fine");
    let traffic = 0; // requests other than health checks
    const sick = await startBackend("sick", (req, res) => {
      req.resume();
      if (req.url !== "/health") traffic += 1;
      res.writeHead(req.url === "/health" ? 503 : 200);
      res.end(JSON.stringify({ name: "sick" }));
    });
    stops.push(
      () => healthy.close(),
      () => sick.close(),
    );
    router.registry.register({ id: "echo-0", service: "echo", replica: 0, url: healthy.url, state: "ready" });
    router.registry.register({ id: "echo-1", service: "echo", replica: 1, url: sick.url, state: "ready" });
    await eventually("the sick instance's breaker to open", async () => {
      const answer = await request(`${router.url}/_agentctl/instances`, { headers: auth });
      const list = (await answer.body.json()) as { id: string; breaker: string }[];
      return list.find((each) => each.id === "echo-1")?.breaker === "open" ? true : undefined;
    });
    traffic = 0;
    // The sick instance answers its traffic well, so only the health checks can keep the workers'
    // requests away from it.
    for (let each = 0; each < 4; each++) {
      const client = new Client(router.url);
      for (let request = 0; request < 5; request++) {
        const answer = await client.request({ path: "/echo/x", method: "GET" });
        expect(answer.headers["x-agentctl-instance"]).toBe("echo-0");
        await answer.body.dump();
      }
      await client.close();
    }
    expect(traffic).toBe(0);
  });

  it("leaves no worker behind: not on close, not when the router process is killed", async () => {
    const router = await startRouter({
      project: routerProject(servicesYaml({ echo: [] })),
      token: "t",
      workers: 2,
      healthCheckIntervalMs: 0,
    });
    const pids = router.workerPids();
    await router.close();
    await eventually("the workers to exit after close", () => (pids.some(alive) ? undefined : true));

    const script = fileURLToPath(new URL("../../fixtures/bin/router-with-workers.mjs", import.meta.url));
    const child = spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "inherit"] });
    stops.push(async () => void child.kill("SIGKILL"));
    const started = await new Promise<number[]>((resolve, reject) => {
      let text = "";
      child.stdout!.on("data", (chunk: Buffer) => {
        text += chunk;
        const match = /workers ([\d,]+)/.exec(text);
        if (match) resolve(match[1]!.split(",").map(Number));
      });
      child.once("exit", (code) => reject(new Error(`the router exited with ${code}`)));
    });
    expect(started).toHaveLength(2);
    expect(started.every(alive)).toBe(true);
    child.kill("SIGKILL");
    await exited(child);
    await eventually("the workers to exit after the router was killed", () =>
      started.some(alive) ? undefined : true,
    );
  });
});
