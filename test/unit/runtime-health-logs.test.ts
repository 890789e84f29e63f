import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { applyProbe, initialHealth } from "../../src/runtime/health.js";
import { LogStore, parseLogLine, readLogs } from "../../src/runtime/logs.js";

const probe = { path: "/health", intervalMs: 2000, timeoutMs: 1000, retries: 3, startPeriodMs: 500 };
const probes = { ready: { ...probe, path: "/ready" }, health: probe };

describe("health", () => {
  it("is ready after the first good readiness probe and unhealthy after `retries` liveness failures", () => {
    let state = initialHealth(probes.ready, 0);
    expect(state.nextProbeAt).toBe(500);
    state = applyProbe(state, false, probes, 500);
    expect(state).toMatchObject({ ready: false, unhealthy: false, nextProbeAt: 750 });
    state = applyProbe(state, true, probes, 750);
    expect(state).toMatchObject({ ready: true, failures: 0, nextProbeAt: 2750 });
    state = applyProbe(state, false, probes, 2750);
    state = applyProbe(state, false, probes, 4750);
    expect(state).toMatchObject({ failures: 2, unhealthy: false });
    state = applyProbe(state, false, probes, 6750);
    expect(state).toMatchObject({ failures: 3, unhealthy: true });
    state = applyProbe(state, true, probes, 8750);
    expect(state).toMatchObject({ failures: 0, unhealthy: false });
  });
});

describe("log store", () => {
  let dir = "";
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps lines per service, rotates by size and reads them back merged by time", () => {
    dir = mkdtempSync(join(tmpdir(), "agentctl-logs-"));
    const store = new LogStore(dir, 400, 3);
    for (let i = 0; i < 30; i++) {
      store.append({
        time: 1_000_000 + i * 10,
        service: i % 2 ? "api" : "db",
        replica: 0,
        stream: "stdout",
        text: `line ${i}`,
      });
    }
    expect(readdirSync(dir).sort()).toContain("api.log.1");
    const all = readLogs(dir, ["api", "db"]);
    const times = all.map((line) => line.time);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(all.at(-1)?.text).toBe("line 29");
    expect(readLogs(dir, ["api", "db"], { tail: 2 }).map((l) => l.text)).toEqual(["line 28", "line 29"]);
    expect(readLogs(dir, ["db"], { since: 1_000_000 + 280 }).map((l) => l.text)).toEqual(["line 28"]);
  });

  it("parses a stored line", () => {
    expect(parseLogLine("2026-01-01T00:00:00.000Z tool-runner-2 err boom: a b")).toEqual({
      time: Date.parse("2026-01-01T00:00:00.000Z"),
      service: "tool-runner",
      replica: 2,
      stream: "stderr",
      text: "boom: a b",
    });
  });
});
