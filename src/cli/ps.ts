// `agentctl ps`: the running instances, as a table or (--json) an array.
import { defineCommand } from "./command.js";
import { writeJson, writeLines } from "./output.js";

export const psCommand = defineCommand({
  usage: "ps",
  summary:
    "list the running instances (services and backing resources): state, pid, port, restarts, uptime, CPU, memory",
  examples: [
    { command: "agentctl ps", description: "a table" },
    { command: "agentctl ps --json", description: "a JSON array, one object per instance" },
  ],
  async run(_args, _options, context) {
    const { loadProjectOrThrow } = await import("../project/load.js");
    const { ps } = await import("../api/ps.js");
    const { formatInstances } = await import("./ui/plain.js");
    const project = loadProjectOrThrow({ file: context.globals.file, cwd: context.cwd, env: context.env });
    const result = await ps(project);
    if (context.globals.json) writeJson(context, result.instances);
    else if (!result.running) writeLines(context.stdout, "nothing is running");
    else {
      writeLines(context.stdout, formatInstances(result.instances));
      const resources = result.instances.filter((i) => i.kind === "resource");
      if (resources.length > 0)
        writeLines(context.stdout, ["", ...resources.map((i) => `resource ${i.service} at ${i.url}`)]);
      const router = result.status?.router as { url?: string; workerPids?: number[] } | undefined;
      const workers = router?.workerPids?.length
        ? `; ${router.workerPids.length} worker processes, pids ${router.workerPids.join(", ")}`
        : "";
      if (router?.url)
        writeLines(context.stdout, [
          "",
          `router ${router.url}  (each service at ${router.url}/<service>${workers})`,
        ]);
    }
    return 0;
  },
});
