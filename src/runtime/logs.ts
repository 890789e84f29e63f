// Instance output kept under .agentctl/logs/<service>.log, one line per printed line with a timestamp
// and the replica, rotated by size (<service>.log.1 … .N); read back merged across services.
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
} from "node:fs";
import { join } from "node:path";

/** Size at which a log file is rotated. */
export const defaultMaxLogBytes = 5 * 1024 * 1024;
/** Rotated files kept per service. */
export const defaultLogFiles = 3;

/** One stored log line. */
export interface LogLine {
  time: number;
  service: string;
  replica: number;
  stream: "stdout" | "stderr";
  text: string;
}

const linePattern = /^(\S+) (\S+)-(\d+) (out|err) (.*)$/;

/** Appends lines to per-service files, rotating a file that grows past maxBytes. */
export class LogStore {
  private readonly sizes = new Map<string, number>();
  constructor(
    readonly dir: string,
    private readonly maxBytes = defaultMaxLogBytes,
    private readonly keep = defaultLogFiles,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  /** Appends one line of an instance's output. */
  append(line: LogLine): void {
    const file = join(this.dir, `${line.service}.log`);
    const text = `${new Date(line.time).toISOString()} ${line.service}-${line.replica} ${line.stream === "stdout" ? "out" : "err"} ${line.text}\n`;
    let size = this.sizes.get(file) ?? (existsSync(file) ? statSync(file).size : 0);
    if (size + text.length > this.maxBytes && size > 0) {
      this.rotate(file);
      size = 0;
    }
    appendFileSync(file, text, { mode: 0o600 });
    this.sizes.set(file, size + Buffer.byteLength(text));
  }

  private rotate(file: string): void {
    for (let index = this.keep - 1; index >= 1; index--) {
      if (existsSync(`${file}.${index}`)) renameSync(`${file}.${index}`, `${file}.${index + 1}`);
    }
    renameSync(file, `${file}.1`);
  }
}

/** Parses one stored line. */
export function parseLogLine(text: string): LogLine | undefined {
  const match = linePattern.exec(text);
  if (!match) return undefined;
  const time = Date.parse(match[1]!);
  if (Number.isNaN(time)) return undefined;
  return {
    time,
    service: match[2]!,
    replica: Number(match[3]),
    stream: match[4] === "out" ? "stdout" : "stderr",
    text: match[5]!,
  };
}

/** Services that have a log file in the folder. */
export function loggedServices(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(".log") && name !== "supervisor.log")
    .map((name) => name.slice(0, -4));
}

/** Reads the stored lines of the given services (rotated files first), merged by time. */
export function readLogs(
  dir: string,
  services: readonly string[],
  options: { since?: number; tail?: number } = {},
): LogLine[] {
  const lines: LogLine[] = [];
  for (const service of services) {
    const base = join(dir, `${service}.log`);
    const files = [
      ...Array.from({ length: defaultLogFiles + 2 }, (_, i) => `${base}.${i + 1}`).reverse(),
      base,
    ];
    for (const file of files) {
      if (!existsSync(file)) continue;
      for (const text of readFileSync(file, "utf8").split("\n")) {
        const line = parseLogLine(text);
        if (line && (options.since === undefined || line.time >= options.since)) lines.push(line);
      }
    }
  }
  lines.sort((a, b) => a.time - b.time);
  return options.tail !== undefined ? lines.slice(Math.max(0, lines.length - options.tail)) : lines;
}

/** Reads the lines appended to a service's log since byte `offset`; returns them and the new offset. */
export function readLogsFrom(
  dir: string,
  service: string,
  offset: number,
): { lines: LogLine[]; offset: number } {
  const file = join(dir, `${service}.log`);
  if (!existsSync(file)) return { lines: [], offset: 0 };
  const size = statSync(file).size;
  // A smaller file than before means it was rotated: start from its beginning.
  const start = size < offset ? 0 : offset;
  const buffer = readFileSync(file).subarray(start);
  const text = buffer.toString("utf8");
  const complete = text.lastIndexOf("\n") + 1;
  const lines = text
    .slice(0, complete)
    .split("\n")
    .map(parseLogLine)
    .filter((line): line is LogLine => line !== undefined);
  return { lines, offset: start + Buffer.byteLength(text.slice(0, complete)) };
}
