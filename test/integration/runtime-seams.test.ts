// The seams the router plugs into (discovery URLs, instance events, extra status sections) and the
// control API's token, plus `logs --follow` over the files the supervisor writes.
import { describe, expect, it } from "vitest";
import { logs } from "../../src/api/logs.js";
import { up } from "../../src/api/up.js";
import { connectControl } from "../../src/client/control.js";
import type { LogLine } from "../../src/runtime/logs.js";
import type { InstanceView } from "../../src/runtime/supervisor.js";
import { cleanupAfterEach, loadProjectIn, runtimeFixture, waitFor } from "../support/runtime.js";

const defer = cleanupAfterEach();

describe("router seams and the control API", () => {
  it("discovery URLs, instance events and status sections come from the caller; a wrong token is refused", async () => {
    const dir = await runtimeFixture(defer, "runtime-basic");
    const project = loadProjectIn(dir);
    const events: InstanceView[] = [];
    const lines: string[] = [];
    const hosted = await up(project, {
      discoveryUrl: (service) => `http://127.0.0.1:4999/${service.name}`,
      onInstanceChange: (instance) => events.push(instance),
      statusSections: () => ({ router: { url: "http://127.0.0.1:4999" } }),
      onLine: (line) => lines.push(`${line.service}-${line.replica} ${line.text}`),
    });
    defer(() => hosted.shutdown());
    expect(lines).toContain("agent-0 discovery AGENTCTL_SERVICE_TOOLS_URL=http://127.0.0.1:4999/tools");
    const ready = events.filter((e) => e.state === "ready").map((e) => [e.id, e.url]);
    const agent = hosted.supervisor.list().find((i) => i.id === "agent-0")!;
    expect(ready).toContainEqual(["agent-0", `http://127.0.0.1:${agent.port}`]);

    const client = connectControl(project.stateDir)!;
    const status = await client.status();
    expect(status.router).toEqual({ url: "http://127.0.0.1:4999" });
    expect(status.phase).toBe("ready");
    const refused = await fetch(`${client.url}/v1/status`, { headers: { authorization: "Bearer nope" } });
    expect(refused.status).toBe(401);
  });

  it("logs --follow prints lines as instances write them", async () => {
    const dir = await runtimeFixture(defer, "runtime-basic");
    const project = loadProjectIn(dir);
    const hosted = await up(project);
    defer(() => hosted.shutdown());
    const seen: LogLine[] = [];
    const stop = new AbortController();
    const following = logs(project, {
      services: ["agent"],
      follow: true,
      signal: stop.signal,
      onLine: (l) => seen.push(l),
    });
    defer(async () => {
      stop.abort();
      await following;
    });
    await waitFor(
      () => (seen.some((l) => l.text.includes("listening")) ? true : undefined),
      10_000,
      "stored lines",
    );
    const before = seen.length;
    await hosted.supervisor.restart("agent");
    await waitFor(
      () => (seen.slice(before).some((l) => l.text.startsWith("agent-0 listening")) ? true : undefined),
      15_000,
      "a followed line",
    );
    expect(seen.every((l) => l.service === "agent")).toBe(true);
  });
});
