import { render } from "ink-testing-library";
import { describe, expect, it } from "vitest";
import { Dashboard, type DashboardData } from "../../src/cli/ui/dashboard.js";
import { DashboardApp, DashboardStore } from "../../src/cli/ui/run-dashboard.js";
import type { InstanceView } from "../../src/runtime/supervisor.js";

const now = Date.parse("2026-01-01T00:10:00.000Z");
const instance = (service: string, replica: number, extra: Partial<InstanceView> = {}): InstanceView => ({
  id: `${service}-${replica}`,
  service,
  replica,
  runtime: "process",
  state: "ready",
  pid: 1000 + replica,
  port: 40000 + replica,
  url: `http://127.0.0.1:${40000 + replica}`,
  restarts: 0,
  startedAt: "2026-01-01T00:08:55.000Z",
  health: "passing",
  cpuPercent: 1.5,
  memoryBytes: 42 * 1024 * 1024,
  ...extra,
});

const data: DashboardData = {
  project: "demo",
  phase: "ready",
  progress: ["built agent"],
  instances: [
    instance("memory", 0),
    instance("agent", 0),
    instance("agent", 1, { state: "restarting", backoffMs: 8000, restarts: 4, pid: undefined }),
    instance("tools", 0, { state: "starting", health: "unknown" }),
  ],
  traffic: { agent: { requestsPerSecond: 12.5, errorsPerSecond: 0.5 } },
  logLines: [
    { time: now, service: "agent", replica: 0, stream: "stdout", text: "hello from agent" },
    { time: now, service: "tools", replica: 0, stream: "stderr", text: "tools warming up" },
  ],
  now,
};

describe("Dashboard", () => {
  it("shows every service and replica with state, figures and logs", () => {
    const { lastFrame } = render(<Dashboard data={data} />);
    const frame = lastFrame() ?? "";
    for (const id of ["memory-0", "agent-0", "agent-1", "tools-0"]) expect(frame).toContain(id);
    expect(frame).toContain("restarting (backoff 8s)");
    expect(frame).toMatch(/agent-0\s+ready\s+passing\s+40000\s+0\s+1m5s\s+1\.5%\s+42\.0 MiB\s+12\.5\s+0\.5/);
    // No router yet for memory: its request figures are dashes.
    expect(frame).toMatch(/memory-0\s+ready.*MiB\s+–\s+–/);
    expect(frame).toContain("hello from agent");
    expect(frame).toContain("tools warming up");
  });

  it("filters the log pane to the picked service and restarts it on r", async () => {
    const store = new DashboardStore("demo");
    store.update({ ...data, selectedService: undefined });
    const restarted: string[] = [];
    let quit = false;
    const app = render(
      <DashboardApp
        store={store}
        onRestart={(service) => restarted.push(service)}
        onQuit={() => (quit = true)}
      />,
    );
    const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
    // Keys are handled asynchronously; on a loaded machine one settle may not be enough.
    const until = async (done: () => boolean) => {
      for (let waited = 0; !done() && waited < 3000; waited += 25)
        await new Promise((resolve) => setTimeout(resolve, 25));
    };
    await settle();
    app.stdin.write("\u001b[C"); // →: the first service
    await until(() => store.data.selectedService !== undefined);
    expect(store.data.selectedService).toBe("memory");
    app.stdin.write("\u001b[C");
    await until(() => store.data.selectedService !== "memory");
    expect(store.data.selectedService).toBe("agent");
    await until(() => (app.lastFrame() ?? "").includes("logs: agent"));
    const frame = app.lastFrame() ?? "";
    expect(frame).toContain("logs: agent");
    expect(frame).toContain("hello from agent");
    expect(frame).not.toContain("tools warming up");
    app.stdin.write("r");
    await until(() => restarted.length > 0);
    expect(restarted).toEqual(["agent"]);
    app.stdin.write("q");
    await until(() => quit);
    expect(quit).toBe(true);
    app.unmount();
  });
});
