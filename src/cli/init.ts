// `agentctl init`: scaffold a new agent system.
import { relative, resolve } from "node:path";
import { defineCommand } from "./command.js";
import { colourEnabled, painter, writeJson, writeLines } from "./output.js";

export const initCommand = defineCommand({
  usage: "init [dir]",
  summary: "scaffold agentctl.yaml and the agent, tools, memory and gateway services",
  description:
    "Create a project in dir (default: the current folder): agentctl.yaml, services/ from the templates (TypeScript services with no dependencies beyond Node), .gitignore, .env.example and agentctl.schema.json for editors. Never asks questions. Refuses a non-empty folder unless --force.",
  examples: [
    { command: "agentctl init demo", description: "scaffold into ./demo" },
    { command: "agentctl init --name shop-agents", description: "scaffold here with a chosen project name" },
    {
      command: "agentctl init . --force",
      description: "scaffold into a non-empty folder, keeping existing service folders",
    },
  ],
  options: [
    { flags: "--name <name>", description: "project name (default: the folder name)" },
    { flags: "--force", description: "scaffold into a non-empty folder" },
  ],
  async run(args, options, context) {
    const { init } = await import("../api/init.js");
    const result = await init({
      dir: resolve(context.cwd, args[0] ?? "."),
      name: options.name as string | undefined,
      force: Boolean(options.force),
    });
    if (context.globals.json) {
      writeJson(context, result);
      return 0;
    }
    const paint = painter(colourEnabled(context));
    const where = relative(context.cwd, result.root) || ".";
    writeLines(context.stdout, [
      `${paint("green", "created")} project ${paint("bold", result.name)} in ${where}`,
      ...result.created.map((file) => `  + ${file}`),
      ...result.kept.map((file) => `  = ${file} (kept)`),
      "",
      "Next:",
      ...(where === "." ? [] : [`  cd ${where}`]),
      "  agentctl up            # build and start every service, with a live dashboard",
      '  agentctl call gateway /api/chat -d \'{"user_id":"u1","message":"what is 6*7?"}\'',
    ]);
    return 0;
  },
});
