// `agentctl logs`: stored output of services, merged by time, prefixed and coloured per service.
import { UserError } from "../errors.js";
import { defineCommand } from "./command.js";
import { colourEnabled, painter, writeLines } from "./output.js";

export const logsCommand = defineCommand({
  usage: "logs [services...]",
  summary: "print services' output (kept under .agentctl/logs/), merged and prefixed",
  examples: [
    { command: "agentctl logs", description: "everything kept so far" },
    { command: "agentctl logs agent -f --since 5m", description: "the agent's last 5 minutes, then follow" },
    { command: "agentctl logs --tail 50", description: "the last 50 lines" },
  ],
  options: [
    { flags: "-f, --follow", description: "keep printing new lines until Ctrl-C" },
    { flags: "--since <duration>", description: "only lines newer than this (e.g. 5m, 30s)" },
    { flags: "--tail <n>", description: "only the last n lines" },
    { flags: "--timestamps", description: "show the time of each line" },
  ],
  async run(args, options, context) {
    const { loadProjectOrThrow } = await import("../project/load.js");
    const { parseDuration } = await import("../project/units.js");
    const { logs } = await import("../api/logs.js");
    const { formatLogLine } = await import("./ui/plain.js");
    const project = loadProjectOrThrow({ file: context.globals.file, cwd: context.cwd, env: context.env });
    const tail = options.tail === undefined ? undefined : Number(options.tail);
    if (tail !== undefined && (!Number.isInteger(tail) || tail < 0))
      throw new UserError("E_USAGE", `--tail expects a whole number, found "${options.tail}"`);
    const paint = painter(colourEnabled(context));
    const width = Math.max(...project.services.map((s) => s.name.length + 2), 4);
    await logs(project, {
      services: args,
      since:
        options.since === undefined
          ? undefined
          : Date.now() - parseDuration(String(options.since), "--since"),
      tail,
      follow: Boolean(options.follow),
      signal: options.follow ? context.signal : undefined,
      onLine: (line) =>
        writeLines(
          context.stdout,
          context.globals.json
            ? JSON.stringify(line)
            : formatLogLine(line, paint, width, Boolean(options.timestamps)),
        ),
    });
    return 0;
  },
});
