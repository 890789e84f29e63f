// `agentctl up`: build, start every service in dependency order and supervise it — in the foreground
// with the dashboard (on a TTY) or plain prefixed lines, or in the background with -d.
import { defineCommand } from "./command.js";
import { colourEnabled, painter, writeJson, writeLines } from "./output.js";

export const upCommand = defineCommand({
  usage: "up",
  summary: "build and run every service locally, restarting what crashes, until Ctrl-C",
  description:
    "Bundle entries, start services in dependency order (each waits for what it dependsOn to be ready), probe readiness (ready.path) and liveness (health.path), restart crashed or unhealthy replicas with backoff (1s doubling to 30s) per their restart policy. Ctrl-C stops everything, dependents first. With -d it runs in the background; use ps, logs, scale, restart and down from any terminal.",
  examples: [
    { command: "agentctl up", description: "run in the foreground with the dashboard" },
    { command: "agentctl up -d", description: "run in the background; returns once all is ready" },
    { command: "agentctl up --no-ui --timeout 2m", description: "plain log lines, wait up to 2 minutes" },
    {
      command: "agentctl up -d --access-log",
      description: "also log every routed request as JSON to .agentctl/logs/access.log",
    },
  ],
  options: [
    { flags: "-d, --detach", description: "run in the background and return once everything is ready" },
    { flags: "--no-ui", description: "plain prefixed log lines instead of the dashboard" },
    { flags: "--keep-going", description: "leave the other services up when one never gets ready" },
    {
      flags: "--access-log [file]",
      description:
        "a JSON line per request through the router, to this file (default .agentctl/logs/access.log)",
    },
    {
      flags: "--timeout <duration>",
      description: "how long to wait for everything to be ready",
      defaultValue: "60s",
    },
    { flags: "--supervisor-child", description: "run as the background supervisor of up -d", hidden: true },
  ],
  async run(_args, options, context) {
    const { loadProjectOrThrow } = await import("../project/load.js");
    const { parseDuration } = await import("../project/units.js");
    const project = loadProjectOrThrow({ file: context.globals.file, cwd: context.cwd, env: context.env });
    const readyTimeoutMs = parseDuration(String(options.timeout), "--timeout");
    const paint = painter(colourEnabled(context));
    const accessLog = await accessLogFile(options.accessLog, project.stateDir, context.cwd);
    const progress = (message: string) =>
      writeLines(context.stderr, `${paint("dim", "agentctl:")} ${message}`);
    if (options.detach) {
      const { upDetached } = await import("../api/up.js");
      const { formatInstances } = await import("./ui/plain.js");
      const status = await upDetached(project, {
        env: context.env,
        keepGoing: Boolean(options.keepGoing),
        readyTimeoutMs,
        accessLog,
        onProgress: progress,
      });
      if (context.globals.json) writeJson(context, status.instances);
      else {
        writeLines(context.stdout, formatInstances(status.instances));
        if (status.error) writeLines(context.stderr, `${paint("red", "error:")} ${status.error}`);
        progress("running in the background; `agentctl down` stops it");
      }
      return 0;
    }
    const child = Boolean(options.supervisorChild);
    // The dashboard reads keys, so it needs a terminal on both sides.
    const interactive =
      options.ui !== false &&
      !child &&
      Boolean(context.stdout.isTTY && context.stdin.isTTY) &&
      !inContinuousIntegration(context.env);
    if (interactive) {
      const { runDashboard } = await import("./ui/run-dashboard.js");
      return runDashboard(project, {
        ...context,
        readyTimeoutMs,
        keepGoing: Boolean(options.keepGoing),
        accessLog,
      });
    }
    const { runPlain } = await import("./ui/run-plain.js");
    return runPlain(project, context, {
      readyTimeoutMs,
      keepGoing: Boolean(options.keepGoing),
      accessLog,
      echoLines: !child,
      progress,
      paint,
    });
  },
});

// `--access-log` alone means the project's own log folder; a path is taken from the current directory.
async function accessLogFile(value: unknown, stateDir: string, cwd: string): Promise<string | undefined> {
  if (value === undefined || value === false) return undefined;
  const { join, resolve } = await import("node:path");
  const { stateFiles } = await import("../project/state-files.js");
  return value === true ? join(stateFiles(stateDir).logs, "access.log") : resolve(cwd, String(value));
}

// The same test ink makes (its is-in-ci): where it holds, ink draws only a final frame, so the live
// dashboard would stay blank; plain lines are shown instead.
function inContinuousIntegration(env: NodeJS.ProcessEnv): boolean {
  if (env.CI === "0" || env.CI === "false") return false;
  return (
    "CI" in env || "CONTINUOUS_INTEGRATION" in env || Object.keys(env).some((key) => key.startsWith("CI_"))
  );
}
