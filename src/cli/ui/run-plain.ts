// Foreground `up` without a dashboard: progress and state changes on stderr, every instance's output on
// stdout as prefixed lines; runs until Ctrl-C, SIGTERM or `agentctl down`.
import { up } from "../../api/up.js";
import type { AgentctlError } from "../../errors.js";
import type { ResolvedProject } from "../../project/resolve.js";
import type { HostedProject } from "../../runtime/host.js";
import type { CommandContext } from "../command.js";
import { type Colour, writeLines } from "../output.js";
import { describeState, formatLogLine } from "./plain.js";

/** Runs the project in the foreground with plain output; returns the exit code. */
export async function runPlain(
  project: ResolvedProject,
  context: CommandContext,
  options: {
    readyTimeoutMs: number;
    keepGoing: boolean;
    accessLog?: string;
    echoLines: boolean;
    progress: (message: string) => void;
    paint: (colour: Colour, text: string) => string;
  },
): Promise<number> {
  const signal = context.signal;
  const width = Math.max(...project.services.map((s) => `${s.name}-${s.replicas}`.length), 4);
  let hosted: HostedProject;
  try {
    hosted = await up(project, {
      env: context.env,
      signal,
      keepGoing: options.keepGoing,
      readyTimeoutMs: options.readyTimeoutMs,
      accessLog: options.accessLog,
      onProgress: options.progress,
      onLine: options.echoLines
        ? (line) => writeLines(context.stdout, formatLogLine(line, options.paint, width))
        : undefined,
      onInstanceChange: (instance) =>
        options.progress(
          `${instance.id} ${describeState(instance)}${instance.pid ? ` (pid ${instance.pid}, port ${instance.port})` : ""}`,
        ),
    });
  } catch (error) {
    const kept = (error as AgentctlError & { hosted?: HostedProject }).hosted;
    if (!kept) throw error;
    writeLines(context.stderr, `${options.paint("red", "error:")} ${(error as Error).message}`);
    options.progress("--keep-going: the other services stay up");
    hosted = kept;
  }
  const count = hosted.supervisor.list().length;
  options.progress(`ready: ${count} instance${count === 1 ? "" : "s"} (Ctrl-C stops everything)`);
  await Promise.race([
    hosted.closed,
    new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true })),
  ]);
  options.progress("stopping (dependents first)");
  await hosted.shutdown();
  options.progress("stopped");
  return 0;
}
