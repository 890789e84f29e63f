// How a failed command reaches the user, decided in one place: `error: <message>` and `hint: …` on
// stderr (every config problem on its own line), or under --json one JSON document on stderr in the
// shape the control and admin APIs answer errors with, plus the exit code. Returns the exit code.
import { CommanderError } from "commander";
import {
  AgentctlError,
  ConfigError,
  type Diagnostic,
  type ErrorBody,
  ExitCode,
  errorBody,
  formatDiagnostic,
} from "../errors.js";
import type { CommandContext, GlobalOptions } from "./command.js";
import { colourEnabled, painter } from "./output.js";

/** What --json prints for a failed command. */
export interface JsonFailure extends ErrorBody {
  exitCode: number;
  diagnostics?: Diagnostic[];
}

/** Where a failure is reported, and how. */
export type ReportContext = Pick<CommandContext, "stderr" | "env"> & { globals: GlobalOptions };

/** Whether `--json` is among the arguments (read before commander has parsed, for its own errors). */
export function jsonRequested(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end < 0 ? argv : argv.slice(0, end)).includes("--json");
}

/** Reports `error` and returns the exit code it ends the CLI with. */
export function reportError(error: unknown, context: ReportContext): number {
  if (error instanceof CommanderError) {
    const done = ["commander.helpDisplayed", "commander.version", "commander.help"].includes(error.code);
    const code = done || error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    // Commander printed its own message unless --json asked for a document instead.
    if (code !== ExitCode.ok && context.globals.json)
      writeFailure(context, {
        ...errorBody("E_USAGE", error.message.replace(/^error: /, "")),
        exitCode: code,
      });
    return code;
  }
  const failure = describeFailure(error);
  if (context.globals.json) {
    writeFailure(context, failure);
    return failure.exitCode;
  }
  const paint = painter(colourEnabled({ ...context, stdout: context.stderr }));
  if (error instanceof ConfigError) {
    const errors = error.diagnostics.filter((d) => d.severity === "error");
    for (const diagnostic of error.diagnostics) context.stderr.write(`${formatDiagnostic(diagnostic)}\n`);
    context.stderr.write(
      paint("red", `${errors.length} problem${errors.length === 1 ? "" : "s"} in the project file\n`),
    );
  } else {
    context.stderr.write(`${paint("red", "error:")} ${failure.error}\n`);
  }
  const stack = context.globals.debug && error instanceof Error ? error.stack : undefined;
  // An unexpected error's hint is "run again with --debug": left out when --debug shows the stack.
  if (failure.hint && !(stack && failure.code === "E_INTERNAL"))
    context.stderr.write(`${paint("dim", "hint:")} ${failure.hint}\n`);
  if (stack) context.stderr.write(`${stack}\n`);
  return failure.exitCode;
}

/** The failure as data: agentctl's own errors keep their code; anything else is E_INTERNAL. */
export function describeFailure(error: unknown): JsonFailure {
  if (error instanceof AgentctlError) {
    const body = { ...errorBody(error.code, error.message, error.hint), exitCode: error.exitCode };
    return error instanceof ConfigError ? { ...body, diagnostics: error.diagnostics } : body;
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    ...errorBody("E_INTERNAL", message, "run again with --debug for the stack trace"),
    exitCode: ExitCode.failure,
  };
}

function writeFailure(context: ReportContext, failure: JsonFailure): void {
  context.stderr.write(`${JSON.stringify(failure, null, 2)}\n`);
}
