// Reaping trusts pid AND start time: a live process whose start time differs from the record (a
// reused pid) is left alone; one that matches is killed with its group.
import { spawn } from "node:child_process";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createProcessBackend } from "../../src/runtime/process.js";
import { readProcessStat } from "../../src/runtime/process-table.js";
import { reapLeftovers } from "../../src/runtime/reap.js";
import { readState, writeState } from "../../src/runtime/state.js";
import { fixturesDir, makeTempDir } from "../support/cli.js";
import { alivePids, killLeftovers, waitFor, waitGone } from "../support/runtime.js";

const started: number[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  killLeftovers(started.splice(0));
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function startForever(env: NodeJS.ProcessEnv = {}, script = "forever.mjs"): number {
  const child = spawn(process.execPath, [join(fixturesDir, "bin", script)], {
    detached: true,
    stdio: "ignore",
    env: { ...process.env, ...env },
  });
  child.unref();
  started.push(child.pid!);
  return child.pid!;
}

describe("reaping leftovers", () => {
  it("kills recorded instances whose start time matches and spares a pid with another start time", async () => {
    const temp = await makeTempDir();
    cleanups.push(temp.remove);
    const ours = startForever();
    // The stranger leads its own group with a child in it: none of them may be touched.
    const pidDir = join(temp.dir, "pids");
    const stranger = startForever({ PORT: "0", SPAWN_GRANDCHILD: "1", PID_DIR: pidDir }, "http-service.mjs");
    const strangerChild = await waitFor(
      async () => {
        const pids = (await readdir(pidDir).catch(() => [] as string[]))
          .map(Number)
          .filter((pid) => pid !== stranger);
        return pids[0];
      },
      10_000,
      "the stranger's child",
    );
    started.push(strangerChild);
    const startTime = (pid: number) => readProcessStat(pid)!.startTime;
    writeState(temp.dir, {
      version: 1,
      project: "reap",
      // A supervisor pid that is not alive: these are leftovers.
      supervisor: { pid: 999_999_999, startedAt: new Date().toISOString() },
      instances: [
        {
          id: "a-0",
          service: "a",
          replica: 0,
          runtime: "process",
          port: 1,
          pid: ours,
          startTime: startTime(ours),
        },
        {
          id: "b-0",
          service: "b",
          replica: 0,
          runtime: "process",
          port: 2,
          pid: stranger,
          startTime: startTime(stranger) + 1,
        },
      ],
    });
    const report = await reapLeftovers(temp.dir, { process: createProcessBackend() });
    expect(report.instances).toEqual([{ id: "a-0", pids: [ours] }]);
    expect(await waitGone([ours], 5000)).toEqual([]);
    expect(alivePids([stranger, strangerChild])).toEqual([stranger, strangerChild]);
    expect(readState(temp.dir)).toBeUndefined();
  });
});
