// `agentctl scale agent=3`: change replica counts of the running project.
import { defineCommand } from "./command.js";
import { writeJson, writeLines } from "./output.js";

export const scaleCommand = defineCommand({
  usage: "scale <assignments...>",
  summary: "set the number of replicas of running services (service=n)",
  examples: [{ command: "agentctl scale agent=3 tools=2", description: "three agents, two tool runners" }],
  async run(args, _options, context) {
    const { loadProjectOrThrow } = await import("../project/load.js");
    const { scale } = await import("../api/scale.js");
    const project = loadProjectOrThrow({ file: context.globals.file, cwd: context.cwd, env: context.env });
    const result = await scale(project, args);
    if (context.globals.json) writeJson(context, result);
    else for (const r of result) writeLines(context.stdout, `${r.service}: ${r.ready}/${r.replicas} ready`);
    return result.every((r) => r.ready === r.replicas) ? 0 : 1;
  },
});
