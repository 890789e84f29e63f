// The registry of commands: adding a command is adding a file and a line here.

import { addCommand } from "./add.js";
import { buildCommand } from "./build.js";
import { callCommand } from "./call.js";
import type { CommandDefinition } from "./command.js";
import { deployCommand } from "./deploy.js";
import { downCommand } from "./down.js";
import { initCommand } from "./init.js";
import { logsCommand } from "./logs.js";
import { psCommand } from "./ps.js";
import { registryCommand } from "./registry.js";
import { restartCommand } from "./restart.js";
import { scaleCommand } from "./scale.js";
import { schemaCommand } from "./schema.js";
import { upCommand } from "./up.js";
import { validateCommand } from "./validate.js";

/** Every command of the CLI, in the order `--help` lists them. */
export const commands: CommandDefinition[] = [
  initCommand,
  addCommand,
  validateCommand,
  schemaCommand,
  buildCommand,
  upCommand,
  downCommand,
  psCommand,
  logsCommand,
  scaleCommand,
  restartCommand,
  callCommand,
  registryCommand,
  deployCommand,
];
