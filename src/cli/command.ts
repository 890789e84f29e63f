// Commands are data: one definition per command holds its help, examples, options and action, so the
// help text, the README reference and the tests all read the same definitions.
import type { Writable } from "node:stream";

/** One option of a command, in commander's flag syntax. */
export interface OptionDefinition {
  flags: string;
  description: string;
  defaultValue?: string | boolean | string[];
  /** Repeatable options collect their values into a list. */
  repeatable?: boolean;
  /** Internal options are accepted but left out of --help. */
  hidden?: boolean;
}

/** Global flags every command sees. */
export interface GlobalOptions {
  file?: string;
  json: boolean;
  color: boolean;
  debug: boolean;
}

/** What a command's action gets besides its own arguments and options. */
export interface CommandContext {
  globals: GlobalOptions;
  cwd: string;
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean };
  stdin: NodeJS.ReadStream;
  env: NodeJS.ProcessEnv;
  /** Resolves when the user asks to stop (Ctrl-C or SIGTERM): long-running commands listen to it. */
  signal: AbortSignal;
}

/** A command as data. `run` returns the exit code (0 when omitted). */
export interface CommandDefinition {
  /** Name with arguments in commander syntax: `init [dir]`, `scale <assignments...>`. */
  usage: string;
  summary: string;
  description?: string;
  examples: { command: string; description: string }[];
  options?: OptionDefinition[];
  run(args: string[], options: Record<string, unknown>, context: CommandContext): Promise<number | undefined>;
}

/** Identity helper that gives a command definition its type. */
export function defineCommand(definition: CommandDefinition): CommandDefinition {
  return definition;
}
