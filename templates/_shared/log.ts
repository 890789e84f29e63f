// Structured logs: one JSON object per line on stdout, so agentctl (and any log shipper) can parse
// them without guessing formats.

/** Log levels, lowest first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** A logger bound to one service name. */
export interface Logger {
  log(level: LogLevel, fields: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Parses LOG_LEVEL; unknown values fall back to "info" rather than silencing the service. */
export function parseLogLevel(value: string | undefined): LogLevel {
  return value !== undefined && value in order ? (value as LogLevel) : "info";
}

/** A logger writing `{ts, level, service, ...fields}` lines; lines below `minimum` are dropped. */
export function createLogger(
  service: string,
  minimum: LogLevel = "info",
  write: (line: string) => void = (line) => process.stdout.write(line),
): Logger {
  const log = (level: LogLevel, fields: Record<string, unknown>) => {
    if (order[level] < order[minimum]) return;
    write(`${JSON.stringify({ ts: new Date().toISOString(), level, service, ...fields })}\n`);
  };
  return {
    log,
    info: (msg, fields) => log("info", { msg, ...fields }),
    warn: (msg, fields) => log("warn", { msg, ...fields }),
    error: (msg, fields) => log("error", { msg, ...fields }),
  };
}
