// Plain renderers (no ink): prefixed, per-service coloured log lines, instance states for people, and
// the `ps` table. The dashboard uses the same wording.
import type { LogLine } from "../../runtime/logs.js";
import type { InstanceView } from "../../runtime/supervisor.js";
import { type Colour, formatTable } from "../output.js";

const palette: Colour[] = ["cyan", "green", "yellow", "bold", "red"];

/** A stable colour per service name. */
export function serviceColour(service: string): Colour {
  let hash = 0;
  for (const char of service) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return palette[hash % palette.length]!;
}

/** `agent-0  | text`, the prefix padded to `width` and coloured per service. */
export function formatLogLine(
  line: LogLine,
  paint: (colour: Colour, text: string) => string,
  width = 0,
  withTime = false,
): string {
  const prefix = `${line.service}-${line.replica}`.padEnd(width);
  const time = withTime ? `${new Date(line.time).toISOString().slice(11, 23)} ` : "";
  return `${paint(serviceColour(line.service), `${prefix} |`)} ${time}${line.text}`;
}

/** An instance's state for people: `restarting (backoff 8s)`. */
export function describeState(instance: InstanceView): string {
  if (instance.state === "restarting" && instance.backoffMs !== undefined)
    return `restarting (backoff ${Math.round(instance.backoffMs / 1000)}s)`;
  if (instance.state === "stopped" && instance.lastExit) return `stopped (${instance.lastExit})`;
  return instance.state;
}

/** `1h2m`, `3m4s`, `5s` since an ISO time. */
export function formatUptime(startedAt: string | undefined, now = Date.now()): string {
  if (!startedAt) return "–";
  const seconds = Math.max(0, Math.floor((now - Date.parse(startedAt)) / 1000));
  if (seconds >= 3600) return `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60)}m`;
  if (seconds >= 60) return `${Math.floor(seconds / 60)}m${seconds % 60}s`;
  return `${seconds}s`;
}

/** `12.3 MiB`. */
export function formatBytes(bytes: number | undefined): string {
  return bytes === undefined ? "–" : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** The name column of `ps`: a backing resource is marked with its kind, `cache (redis)`. */
export function describeName(instance: InstanceView): string {
  return instance.kind === "resource"
    ? `${instance.service} (${instance.resourceKind ?? "resource"})`
    : instance.service;
}

/** The `ps` table. */
export function formatInstances(instances: readonly InstanceView[], now = Date.now()): string {
  const rows = instances.map((i) => [
    describeName(i),
    String(i.replica),
    describeState(i),
    i.pid !== undefined ? String(i.pid) : (i.container ?? "–"),
    String(i.port),
    String(i.restarts),
    i.state === "stopped" || i.state === "restarting" ? "–" : formatUptime(i.startedAt, now),
    i.cpuPercent === undefined ? "–" : `${i.cpuPercent.toFixed(1)}%`,
    formatBytes(i.memoryBytes),
  ]);
  return formatTable(
    ["SERVICE", "REPLICA", "STATE", "PID", "PORT", "RESTARTS", "UPTIME", "CPU", "MEMORY"],
    rows,
  );
}
