// The supervisor's control API and the router's admin API answer errors in one shape
// ({error, code, hint?}) and check the token the same way, over real sockets on 127.0.0.1.
import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.js";
import { startRouter } from "../../src/router/server.js";
import { startControlServer } from "../../src/runtime/control-server.js";
import { routerProject, servicesYaml } from "../support/router.js";

const token = "0123456789abcdef";
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});

async function ask(url: string, method: string, options: { token?: string; body?: string } = {}) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await request(url, { method: method as "GET", headers, body: options.body });
  return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
}

async function controlServer() {
  const server = await startControlServer(token, {
    status: () => ({ project: "demo" }),
    scale: (service) => {
      throw new UserError("E_UNKNOWN_SERVICE", `unknown service "${service}"`, { hint: "Known: echo." });
    },
    restart: async () => {
      throw new Error("the backend broke");
    },
    down: async () => {},
  });
  stops.push(() => server.close());
  return server.url;
}

async function routerAdmin() {
  const router = await startRouter({
    project: routerProject(servicesYaml({ echo: [] })),
    token,
    healthCheckIntervalMs: 0,
  });
  stops.push(() => router.close());
  return `${router.url}/_agentctl`;
}

describe("one error shape for the control and admin APIs", () => {
  it("refuses a missing or wrong token with 401 and E_UNAUTHORIZED on both", async () => {
    for (const url of [`${await controlServer()}/v1/status`, `${await routerAdmin()}/instances`]) {
      for (const given of [undefined, "wrong"]) {
        const answer = await ask(url, "GET", { token: given });
        expect(answer.status).toBe(401);
        expect(answer.body).toEqual({ error: expect.stringContaining("token"), code: "E_UNAUTHORIZED" });
      }
      expect((await ask(url, "GET", { token })).status).toBe(200);
    }
  });

  it("answers a body that is not JSON with 400 and E_BAD_REQUEST on both", async () => {
    const control = await controlServer();
    const admin = await routerAdmin();
    for (const url of [`${control}/v1/scale`, `${admin}/instances`]) {
      const answer = await ask(url, "POST", { token, body: "{not json" });
      expect(answer).toEqual({
        status: 400,
        body: { error: "the request body is not JSON", code: "E_BAD_REQUEST" },
      });
    }
  });

  it("answers a body over 64 KiB with 413 and E_BODY_TOO_LARGE on both", async () => {
    const control = await controlServer();
    const admin = await routerAdmin();
    const body = JSON.stringify({ service: "x".repeat(70_000) });
    for (const url of [`${control}/v1/scale`, `${admin}/instances`]) {
      const answer = await ask(url, "POST", { token, body });
      expect(answer.status).toBe(413);
      expect(answer.body).toMatchObject({ code: "E_BODY_TOO_LARGE" });
    }
  });

  it("answers an unknown endpoint with 404 and E_NOT_FOUND on both", async () => {
    const control = await ask(`${await controlServer()}/v1/nothing`, "GET", { token });
    expect(control).toEqual({
      status: 404,
      body: { error: "no such control endpoint: GET /v1/nothing", code: "E_NOT_FOUND" },
    });
    const admin = await ask(`${await routerAdmin()}/nothing`, "GET", { token });
    expect(admin.status).toBe(404);
    expect(admin.body).toMatchObject({ error: "no admin route GET /_agentctl/nothing", code: "E_NOT_FOUND" });
  });

  it("passes a handler's code and hint through, and names anything else E_INTERNAL with 500", async () => {
    const control = await controlServer();
    const scaled = await ask(`${control}/v1/scale`, "POST", {
      token,
      body: JSON.stringify({ service: "nope", replicas: 2 }),
    });
    expect(scaled).toEqual({
      status: 400,
      body: { error: 'unknown service "nope"', code: "E_UNKNOWN_SERVICE", hint: "Known: echo." },
    });
    const restarted = await ask(`${control}/v1/restart`, "POST", {
      token,
      body: JSON.stringify({ service: "echo" }),
    });
    expect(restarted).toEqual({ status: 500, body: { error: "the backend broke", code: "E_INTERNAL" } });
  });
});
