// Leftovers: instances recorded in state.json by an agentctl that is no longer alive (killed with
// SIGKILL, say). Only processes that match the recorded pid and start time, or that belong to such a
// process's group and started after it, are killed.
import type { Backend } from "./backend.js";
import { clearState, readState, supervisorAlive } from "./state.js";

/** What reaping found and killed. */
export interface ReapReport {
  instances: { id: string; pids: number[] }[];
  /** Total processes killed. */
  killed: number;
}

/** Reaps the instances of a dead supervisor; does nothing while the recorded supervisor lives. */
export async function reapLeftovers(
  stateDir: string,
  backends: Partial<Record<string, Backend>>,
): Promise<ReapReport> {
  const state = readState(stateDir);
  const report: ReapReport = { instances: [], killed: 0 };
  if (!state || supervisorAlive(state)) return report;
  for (const handle of state.instances) {
    const backend = backends[handle.runtime];
    if (!backend) continue;
    const pids = await backend.reap(handle);
    if (pids.length > 0) {
      report.instances.push({ id: handle.id, pids });
      report.killed += pids.length;
    }
  }
  clearState(stateDir);
  return report;
}
