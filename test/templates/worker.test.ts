// The worker template, bundled and run as a process: topic subscriptions, event handling with
// duplicate suppression, stats, and the kit's behaviour.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestJson, type TemplateService, templateWorld } from "../support/template-service.js";

const world = templateWorld();
let worker: TemplateService;

beforeAll(async () => {
  worker = await world.start("worker", { env: { SUBSCRIBE: "orders, emails" } });
});
afterAll(() => world.close());

const deliver = (service: TemplateService, topic: string, event: unknown) =>
  requestJson(`${service.url}/events/${topic}`, { body: event });

describe("worker template", () => {
  it("handles events of its topics, once per id, and counts them per topic", async () => {
    const first = await deliver(worker, "orders", { id: "evt-1", order: 42, total: 9.5 });
    expect(first.status).toBe(200);
    expect(first.body.result).toEqual({
      topic: "orders",
      id: "evt-1",
      duplicate: false,
      handled: { fields: ["id", "order", "total"] },
    });
    const again = await deliver(worker, "orders", { id: "evt-1", order: 42, total: 9.5 });
    expect(again.body.result).toEqual({ topic: "orders", id: "evt-1", duplicate: true });
    const anonymous = await deliver(worker, "emails", { to: "a@example.com" });
    expect(anonymous.body.result.id).toMatch(/^[0-9a-f-]{36}$/);
    await deliver(worker, "orders", { id: "evt-2" });

    const { status, body } = await requestJson(`${worker.url}/events/stats`);
    expect(status).toBe(200);
    expect(body.result).toMatchObject({
      subscriptions: ["orders", "emails"],
      received: 3,
      duplicates: 1,
      failed: 0,
      topics: {
        emails: { received: 1, duplicates: 0, last_event_id: anonymous.body.result.id },
        orders: { received: 2, duplicates: 1, last_event_id: "evt-2" },
      },
    });
    expect(body.result.recent.map((event: { id: string }) => event.id)).toEqual([
      "evt-2",
      anonymous.body.result.id,
      "evt-1",
    ]);
    await expect
      .poll(() =>
        worker
          .logLines()
          .filter((line) => line.msg === "event")
          .map((line) => line.id),
      )
      .toEqual(["evt-1", anonymous.body.result.id, "evt-2"]);
  });

  it("refuses topics it does not subscribe to, naming the ones it does", async () => {
    const answer = await deliver(worker, "payments", { id: "p" });
    expect(answer.status).toBe(404);
    expect(answer.body.error.message).toBe('not subscribed to "payments"; subscribed topics: orders, emails');
    expect(answer.body.error.subscriptions).toEqual(["orders", "emails"]);
    expect((await deliver(worker, "bad%20topic", {})).status).toBe(400);
  });

  it("wants a JSON object as the event: 400 for arrays and bad JSON, 415 for other types, 413 past the limit", async () => {
    const list = await deliver(worker, "orders", [1, 2]);
    expect(list.status).toBe(400);
    expect(list.body.error.message).toBe("event: expected a JSON object, got an array");
    const broken = await requestJson(`${worker.url}/events/orders`, {
      body: "{",
      headers: { "content-type": "application/json" },
    });
    expect(broken.status).toBe(400);
    const text = await requestJson(`${worker.url}/events/orders`, {
      body: "x",
      headers: { "content-type": "text/plain" },
    });
    expect(text.status).toBe(415);
    const big = await deliver(worker, "orders", { blob: "x".repeat(1024 * 1024) });
    expect(big.status).toBe(413);
    expect((await requestJson(`${worker.url}/events/orders`)).status).toBe(405);
  });

  it("with SUBSCRIBE=* takes every topic; with none set, no topic and says how to fix it", async () => {
    const all = await world.start("worker", { name: "worker-all", env: { SUBSCRIBE: "*" } });
    expect((await deliver(all, "anything.at-all", { id: "x" })).status).toBe(200);
    const none = await world.start("worker", { name: "worker-none" });
    const refused = await deliver(none, "orders", {});
    expect(refused.status).toBe(404);
    expect(refused.body.error.message).toBe(
      'not subscribed to "orders"; subscribed topics: none (set SUBSCRIBE)',
    );
    expect(
      none.logLines().some((line) => line.level === "warn" && String(line.msg).includes("SUBSCRIBE")),
    ).toBe(true);
  });

  it("is healthy and ready, and stops cleanly on SIGTERM", async () => {
    const own = await world.start("worker", { name: "worker-stop", env: { SUBSCRIBE: "orders" } });
    expect((await requestJson(`${own.url}/health`)).body).toMatchObject({
      status: "healthy",
      service: "worker-stop",
    });
    expect((await requestJson(`${own.url}/ready`)).status).toBe(200);
    expect(await own.stop()).toEqual({ code: 0, signal: null });
  });
});
