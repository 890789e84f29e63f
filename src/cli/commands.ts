// The registry of commands: adding a command is adding a file and a line here.

import { buildCommand } from "./build.js";
import type { CommandDefinition } from "./command.js";
import { schemaCommand } from "./schema.js";
import { validateCommand } from "./validate.js";

/** Every command of the CLI, in the order `--help` lists them. */
export const commands: CommandDefinition[] = [validateCommand, schemaCommand, buildCommand];
