// `agentctl down`: stop everything the project runs, or reap what a killed agentctl left behind.
import { defineCommand } from "./command.js";
import { writeJson, writeLines } from "./output.js";

export const downCommand = defineCommand({
  usage: "down",
  summary: "stop every service of the project (dependents first) and reap leftovers",
  description:
    "Ask the running supervisor to stop every instance in reverse dependency order (SIGTERM to each process group, then SIGKILL after the grace period); backing resources stop last and keep their data in .agentctl/data/ unless --volumes is given. When the supervisor was killed, its leftover processes are found through .agentctl/state.json (pid and start time) and killed.",
  examples: [
    { command: "agentctl down", description: "stop everything" },
    {
      command: "agentctl down --volumes",
      description: "stop everything and remove the data of redis, postgres and nats resources",
    },
  ],
  options: [
    {
      flags: "--volumes",
      description: "also remove the backing resources' data (.agentctl/data/<resource>/)",
    },
  ],
  async run(_args, options, context) {
    const { loadProjectOrThrow } = await import("../project/load.js");
    const { down } = await import("../api/down.js");
    const project = loadProjectOrThrow({ file: context.globals.file, cwd: context.cwd, env: context.env });
    const result = await down(project, { volumes: options.volumes === true });
    if (context.globals.json) {
      writeJson(context, result);
      return 0;
    }
    if (result.nothingRunning) writeLines(context.stdout, "nothing is running");
    if (result.stopped.length > 0) writeLines(context.stdout, `stopped ${result.stopped.join(", ")}`);
    for (const instance of result.reaped.instances)
      writeLines(context.stdout, `reaped leftover ${instance.id}: killed pid ${instance.pids.join(", ")}`);
    if (result.removedVolumes.length > 0)
      writeLines(context.stdout, `removed the data of ${result.removedVolumes.join(", ")}`);
    return 0;
  },
});
