// The gateway template, bundled and run as a process in front of real agent, memory and tools
// services: chat forwarding (JSON and SSE), health aggregation, API keys, the /api/v1 aliases.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  freePort,
  postForEvents,
  requestJson,
  type TemplateService,
  templateWorld,
} from "../support/template-service.js";

const world = templateWorld();
let memory: TemplateService;
let tools: TemplateService;
let agent: TemplateService;
let discovery: Record<string, string>;

beforeAll(async () => {
  [memory, tools] = await Promise.all([
    world.start("memory", { env: { MEMORY_DIR: `${await world.tempDir()}/memory` } }),
    world.start("tool", { name: "tools" }),
  ]);
  discovery = { AGENTCTL_SERVICE_MEMORY_URL: memory.url, AGENTCTL_SERVICE_TOOLS_URL: tools.url };
  agent = await world.start("agent", { env: { ...discovery, AGENT_STREAM_DELAY_MS: "40" } });
  discovery.AGENTCTL_SERVICE_AGENT_URL = agent.url;
});
afterAll(() => world.close());

describe("gateway template: chat", () => {
  let gateway: TemplateService;
  beforeAll(async () => {
    gateway = await world.start("gateway", { env: discovery });
  });

  it("forwards /api/chat to the agent and returns its result (and /api/v1/chat is the same)", async () => {
    for (const path of ["/api/chat", "/api/v1/chat"]) {
      const answer = await requestJson(`${gateway.url}${path}`, {
        body: { user_id: "gina", message: "what is 2+3*4" },
      });
      expect(answer.status).toBe(200);
      expect(answer.body.success).toBe(true);
      expect(answer.body.result).toMatchObject({
        output: "2+3*4 = 14",
        conversation_id: "conversation:gina",
        tool_calls: [{ tool: "calculator", result: { value: 14 } }],
      });
    }
    const followUp = await requestJson(`${gateway.url}/api/chat`, {
      body: { user_id: "gina", message: "thanks" },
    });
    expect(followUp.body.result.output).toContain('you said: "what is 2+3*4"');
  });

  it("passes the request id through gateway → agent → tools", async () => {
    await requestJson(`${gateway.url}/api/chat`, {
      body: { user_id: "hal", message: "what is 1+1" },
      headers: { "x-request-id": "trace-gw-7" },
    });
    for (const service of [gateway, agent, tools]) {
      await expect.poll(() => service.logLines().some((line) => line.requestId === "trace-gw-7")).toBe(true);
    }
  });

  it("checks its own input and passes the agent's errors through", async () => {
    const noMessage = await requestJson(`${gateway.url}/api/chat`, { body: { user_id: "x" } });
    expect(noMessage.status).toBe(400);
    expect(noMessage.body.error.message).toBe("message: expected a non-empty string, got nothing");
    expect((await requestJson(`${gateway.url}/api/chat`)).status).toBe(405);
    expect((await requestJson(`${gateway.url}/api/unknown`)).status).toBe(404);
  });

  it("streams the agent's answer through as it is produced", async () => {
    const answer = await postForEvents(`${gateway.url}/api/chat`, { user_id: "ivy", message: "stream it" });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const deltas = answer.events.filter((event) => event.event === "message");
    const done = answer.events.find((event) => event.event === "done");
    expect(deltas.length).toBeGreaterThan(20);
    expect(deltas.map((event) => event.data.delta).join("")).toBe(done!.data.output);
    expect(answer.endedAt - deltas[0]!.at).toBeGreaterThan((deltas.length - 1) * 40 * 0.7);
    // Many separate reads, not one buffered body (a busy test machine may merge a few).
    expect(answer.reads).toBeGreaterThan(5);
  });

  it("answers 502 when the agent cannot be reached, and 503 when none is configured", async () => {
    const orphan = await world.start("gateway", {
      name: "gateway-orphan",
      env: { AGENTCTL_SERVICE_AGENT_URL: `http://127.0.0.1:${await freePort()}` },
    });
    const unreachable = await requestJson(`${orphan.url}/api/chat`, {
      body: { user_id: "j", message: "hi" },
    });
    expect(unreachable.status).toBe(502);
    expect(unreachable.body.error.message).toMatch(/ECONNREFUSED/);
    const streamed = await postForEvents(`${orphan.url}/api/chat`, { user_id: "j", message: "hi" });
    expect(streamed.status).toBe(502);
    const none = await world.start("gateway", { name: "gateway-alone" });
    const missing = await requestJson(`${none.url}/api/chat`, { body: { user_id: "j", message: "hi" } });
    expect(missing.status).toBe(503);
    expect(missing.body.error.message).toMatch(/no agent service is configured/);
  });
});

describe("gateway template: health aggregation", () => {
  it("200 with every discovered service's status and latency when all are healthy", async () => {
    const gateway = await world.start("gateway", { name: "gateway-health", env: discovery });
    for (const path of ["/api/health", "/api/v1/health"]) {
      const { status, body } = await requestJson(`${gateway.url}${path}`);
      expect(status).toBe(200);
      expect(body.status).toBe("healthy");
      expect(body.services.map((service: { name: string }) => service.name)).toEqual([
        "agent",
        "memory",
        "tools",
      ]);
      for (const service of body.services) {
        expect(service).toMatchObject({ status: "healthy", http_status: 200 });
        expect(service.latency_ms).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it("503 when one service is down, hangs or reports itself unhealthy; checks run in parallel with a timeout", async () => {
    const doomedTools = await world.start("tool", { name: "tools-doomed" });
    const hung = await startServer(() => {});
    const sick = await startServer((response) => {
      response.writeHead(503, { "content-type": "application/json" });
      response.end('{"status":"unhealthy"}');
    });
    const gateway = await world.start("gateway", {
      name: "gateway-degraded",
      env: {
        AGENTCTL_SERVICE_MEMORY_URL: memory.url,
        AGENTCTL_SERVICE_TOOLS_URL: doomedTools.url,
        AGENTCTL_SERVICE_SLOW_ONE_URL: hung.url,
        AGENTCTL_SERVICE_SLOW_TWO_URL: hung.url,
        AGENTCTL_SERVICE_SLOW_THREE_URL: hung.url,
        AGENTCTL_SERVICE_SICK_URL: sick.url,
        GATEWAY_HEALTH_TIMEOUT_MS: "500",
      },
    });
    await doomedTools.stop();
    try {
      const started = performance.now();
      const { status, body } = await requestJson(`${gateway.url}/api/health`);
      const elapsed = performance.now() - started;
      expect(status).toBe(503);
      expect(body.status).toBe("degraded");
      const byName = Object.fromEntries(
        body.services.map((service: { name: string }) => [service.name, service]),
      );
      expect(Object.keys(byName)).toEqual(["memory", "sick", "slow-one", "slow-three", "slow-two", "tools"]);
      expect(byName.memory).toMatchObject({ status: "healthy" });
      expect(byName.tools).toMatchObject({ status: "unreachable", error: "ECONNREFUSED" });
      expect(byName["slow-one"]).toMatchObject({ status: "unreachable", error: "no answer within 500ms" });
      expect(byName.sick).toMatchObject({ status: "unhealthy", http_status: 503 });
      // Three services that never answer, 500 ms each: one after the other would take 1.5 s.
      expect(elapsed).toBeLessThan(1_400);
    } finally {
      await hung.close();
      await sick.close();
    }
  });
});

describe("gateway template: API keys", () => {
  let gateway: TemplateService;
  beforeAll(async () => {
    gateway = await world.start("gateway", {
      name: "gateway-keys",
      env: { ...discovery, GATEWAY_API_KEYS: "key-one, key-two" },
    });
  });

  it("refuses requests without a valid key with 401", async () => {
    const missing = await requestJson(`${gateway.url}/api/chat`, { body: { user_id: "k", message: "hi" } });
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toBe('Bearer realm="agentctl"');
    expect(missing.body.error.message).toMatch(/^missing API key/);
    const wrong = await requestJson(`${gateway.url}/api/chat`, {
      body: { user_id: "k", message: "hi" },
      headers: { authorization: "Bearer key-three" },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.message).toBe("invalid API key");
    expect(
      (await requestJson(`${gateway.url}/api/health`, { headers: { "x-api-key": "key-on" } })).status,
    ).toBe(401);
    expect((await requestJson(`${gateway.url}/api/nothing-here`)).status).toBe(401);
  });

  it("accepts Authorization: Bearer and X-API-Key with any configured key", async () => {
    const bearer = await requestJson(`${gateway.url}/api/v1/chat`, {
      body: { user_id: "k", message: "hi" },
      headers: { authorization: "Bearer key-one" },
    });
    expect(bearer.status).toBe(200);
    const header = await requestJson(`${gateway.url}/api/health`, { headers: { "x-api-key": "key-two" } });
    expect(header.status).toBe(200);
  });

  it("leaves /health and /ready open for probes", async () => {
    expect((await requestJson(`${gateway.url}/health`)).status).toBe(200);
    expect((await requestJson(`${gateway.url}/ready`)).status).toBe(200);
  });

  it("never logs the keys", () => {
    expect(gateway.stdout()).not.toMatch(/key-one|key-two/);
  });
});

/** A local HTTP server answering every request with `answer` (which may never answer). */
async function startServer(
  answer: (response: import("node:http").ServerResponse) => void,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((_request, response) => answer(response));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
