// `agentctl build`: bundle services' TypeScript entries with esbuild.
import { relative } from "node:path";
import { defineCommand } from "./command.js";
import { colourEnabled, formatTable, painter, writeJson, writeLines } from "./output.js";

export const buildCommand = defineCommand({
  usage: "build [services...]",
  summary: "bundle each service's TypeScript entry into .agentctl/build/<service>/index.mjs",
  description:
    "Bundle each service's `entry` with esbuild into one ESM file that plain node runs (no npm install per service). Unchanged inputs are skipped; --force rebuilds.",
  examples: [
    { command: "agentctl build", description: "bundle every service with an entry" },
    { command: "agentctl build agent tools", description: "bundle two services" },
    { command: "agentctl build --force --json", description: "rebuild all and print a JSON report" },
  ],
  options: [{ flags: "--force", description: "rebuild even when no input changed" }],
  async run(args, options, context) {
    const { loadProjectOrThrow } = await import("../project/load.js");
    const { build } = await import("../api/build.js");
    const project = loadProjectOrThrow({ file: context.globals.file, cwd: context.cwd, env: context.env });
    const paint = painter(colourEnabled(context));
    const results = await build(project, {
      services: args,
      force: Boolean(options.force),
      onService: context.globals.json
        ? undefined
        : (service, result) =>
            writeLines(
              context.stderr,
              `${paint(result.skipped ? "dim" : "green", result.skipped ? "unchanged" : "built")} ${service}`,
            ),
    });
    if (context.globals.json) {
      writeJson(context, results);
      return 0;
    }
    const rows = results.map((r) => [
      r.service,
      r.skipped ? "unchanged" : "built",
      `${(r.bytes / 1024).toFixed(1)} KiB`,
      String(r.inputs),
      `${Math.round(r.ms)} ms`,
      relative(context.cwd, r.outfile),
    ]);
    writeLines(context.stdout, formatTable(["SERVICE", "STATUS", "SIZE", "INPUTS", "TIME", "OUTPUT"], rows));
    return 0;
  },
});
