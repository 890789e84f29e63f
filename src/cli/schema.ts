// `agentctl schema`: print the JSON Schema of agentctl.yaml for editors and other tools.
import { defineCommand } from "./command.js";
import { writeJson } from "./output.js";

export const schemaCommand = defineCommand({
  usage: "schema",
  summary: "print the JSON Schema of agentctl.yaml",
  description:
    "Print the JSON Schema (draft 2020-12) generated from agentctl's own zod schema. Editors use it through the `# yaml-language-server: $schema=` line that `agentctl init` writes.",
  examples: [
    { command: "agentctl schema > agentctl.schema.json", description: "save the schema for an editor" },
  ],
  async run(_args, _options, context) {
    const { schema } = await import("../api/schema.js");
    writeJson(context, schema());
    return 0;
  },
});
