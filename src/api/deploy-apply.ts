// `deploy --apply`: hands written files to the target's own tool. Kubernetes first gets its namespace
// and the Secret, created from the environment at apply time through a 0600 env file that is removed
// right after, so secret values never sit in an emitted file or on a command line.
import { accessSync, constants } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { namespaceOf, secretName } from "../emit/k8s/index.js";
import { resourceRuntime } from "../emit/resources.js";
import type { Target } from "../emit/targets.js";
import { AgentctlError, UserError } from "../errors.js";
import type { ResolvedProject } from "../project/resolve.js";
import type { DeployOptions } from "./deploy.js";

/** True when `program` is an executable on PATH. */
export function onPath(program: string, env: NodeJS.ProcessEnv = process.env): boolean {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {}
  }
  return false;
}

/** Runs the first installed candidate of the target's apply command in the output folder. */
export async function runApply(
  project: ResolvedProject,
  target: Target,
  out: string,
  options: DeployOptions,
): Promise<{ program: string; args: string[] }> {
  const { execa } = await import("execa");
  const env = options.environment ?? process.env;
  const command = target.apply(project, options);
  let chosen: { program: string; args: string[] } | undefined;
  for (const candidate of command.candidates) {
    if (!onPath(candidate.program, env)) continue;
    if (candidate.program === "docker" && candidate.args[0] === "compose") {
      const probe = await execa("docker", ["compose", "version"], { reject: false, env });
      if (probe.exitCode !== 0) continue;
    }
    chosen = candidate;
    break;
  }
  if (!chosen) {
    const names = command.candidates.map((c) => [c.program, ...c.args.slice(0, 1)].join(" ")).join(" or ");
    throw new UserError("E_APPLY_TOOL_MISSING", `--apply needs ${names}, which is not installed`, {
      hint: `${command.install} The files are written to ${out}; apply them yourself or install the tool.`,
    });
  }
  const output = {
    stdout: options.onOutput ? "pipe" : "inherit",
    stderr: options.onOutput ? "pipe" : "inherit",
  } as const;
  const run = async (program: string, args: string[], input?: string) => {
    const child = execa(program, args, { cwd: out, env, reject: false, input, ...output });
    child.stdout?.on("data", (chunk: Buffer) => options.onOutput?.(chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => options.onOutput?.(chunk.toString()));
    const done = await child;
    if (done.exitCode !== 0) {
      throw new AgentctlError("E_APPLY_FAILED", `${program} ${args.join(" ")} exited with ${done.exitCode}`);
    }
  };
  if (target.name === "k8s") await applyKubernetesSecret(project, options, env, run);
  await run(chosen.program, chosen.args);
  return chosen;
}

async function applyKubernetesSecret(
  project: ResolvedProject,
  options: DeployOptions,
  env: NodeJS.ProcessEnv,
  run: (program: string, args: string[], input?: string) => Promise<void>,
): Promise<void> {
  const names = new Set(project.services.flatMap((service) => service.secrets));
  for (const resource of project.resources) {
    if (!resource.external) for (const secret of resourceRuntime(resource).secrets) names.add(secret);
  }
  await run("kubectl", ["apply", "-f", "namespace.yaml"]);
  if (names.size === 0) return;
  const missing = [...names].sort().filter((name) => env[name] === undefined);
  if (missing.length > 0) {
    throw new UserError(
      "E_SECRET_MISSING",
      `--apply needs the secrets ${missing.join(", ")} in the environment`,
      {
        hint: "Export them (or put them in .env) before agentctl deploy --apply.",
      },
    );
  }
  const dir = await mkdtemp(join(tmpdir(), "agentctl-secret-"));
  try {
    const file = join(dir, "secret.env");
    await writeFile(
      file,
      [...names]
        .sort()
        .map((name) => `${name}=${env[name]}`)
        .join("\n"),
      { mode: 0o600 },
    );
    const namespace = namespaceOf(project, options);
    const { execa } = await import("execa");
    const rendered = await execa(
      "kubectl",
      [
        "create",
        "secret",
        "generic",
        secretName(project),
        "-n",
        namespace,
        `--from-env-file=${file}`,
        "--dry-run=client",
        "-o",
        "yaml",
      ],
      { env },
    );
    await run("kubectl", ["apply", "-f", "-"], rendered.stdout);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
