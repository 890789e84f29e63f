// Errors are for people: a stable code, a message that says what was expected and what was found,
// an optional hint, and for configuration problems the file:line:col and field path of each problem.
// Codes and their exit codes live in the catalogue (error-codes.ts).
import { type ErrorCode, errorCatalogue } from "./error-codes.js";

export { type ErrorCode, errorCatalogue, isErrorCode } from "./error-codes.js";

/** Exit codes, decided in one place: 2 for usage and configuration errors, 1 for runtime failures. */
export const ExitCode = { ok: 0, failure: 1, usage: 2 } as const;

/**
 * The one shape of an error as data: what the control and admin APIs answer (protocol/api-http.ts)
 * and what `--json` prints for a failed command. `error` is the message.
 */
export interface ErrorBody {
  error: string;
  code: ErrorCode;
  hint?: string;
}

/** The error shape for this code, message and hint. */
export function errorBody(code: ErrorCode, message: string, hint?: string): ErrorBody {
  return hint === undefined ? { error: message, code } : { error: message, code, hint };
}

/** Where in a file a problem is: 1-based line and column. */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

/** One problem in a project file, with the dotted field path and its position when known. */
export interface Diagnostic {
  message: string;
  path: string;
  location?: SourceLocation;
  severity: "error" | "warning";
}

/** Formats a diagnostic as `file:line:col  path: message`. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.location ? `${d.location.file}:${d.location.line}:${d.location.col}` : "";
  const field = d.path ? `${d.path}: ` : "";
  const prefix = d.severity === "warning" ? "warning: " : "";
  return `${where ? `${where}  ` : ""}${prefix}${field}${d.message}`;
}

/** Base class of every error agentctl expects and explains; the code decides the exit code. */
export class AgentctlError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly exitCode: number;
  constructor(code: ErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AgentctlError";
    this.code = code;
    this.hint = options.hint;
    this.exitCode = errorCatalogue[code].exit;
  }
}

/** A mistake in how the command was called or in what the user asked for: a code that exits 2. */
export class UserError extends AgentctlError {
  constructor(
    code: { [C in ErrorCode]: (typeof errorCatalogue)[C]["exit"] extends 2 ? C : never }[ErrorCode],
    message: string,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(code, message, options);
    this.name = "UserError";
  }
}

/** One or more problems in a project file; all of them are reported at once (exit code 2). */
export class ConfigError extends AgentctlError {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[], options: { hint?: string } = {}) {
    const errors = diagnostics.filter((d) => d.severity === "error");
    super("E_CONFIG", errors.map(formatDiagnostic).join("\n"), options);
    this.name = "ConfigError";
    this.diagnostics = diagnostics;
  }
}

/** Something agentctl did not expect: a bug to report. */
export class InternalError extends AgentctlError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super("E_INTERNAL", message, {
      ...options,
      hint: "This is a bug in agentctl; please report it with the output of --debug.",
    });
    this.name = "InternalError";
  }
}
