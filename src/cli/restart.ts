// `agentctl restart <service>`: restart a running service's replicas now.
import { defineCommand } from "./command.js";
import { writeLines } from "./output.js";

export const restartCommand = defineCommand({
  usage: "restart <services...>",
  summary: "restart every replica of running services, now and without backoff",
  examples: [{ command: "agentctl restart agent", description: "restart the agent's replicas" }],
  async run(args, _options, context) {
    const { loadProjectOrThrow } = await import("../project/load.js");
    const { restart } = await import("../api/restart.js");
    const project = loadProjectOrThrow({ file: context.globals.file, cwd: context.cwd, env: context.env });
    const restarted = await restart(project, args);
    writeLines(context.stdout, `restarted ${restarted.join(", ")}`);
    return 0;
  },
});
