// `logs`: the stored output of services, merged by time; with follow, new lines as they are written.

import { statSync } from "node:fs";
import { join } from "node:path";
import type { ResolvedProject } from "../project/resolve.js";
import { stateFiles } from "../project/state-files.js";
import { type LogLine, loggedServices, readLogs, readLogsFrom } from "../runtime/logs.js";
import { selectRunning } from "./build.js";

/** Options of `logs`. */
export interface LogsOptions {
  services?: string[];
  /** Only lines at or after this time (ms since epoch). */
  since?: number;
  tail?: number;
  /** Keep printing new lines until the signal aborts. */
  follow?: boolean;
  signal?: AbortSignal;
  onLine(line: LogLine): void;
}

/** Prints stored lines, then (with follow) new ones until aborted. */
export async function logs(project: ResolvedProject, options: LogsOptions): Promise<void> {
  const dir = stateFiles(project.stateDir).logs;
  const names =
    options.services && options.services.length > 0
      ? selectRunning(project, options.services)
      : [...new Set([...selectRunning(project), ...loggedServices(dir)])];
  const offsets = new Map(names.map((name) => [name, sizeOf(join(dir, `${name}.log`))]));
  for (const line of readLogs(dir, names, { since: options.since, tail: options.tail })) options.onLine(line);
  if (!options.follow) return;
  while (!options.signal?.aborted) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const fresh: LogLine[] = [];
    for (const name of names) {
      const read = readLogsFrom(dir, name, offsets.get(name) ?? 0);
      offsets.set(name, read.offset);
      fresh.push(...read.lines);
    }
    fresh.sort((a, b) => a.time - b.time);
    for (const line of fresh) options.onLine(line);
  }
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
