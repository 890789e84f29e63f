// `.agentctl/state.json` (the supervisor and every instance it started, with pid start times, so that
// leftovers of a killed agentctl can be found and reaped safely) and `.agentctl/lock` (one `up` per
// project; a lock whose holder is dead is taken over).
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { AgentctlError } from "../errors.js";
import { stateFiles } from "../project/state-files.js";
import type { InstanceHandle } from "./backend.js";
import { isSameProcess, readProcessStat } from "./process-table.js";

/** The supervisor as recorded in state.json. */
export interface SupervisorRecord {
  pid: number;
  startTime?: number;
  startedAt: string;
  /** Base URL of the control API. */
  controlUrl?: string;
}

/** The content of state.json. */
export interface StateFile {
  version: 1;
  project: string;
  supervisor?: SupervisorRecord;
  instances: InstanceHandle[];
}

/** Reads state.json, or undefined when absent or unreadable. */
export function readState(stateDir: string): StateFile | undefined {
  try {
    const parsed = JSON.parse(readFileSync(stateFiles(stateDir).state, "utf8")) as StateFile;
    return Array.isArray(parsed.instances) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Writes state.json atomically (write then rename), so a reader never sees half a file. */
export function writeState(stateDir: string, state: StateFile): void {
  mkdirSync(stateDir, { recursive: true });
  const file = stateFiles(stateDir).state;
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
}

/** Removes state.json. */
export function clearState(stateDir: string): void {
  rmSync(stateFiles(stateDir).state, { force: true });
}

/** Whether the supervisor recorded in a state file is still alive. */
export function supervisorAlive(state: StateFile | undefined): boolean {
  return state?.supervisor !== undefined && isSameProcess(state.supervisor.pid, state.supervisor.startTime);
}

interface LockContent {
  pid: number;
  startTime?: number;
}

/** Takes the project lock; fails when a live agentctl holds it, takes over a stale one. */
export function acquireLock(stateDir: string): { release: () => void; staleFrom?: number } {
  mkdirSync(stateDir, { recursive: true });
  const file = stateFiles(stateDir).lock;
  const mine: LockContent = { pid: process.pid, startTime: readProcessStat(process.pid)?.startTime };
  let staleFrom: number | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(mine), { flag: "wx", mode: 0o600 });
      return { release: () => releaseLock(file), staleFrom };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    let holder: LockContent | undefined;
    try {
      holder = JSON.parse(readFileSync(file, "utf8")) as LockContent;
    } catch {
      holder = undefined;
    }
    if (holder && isSameProcess(holder.pid, holder.startTime)) {
      throw new AgentctlError(
        "E_ALREADY_RUNNING",
        `agentctl up is already running for this project (pid ${holder.pid})`,
        { hint: "Use `agentctl ps` to see it, or `agentctl down` to stop it first." },
      );
    }
    staleFrom = holder?.pid;
    rmSync(file, { force: true });
  }
  throw new AgentctlError("E_LOCK", `could not take the lock ${file}`);
}

function releaseLock(file: string): void {
  try {
    const holder = JSON.parse(readFileSync(file, "utf8")) as LockContent;
    if (holder.pid === process.pid) rmSync(file, { force: true });
  } catch {
    // Already gone.
  }
}
