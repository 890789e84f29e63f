// `down`: stop the project's supervisor (which stops every instance, dependents first), or reap what a
// killed supervisor left behind, or say that nothing is running; with `volumes`, also remove the data
// of the backing resources `up` ran (.agentctl/data/), which otherwise survives like a named volume.
import { existsSync, readdirSync, rmSync } from "node:fs";
import { connectControl } from "../client/control.js";
import { AgentctlError } from "../errors.js";
import type { ResolvedProject } from "../project/resolve.js";
import { createBackends } from "../runtime/backends.js";
import { isSameProcess } from "../runtime/process-table.js";
import { type ReapReport, reapLeftovers } from "../runtime/reap.js";
import { resourceDataRoot } from "../runtime/resources.js";

/** Options of `down`. */
export interface DownOptions {
  /** Also remove every resource's data folder (.agentctl/data/<resource>/). */
  volumes?: boolean;
}

/** What `down` did. */
export interface DownResult {
  /** Instances the running supervisor stopped. */
  stopped: string[];
  /** Leftovers of a supervisor that was killed. */
  reaped: ReapReport;
  nothingRunning: boolean;
  /** Resources whose data folder was removed (with `volumes`). */
  removedVolumes: string[];
}

/** Stops everything that runs for the project. */
export async function down(project: ResolvedProject, options: DownOptions = {}): Promise<DownResult> {
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
    // Data must not be pulled from under a server that may still be writing it.
    if (options.volumes && isSameProcess(client.pid, undefined))
      throw new AgentctlError(
        "E_STILL_RUNNING",
        `the supervisor (pid ${client.pid}) did not stop within 30s; the resources' data was kept`,
        { hint: "Run `agentctl down --volumes` again once it has stopped." },
      );
  }
  const reaped = await reapLeftovers(project.stateDir, createBackends(project));
  const removedVolumes = options.volumes ? removeVolumes(project) : [];
  return { stopped, reaped, nothingRunning: !client && reaped.killed === 0, removedVolumes };
}

function removeVolumes(project: ResolvedProject): string[] {
  const root = resourceDataRoot(project);
  if (!existsSync(root)) return [];
  const names = readdirSync(root).sort();
  rmSync(root, { recursive: true, force: true });
  return names;
}
