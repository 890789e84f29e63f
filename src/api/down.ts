// `down`: stop the project's supervisor (which stops every instance, dependents first), or reap what a
// killed supervisor left behind, or say that nothing is running.
import { connectControl } from "../client/control.js";
import type { ResolvedProject } from "../project/resolve.js";
import { createBackends } from "../runtime/backends.js";
import { isSameProcess } from "../runtime/process-table.js";
import { type ReapReport, reapLeftovers } from "../runtime/reap.js";

/** What `down` did. */
export interface DownResult {
  /** Instances the running supervisor stopped. */
  stopped: string[];
  /** Leftovers of a supervisor that was killed. */
  reaped: ReapReport;
  nothingRunning: boolean;
}

/** Stops everything that runs for the project. */
export async function down(project: ResolvedProject): Promise<DownResult> {
  const client = connectControl(project.stateDir);
  let stopped: string[] = [];
  if (client) {
    const status = await client.status().catch(() => undefined);
    stopped = status?.instances.filter((i) => i.state !== "stopped").map((i) => i.id) ?? [];
    try {
      await client.down();
    } catch {
      // A supervisor that cannot answer is asked the old way.
      try {
        process.kill(client.pid, "SIGTERM");
      } catch {}
    }
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && isSameProcess(client.pid, undefined))
      await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const reaped = await reapLeftovers(project.stateDir, createBackends(project));
  return { stopped, reaped, nothingRunning: !client && reaped.killed === 0 };
}
