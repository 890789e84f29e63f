// Liveness failures restart an instance; a process that ignores SIGTERM is killed after its grace
// period, and its grandchild with it.
import { describe, expect, it } from "vitest";
import { up } from "../../src/api/up.js";
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

describe("health and stopping", () => {
  it("restarts an instance that turns unhealthy, and SIGKILLs one that ignores SIGTERM after its grace period", async () => {
    const dir = await runtimeFixture(defer, "runtime-health");
    const states: string[] = [];
    const hosted = await up(loadProjectIn(dir), {
      onInstanceChange: (i: InstanceView) => {
        if (i.service === "sick") states.push(i.state);
      },
    });
    defer(() => hosted.shutdown());
    await waitFor(
      () => hosted.supervisor.list().find((i) => i.id === "sick-0" && i.restarts >= 1 && i.state === "ready"),
      30_000,
      "sick-0 to be restarted after turning unhealthy",
    );
    expect(states.slice(0, 4)).toEqual(["starting", "ready", "unhealthy", "restarting"]);

    const pids = await recordedPids(dir);
    const started = Date.now();
    await hosted.shutdown();
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(900); // stubborn waited out its 1s grace period
    expect(await waitGone(pids, 5000)).toEqual([]);
  });
});
