// The `up` dashboard: one row per replica (state, health, port, restarts, uptime, CPU, memory, and the
// router's request rate and errors once something feeds them), a log pane, and key hints.
import { Box, Text } from "ink";
import type { TrafficFigures } from "../../runtime/host.js";
import type { LogLine } from "../../runtime/logs.js";
import type { InstanceView } from "../../runtime/supervisor.js";
import { describeName, describeState, formatBytes, formatUptime } from "./plain.js";

/** Per-service traffic figures: the seam the router fills in; absent figures show as "–". */
export type { TrafficFigures } from "../../runtime/host.js";

/** Everything the dashboard shows. */
export interface DashboardData {
  project: string;
  /** What up is doing: building, starting, ready, stopping … */
  phase: string;
  progress: string[];
  instances: InstanceView[];
  traffic: Record<string, TrafficFigures>;
  /** Where every service is reachable (<router>/<service>), once the router listens. */
  routerUrl?: string;
  logLines: LogLine[];
  /** The service whose logs the pane shows; undefined for all. */
  selectedService?: string;
  now: number;
}

const stateColour: Record<string, string> = {
  ready: "green",
  starting: "yellow",
  unhealthy: "red",
  restarting: "magenta",
  stopped: "gray",
};

const columns = [
  ["SERVICE", 16],
  ["STATE", 24],
  ["HEALTH", 9],
  ["PORT", 7],
  ["RESTARTS", 9],
  ["UPTIME", 8],
  ["CPU", 7],
  ["MEMORY", 11],
  ["REQ/S", 7],
  ["ERR/S", 7],
] as const;

function cell(text: string, width: number): string {
  return text.length >= width ? `${text.slice(0, width - 1)} ` : text.padEnd(width);
}

function figure(value: number | undefined): string {
  return value === undefined ? "–" : value.toFixed(1);
}

/** The dashboard, a pure function of its data. */
export function Dashboard({ data, logHeight = 12 }: { data: DashboardData; logHeight?: number }) {
  const shownLines = data.logLines
    .filter((line) => !data.selectedService || line.service === data.selectedService)
    .slice(-logHeight);
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>agentctl up</Text> {data.project} <Text color="cyan">{data.phase}</Text>
        {data.routerUrl ? (
          <Text dimColor>
            {" "}
            router {data.routerUrl}
            {"/<service>"}
          </Text>
        ) : null}
      </Text>
      {data.progress.slice(-3).map((message, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: an append-only list; the position is the identity
        <Text key={`${index}-${message}`} dimColor>
          {message}
        </Text>
      ))}
      <Text bold>{columns.map(([name, width]) => cell(name, width)).join("")}</Text>
      {data.instances.map((instance) => {
        const traffic = data.traffic[instance.service] ?? {};
        const live = instance.state !== "stopped" && instance.state !== "restarting";
        return (
          <Text key={instance.id}>
            {cell(
              instance.kind === "resource"
                ? describeName(instance)
                : `${instance.service}-${instance.replica}`,
              16,
            )}
            <Text color={stateColour[instance.state]}>{cell(describeState(instance), 24)}</Text>
            {cell(instance.health, 9)}
            {cell(String(instance.port), 7)}
            {cell(String(instance.restarts), 9)}
            {cell(live ? formatUptime(instance.startedAt, data.now) : "–", 8)}
            {cell(instance.cpuPercent === undefined ? "–" : `${instance.cpuPercent.toFixed(1)}%`, 7)}
            {cell(formatBytes(instance.memoryBytes), 11)}
            {cell(figure(traffic.requestsPerSecond), 7)}
            {cell(figure(traffic.errorsPerSecond), 7)}
          </Text>
        );
      })}
      <Text bold>
        {"\n"}logs: {data.selectedService ?? "all services"}
      </Text>
      {shownLines.map((line, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: an append-only list; the position is the identity
        <Text key={`${line.time}-${index}`} wrap="truncate-end">
          <Text color="cyan">{`${line.service}-${line.replica} |`}</Text> {line.text}
        </Text>
      ))}
      <Text dimColor>{"\n"}←/→ pick a service's logs · r restart it · q quit</Text>
    </Box>
  );
}
