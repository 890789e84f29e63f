// The CLI entry: registers every command definition with commander, maps errors to exit codes in one
// place, and returns the exit code (only bin/ ends the process). Heavy modules load lazily per command.
import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import { ExitCode } from "../errors.js";
import type { CommandContext, CommandDefinition, GlobalOptions } from "./command.js";
import { commands } from "./commands.js";
import { jsonRequested, reportError } from "./report-error.js";

/** Streams and environment the CLI runs against; tests pass their own. */
export interface RunEnvironment {
  cwd?: string;
  stdout?: CommandContext["stdout"];
  stderr?: CommandContext["stderr"];
  stdin?: NodeJS.ReadStream;
  env?: NodeJS.ProcessEnv;
}

/** The installed agentctl version, read from package.json. */
export function agentctlVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return manifest.version;
}

/** Builds the commander program from the command definitions. */
export function buildProgram(
  definitions: readonly CommandDefinition[],
  makeContext: (globals: GlobalOptions) => CommandContext,
  onExit: (code: number) => void,
): Command {
  const program = new Command("agentctl")
    .description("Run, route and deploy agent systems built as microservices, from one agentctl.yaml.")
    .version(agentctlVersion(), "-V, --version", "print the agentctl version")
    .option("-f, --file <path>", "project file (default: agentctl.yaml in this folder or a parent)")
    .option("--json", "print machine-readable JSON where the output is data")
    .option("--no-color", "never colour the output (also: NO_COLOR=1)")
    .option("--debug", "print stack traces and internal details")
    .showSuggestionAfterError(true)
    .enablePositionalOptions(false)
    .exitOverride();
  for (const definition of definitions) {
    const command = program.command(definition.usage).summary(definition.summary);
    command.description(definition.description ?? definition.summary);
    for (const option of definition.options ?? []) {
      const built = new Option(option.flags, option.description);
      if (option.repeatable)
        built.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
      if (option.defaultValue !== undefined) built.default(option.defaultValue);
      if (option.hidden) built.hideHelp();
      command.addOption(built);
    }
    command.addHelpText("after", formatExamples(definition));
    command.exitOverride();
    command.action(async (...params: unknown[]) => {
      const self = params[params.length - 1] as Command;
      const options = self.opts();
      const args = (params.slice(0, -2) as (string | string[] | undefined)[]).flatMap((value) =>
        value === undefined ? [] : Array.isArray(value) ? value : [value],
      );
      const given = program.opts();
      const globals: GlobalOptions = {
        file: given.file as string | undefined,
        json: Boolean(given.json),
        color: given.color !== false,
        debug: Boolean(given.debug),
      };
      const code = await definition.run(args, options, makeContext(globals));
      onExit(code ?? ExitCode.ok);
    });
  }
  return program;
}

function formatExamples(definition: CommandDefinition): string {
  if (definition.examples.length === 0) return "";
  const width = Math.max(...definition.examples.map((example) => example.command.length));
  const lines = definition.examples.map(
    (example) => `  $ ${example.command.padEnd(width)}  # ${example.description}`,
  );
  return `\nExamples:\n${lines.join("\n")}\n`;
}

/** Runs the CLI with `argv` (as in process.argv) and returns the exit code. */
export async function run(argv: readonly string[], environment: RunEnvironment = {}): Promise<number> {
  const stdout = environment.stdout ?? process.stdout;
  const stderr = environment.stderr ?? process.stderr;
  const env = environment.env ?? process.env;
  let exitCode: number = ExitCode.ok;
  let globals: GlobalOptions = { json: jsonRequested(argv), color: true, debug: false };
  let stopController: AbortController | undefined;
  const makeContext = (given: GlobalOptions): CommandContext => {
    globals = given;
    return {
      globals: given,
      cwd: environment.cwd ?? process.cwd(),
      stdout,
      stderr,
      stdin: environment.stdin ?? process.stdin,
      env,
      // Ctrl-C handling is installed only for commands that ask for it, so short commands keep
      // Node's default of ending at once.
      get signal() {
        if (!stopController) {
          const controller = new AbortController();
          stopController = controller;
          const stop = (signal: NodeJS.Signals) => controller.abort(signal);
          process.once("SIGINT", stop);
          process.once("SIGTERM", stop);
          process.once("SIGHUP", stop);
        }
        return stopController.signal;
      },
    };
  };
  const program = buildProgram(commands, makeContext, (code) => {
    exitCode = code;
  });
  program.configureOutput({
    writeOut: (text) => stdout.write(text),
    writeErr: (text) => stderr.write(text),
    // Under --json a usage error is reported as the JSON error document instead (report-error.ts).
    outputError: (text, write) => (globals.json ? undefined : write(text)),
  });
  try {
    await program.parseAsync(argv);
  } catch (error) {
    exitCode = reportError(error, { stderr, globals, env });
  }
  return exitCode;
}
