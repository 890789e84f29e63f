// Reading Linux's /proc: a process's start time (so a reused pid is never mistaken for ours), its
// process group, CPU and memory, and which process holds a listening TCP port.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** The fields of /proc/<pid>/stat agentctl reads. */
export interface ProcessStat {
  pid: number;
  state: string;
  pgrp: number;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
  startTime: number;
  rssPages: number;
}

const ticksPerSecond = 100;
const pageSize = 4096;

/** Reads /proc/<pid>/stat, or undefined when there is no such process (or it is a zombie). */
export function readProcessStat(pid: number): ProcessStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: split after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const state = fields[0] ?? "?";
  if (state === "Z" || state === "X") return undefined;
  return {
    pid,
    state,
    pgrp: Number(fields[2]),
    cpuTicks: Number(fields[11]) + Number(fields[12]),
    startTime: Number(fields[19]),
    rssPages: Number(fields[21]),
  };
}

/** Whether `pid` is alive and is the same process that started at `startTime`. */
export function isSameProcess(pid: number, startTime: number | undefined): boolean {
  const stat = readProcessStat(pid);
  return stat !== undefined && (startTime === undefined || stat.startTime === startTime);
}

/** CPU seconds and resident memory of a process. */
export function processUsage(pid: number): { cpuSeconds: number; memoryBytes: number } | undefined {
  const stat = readProcessStat(pid);
  if (!stat) return undefined;
  return { cpuSeconds: stat.cpuTicks / ticksPerSecond, memoryBytes: stat.rssPages * pageSize };
}

/** CPU seconds and resident memory summed per process group, from one pass over /proc. */
export function usageByProcessGroup(): Map<number, { cpuSeconds: number; memoryBytes: number }> {
  const groups = new Map<number, { cpuSeconds: number; memoryBytes: number }>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcessStat(Number(entry));
    if (!stat) continue;
    const group = groups.get(stat.pgrp) ?? { cpuSeconds: 0, memoryBytes: 0 };
    group.cpuSeconds += stat.cpuTicks / ticksPerSecond;
    group.memoryBytes += stat.rssPages * pageSize;
    groups.set(stat.pgrp, group);
  }
  return groups;
}

/** Live processes whose process group is `pgrp` and that started no earlier than `notBefore`. */
export function processGroupMembers(pgrp: number, notBefore = 0): number[] {
  const members: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcessStat(Number(entry));
    if (stat && stat.pgrp === pgrp && stat.startTime >= notBefore) members.push(stat.pid);
  }
  return members;
}

/** The command line of a process, for messages. */
export function processCommand(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
  } catch {
    return "";
  }
}

/** Who listens on a TCP port: pid and command, found through /proc/net/tcp inodes, else `ss`. */
export function portHolder(port: number): { pid?: number; command?: string } | undefined {
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      // Column 4 is the state: 0A is LISTEN.
      if (cols.length < 10 || cols[3] !== "0A") continue;
      const localPort = Number.parseInt(cols[1]!.split(":")[1] ?? "", 16);
      if (localPort === port) inodes.add(cols[9]!);
    }
  }
  if (inodes.size > 0) {
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      let fds: string[];
      try {
        fds = readdirSync(`/proc/${entry}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        let target = "";
        try {
          target = readlinkSync(`/proc/${entry}/fd/${fd}`);
        } catch {
          continue;
        }
        const match = /^socket:\[(\d+)\]$/.exec(target);
        if (match && inodes.has(match[1]!))
          return { pid: Number(entry), command: processCommand(Number(entry)) };
      }
    }
  }
  return holderFromSs(port) ?? (inodes.size > 0 ? {} : undefined);
}

function holderFromSs(port: number): { pid?: number; command?: string } | undefined {
  try {
    const out = execFileSync("ss", ["-ltnpH", `sport = :${port}`], { encoding: "utf8", timeout: 2000 });
    const match = /users:\(\("([^"]+)",pid=(\d+)/.exec(out);
    if (match) return { pid: Number(match[2]), command: match[1] };
    return out.trim() ? {} : undefined;
  } catch {
    return undefined;
  }
}
