// Streaming through the router: SSE arrives chunk by chunk, WebSocket upgrades pass through.
import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { startRouter } from "../../src/router/server.js";
import { routerProject, servicesYaml, startBackend } from "../support/router.js";

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});

async function setup(handler: Parameters<typeof startBackend>[1]) {
  const backend = await startBackend("stream", handler);
  stops.push(() => backend.close());
  const router = await startRouter({
    project: routerProject(servicesYaml({ live: [] })),
    token: "t",
    healthCheckIntervalMs: 0,
  });
  stops.push(() => router.close());
  router.registry.register({ id: "live-0", service: "live", replica: 0, url: backend.url, state: "ready" });
  return { backend, router };
}

describe("streaming", () => {
  it("delivers each SSE event as it is sent, long before the stream ends", async () => {
    const { router } = await setup((req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      let count = 0;
      const timer = setInterval(() => {
        count += 1;
        res.write(`data: ${count}\n\n`);
        if (count === 4) {
          clearInterval(timer);
          res.end();
        }
      }, 250);
      req.on("close", () => clearInterval(timer));
    });
    const started = Date.now();
    const response = await request(`${router.url}/live/events`);
    expect(response.headers["content-type"]).toBe("text/event-stream");
    const arrivals: { at: number; text: string }[] = [];
    for await (const chunk of response.body)
      arrivals.push({ at: Date.now() - started, text: chunk.toString() });
    const ended = Date.now() - started;
    expect(arrivals.map((a) => a.text).join("")).toBe("data: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4\n\n");
    expect(arrivals.length).toBeGreaterThanOrEqual(4);
    // The first event is sent at ~250 ms and the stream ends at ~1000 ms: buffering would make them equal.
    expect(arrivals[0]!.text).toBe("data: 1\n\n");
    expect(ended - arrivals[0]!.at).toBeGreaterThan(500);
  });

  it("ends the backend stream and frees the in-flight slot when the client goes away mid-stream", async () => {
    let backendSawClose = false;
    const { router } = await setup((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      const timer = setInterval(() => res.write("data: tick\n\n"), 50);
      res.on("close", () => {
        clearInterval(timer);
        backendSawClose = true;
      });
    });
    const response = await request(`${router.url}/live/forever`);
    for await (const _chunk of response.body) break; // one event, then hang up
    expect(router.snapshot()[0]!.instances[0]!.inflight).toBeLessThanOrEqual(1);
    for (let i = 0; i < 40 && !backendSawClose; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(backendSawClose).toBe(true);
    expect(router.snapshot()[0]!.instances[0]).toMatchObject({ inflight: 0, breaker: "closed" });
  });

  it("streams a request body to the backend as it is sent (chunked upload)", async () => {
    const seen: number[] = [];
    const { router } = await setup((req, res) => {
      const started = Date.now();
      req.on("data", () => seen.push(Date.now() - started));
      req.on("end", () => res.end("done"));
    });
    const { PassThrough } = await import("node:stream");
    const body = new PassThrough();
    const pending = request(`${router.url}/live/upload`, { method: "POST", body });
    body.write("first ");
    await new Promise((resolve) => setTimeout(resolve, 400));
    body.end("second");
    const response = await pending;
    expect(await response.body.text()).toBe("done");
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen[seen.length - 1]! - seen[0]!).toBeGreaterThan(250);
  });

  it("passes a WebSocket upgrade through and echoes messages both ways", async () => {
    const wss = new WebSocketServer({ noServer: true });
    const { backend, router } = await setup((_req, res) => res.end("http"));
    backend.server.on("upgrade", (req, socket, head) =>
      wss.handleUpgrade(req, socket, head, (ws) => ws.on("message", (data) => ws.send(`echo: ${data}`))),
    );
    stops.push(async () => wss.close());
    const client = new WebSocket(`${router.url.replace("http", "ws")}/live/socket`);
    const upgradeHeaders = new Promise<Record<string, unknown>>((resolve) =>
      client.on("upgrade", (res) => resolve(res.headers)),
    );
    await new Promise((resolve, reject) => {
      client.once("open", resolve);
      client.once("error", reject);
    });
    expect((await upgradeHeaders)["x-agentctl-instance"]).toBe("live-0");
    const replies: string[] = [];
    const got = new Promise<void>((resolve) =>
      client.on("message", (data) => {
        replies.push(String(data));
        if (replies.length === 2) resolve();
      }),
    );
    client.send("hello");
    client.send("again");
    await got;
    expect(replies).toEqual(["echo: hello", "echo: again"]);
    client.close();
  });
});
