// `agentctl add`: scaffold one more service into an existing project.
import { relative } from "node:path";
import { templateNames } from "../project/template-names.js";
import { defineCommand } from "./command.js";
import { writeJson, writeLines } from "./output.js";

export const addCommand = defineCommand({
  usage: "add <name>",
  summary: "add a service from a template to an existing project",
  description: `Copy a template into services/<name> and add its entry to agentctl.yaml, keeping the file's comments and order. Templates: ${templateNames.join(", ")}.`,
  examples: [
    { command: "agentctl add search --template tool", description: "a second tool service" },
    { command: "agentctl add indexer --template worker", description: "an event-driven worker" },
  ],
  options: [
    { flags: "-t, --template <template>", description: `template to use (${templateNames.join("|")})` },
  ],
  async run(args, options, context) {
    const { UserError } = await import("../errors.js");
    if (!options.template) {
      throw new UserError("E_USAGE", "missing --template", {
        hint: `Pass --template ${templateNames.join("|")}.`,
      });
    }
    const { add } = await import("../api/add.js");
    const result = await add({
      name: args[0]!,
      template: String(options.template),
      file: context.globals.file,
      cwd: context.cwd,
      env: context.env,
    });
    if (context.globals.json) writeJson(context, result);
    else
      writeLines(
        context.stdout,
        `added service ${result.service} (template ${result.template}) in ${relative(context.cwd, result.folder)}`,
      );
    return 0;
  },
});
