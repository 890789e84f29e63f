// The supervisor with real processes: dependency order, shutdown order, readiness failures, kill -9,
// a crash loop's backoff, a port in use, the lock.
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { up } from "../../src/api/up.js";
import { AgentctlError } from "../../src/errors.js";
import { hostProject } from "../../src/runtime/host.js";
import { createProcessBackend } from "../../src/runtime/process.js";
import type { InstanceView } from "../../src/runtime/supervisor.js";
import {
  cleanupAfterEach,
  loadProjectIn,
  recordedPids,
  runtimeFixture,
  waitFor,
  waitGone,
} from "../support/runtime.js";

const defer = cleanupAfterEach();

const fixture = (name: string) => runtimeFixture(defer, name);

function events(dir: string): { instance: string; event: string }[] {
  return readFileSync(join(dir, "run", "events.log"), "utf8")
    .trim()
    .split("\n")
    .map((line) => {
      const [, instance, event] = line.split(" ");
      return { instance: instance!, event: event! };
    });
}

describe("up on the process runtime", () => {
  it("starts in dependency order, passes discovery URLs, and stops dependents first leaving nothing", async () => {
    const dir = await fixture("runtime-deps");
    const lines: string[] = [];
    const hosted = await up(loadProjectIn(dir), {
      onLine: (line) => lines.push(`${line.service}-${line.replica} ${line.text}`),
    });
    defer(() => hosted.shutdown());
    const list = hosted.supervisor.list();
    expect(list.map((i) => [i.id, i.state])).toEqual([
      ["db-0", "ready"],
      ["api-0", "ready"],
      ["web-0", "ready"],
    ]);
    const order = events(dir).map((e) => `${e.instance} ${e.event}`);
    expect(order.indexOf("db-0 listening")).toBeLessThan(order.indexOf("api-0 started"));
    expect(order.indexOf("api-0 listening")).toBeLessThan(order.indexOf("web-0 started"));
    // Discovery points at the router, which reaches the ready replica.
    expect(hosted.routerUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(lines).toContain(`web-0 discovery AGENTCTL_SERVICE_DB_URL=${hosted.routerUrl}/db`);
    const routed = await fetch(`${hosted.routerUrl}/db/health`);
    expect(routed.status).toBe(200);
    expect(routed.headers.get("x-agentctl-instance")).toBe("db-0");
    const pids = await recordedPids(dir);
    expect(pids.length).toBe(3);
    await hosted.shutdown();
    const stops = events(dir)
      .filter((e) => e.event === "stopping")
      .map((e) => e.instance);
    expect(stops).toEqual(["web-0", "api-0", "db-0"]);
    expect(await waitGone(pids, 5000)).toEqual([]);
  });

  it("fails when a service never gets ready, with its last lines, after stopping what it started", async () => {
    const dir = await fixture("runtime-never-ready");
    const error = await up(loadProjectIn(dir), { readyTimeoutMs: 6000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentctlError);
    expect((error as AgentctlError).code).toBe("E_NOT_READY");
    expect((error as Error).message).toMatch(/service "stuck" did not become ready within 6s/);
    expect((error as Error).message).toMatch(/stuck-0 \| stuck-0 listening on \d+/);
    expect(await waitGone(await recordedPids(dir), 5000)).toEqual([]);
  });

  it("--keep-going leaves the rest running", async () => {
    const dir = await fixture("runtime-never-ready");
    const error = (await up(loadProjectIn(dir), { readyTimeoutMs: 5000, keepGoing: true }).catch(
      (e: unknown) => e,
    )) as {
      hosted?: { shutdown(): Promise<void>; supervisor: { list(): InstanceView[] } };
    };
    expect(error.hosted).toBeDefined();
    defer(() => error.hosted!.shutdown());
    expect(error.hosted!.supervisor.list().find((i) => i.id === "base-0")?.state).toBe("ready");
  });

  it("restarts a replica killed with kill -9", async () => {
    const dir = await fixture("runtime-basic");
    const hosted = await up(loadProjectIn(dir));
    defer(() => hosted.shutdown());
    const before = hosted.supervisor.list().find((i) => i.id === "agent-0")!;
    process.kill(before.pid!, "SIGKILL");
    const after = await waitFor(
      () =>
        hosted.supervisor
          .list()
          .find((i) => i.id === "agent-0" && i.state === "ready" && i.pid !== before.pid),
      30_000,
      "agent-0 to be restarted",
    );
    expect(after.restarts).toBe(1);
    expect(after.port).toBe(before.port);
  });

  it("backs a crash-looping service off 1s, 2s, 4s", async () => {
    const dir = await fixture("runtime-crash");
    const seen: { backoffMs: number; at: number }[] = [];
    const starts: number[] = [];
    const hosted = await hostProject({
      project: loadProjectIn(dir),
      backends: { process: createProcessBackend() },
      onInstanceChange: (instance) => {
        if (instance.service !== "crasher") return;
        if (instance.state === "restarting") seen.push({ backoffMs: instance.backoffMs!, at: Date.now() });
        if (instance.state === "starting" && instance.pid) starts.push(Date.now());
      },
    });
    defer(() => hosted.shutdown());
    await waitFor(() => (seen.length >= 3 ? true : undefined), 40_000, "three restarts");
    expect(seen.slice(0, 3).map((s) => s.backoffMs)).toEqual([1000, 2000, 4000]);
    // Each restart came no sooner than its backoff (generous on the upper side: two shared cores).
    for (let i = 0; i < 2; i++)
      expect(starts[i + 1]! - seen[i]!.at).toBeGreaterThanOrEqual(seen[i]!.backoffMs - 50);
    const crasher = hosted.supervisor.list().find((i) => i.service === "crasher")!;
    expect(crasher.restarts).toBeGreaterThanOrEqual(3);
    expect(hosted.supervisor.list().find((i) => i.service === "steady")?.restarts).toBe(0);
  });

  it("names the port and its holder when a configured port is taken", async () => {
    const dir = await fixture("runtime-deps");
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    defer(() => new Promise<void>((resolve) => holder.close(() => resolve())));
    const port = (holder.address() as { port: number }).port;
    const file = join(dir, "agentctl.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace("  db:\n", `  db:\n    port: ${port}\n`));
    const error = await up(loadProjectIn(dir)).catch((e: unknown) => e);
    expect((error as AgentctlError).code).toBe("E_PORT_IN_USE");
    expect((error as Error).message).toContain(
      `port ${port} of service "db" is already in use by pid ${process.pid}`,
    );
    expect(await recordedPids(dir)).toEqual([]);
  });

  it("refuses a second up on the same project", async () => {
    const dir = await fixture("runtime-basic");
    const hosted = await up(loadProjectIn(dir));
    defer(() => hosted.shutdown());
    const error = await up(loadProjectIn(dir)).catch((e: unknown) => e);
    expect((error as AgentctlError).code).toBe("E_ALREADY_RUNNING");
    expect((error as Error).message).toContain(`(pid ${process.pid})`);
  });
});
