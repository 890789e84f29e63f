// The seam between the supervisor and whatever runs an instance (a process group, or a container).
// The supervisor only ever calls these five methods, so a backend is one file and one line.
import type { RuntimeName } from "../project/schema.js";

/** What a backend needs to start one replica. */
export interface StartSpec {
  id: string;
  service: string;
  replica: number;
  /** One shell string, or program and arguments. */
  command: string | string[];
  cwd: string;
  env: Record<string, string>;
  /** Receives every line the instance prints. */
  onLine(line: string, stream: "stdout" | "stderr"): void;
}

/** How an instance is identified across agentctl restarts; written to .agentctl/state.json. */
export interface InstanceHandle {
  id: string;
  service: string;
  replica: number;
  runtime: RuntimeName;
  port: number;
  /** Process id, which is also the process group id (each instance leads its own group). */
  pid?: number;
  /** Start time from /proc/<pid>/stat (clock ticks since boot): tells a reused pid apart. */
  startTime?: number;
  /** Container id (12 characters) of a docker instance. */
  container?: string;
}

/** What inspecting an instance tells. */
export interface InstanceStatus {
  running: boolean;
  exitCode?: number | null;
  signal?: string | null;
  /** CPU time used so far, in seconds (for a CPU% figure between two samples). */
  cpuSeconds?: number;
  memoryBytes?: number;
}

/** A way to run instances. */
export interface Backend {
  readonly name: RuntimeName;
  /** Starts an instance; resolves once it was spawned (not once it is ready). */
  start(spec: StartSpec, port: number): Promise<InstanceHandle>;
  /** Stops an instance and everything it started: TERM, up to graceMs, then KILL. */
  stop(handle: InstanceHandle, graceMs: number): Promise<void>;
  inspect(handle: InstanceHandle): Promise<InstanceStatus>;
  /** The last lines the instance printed (kept in memory by the backend). */
  logs(handle: InstanceHandle, lines: number): string[];
  /**
   * Kills what is left of an instance recorded by an earlier agentctl; returns the pids killed (for a
   * container, the pid of its init process).
   */
  reap(handle: InstanceHandle): Promise<number[]>;
}
