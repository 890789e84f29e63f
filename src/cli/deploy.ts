// `agentctl deploy`: emit a deploy target's files, print them (--dry-run), lint them (--check) or apply them.
import { relative } from "node:path";
import { defineCommand } from "./command.js";
import { colourEnabled, painter, writeJson, writeLines } from "./output.js";

export const deployCommand = defineCommand({
  usage: "deploy",
  summary: "generate Compose, Kubernetes or Serverless files from agentctl.yaml, and optionally apply them",
  description:
    "Write the target's files to --out (default deploy/<target>): compose (docker-compose.yml + build contexts), k8s (manifests + kustomization.yaml), serverless (serverless.yml + Lambda bundles). --env NAME names an environment: the k8s namespace gets a -NAME suffix, the compose project too, it is the serverless stage, and .env.NAME (beside agentctl.yaml) adds values for ${VAR} interpolation and secrets, under the process environment. --apply runs docker compose up -d, kubectl apply -k or serverless deploy.",
  examples: [
    { command: "agentctl deploy --target compose", description: "write deploy/compose" },
    { command: "agentctl deploy --target k8s --dry-run", description: "print the manifests" },
    {
      command: "agentctl deploy --target k8s --check",
      description: "lint the manifests; exit 1 on findings",
    },
    {
      command: "agentctl deploy --target k8s --env staging --registry ghcr.io/acme --tag 1.2.0 --apply",
      description: "deploy to a cluster",
    },
  ],
  options: [
    { flags: "-t, --target <target>", description: "compose, k8s or serverless" },
    { flags: "-o, --out <dir>", description: "output folder (default deploy/<target>)" },
    {
      flags: "--env <name>",
      description: "environment name: namespace/project suffix, serverless stage; reads .env.<name> too",
    },
    {
      flags: "--registry <registry>",
      description: "image registry for k8s and serverless (default targets.k8s.registry)",
    },
    { flags: "--tag <tag>", description: "image tag (default targets.k8s.tag, else the project hash)" },
    { flags: "--base-image <image>", description: "default BASE_IMAGE of the generated Dockerfiles" },
    { flags: "--dry-run", description: "print the files instead of writing them" },
    { flags: "--check", description: "lint the Kubernetes output; exit 1 on any finding" },
    { flags: "--apply", description: "hand the files to docker compose, kubectl or serverless" },
  ],
  async run(_args, options, context) {
    const { loadProjectOrThrow } = await import("../project/load.js");
    const { deploy } = await import("../api/deploy.js");
    const { UserError } = await import("../errors.js");
    if (typeof options.target !== "string") {
      throw new UserError("E_NO_TARGET", "deploy needs --target: compose, k8s or serverless");
    }
    const { deployEnvironment } = await import("../api/deploy-env.js");
    const environment = deployEnvironment(options.env as string | undefined, {
      file: context.globals.file,
      cwd: context.cwd,
      environment: context.env,
    });
    const project = loadProjectOrThrow({ file: context.globals.file, cwd: context.cwd, env: environment });
    const result = await deploy(project, {
      target: options.target,
      out: typeof options.out === "string" ? options.out : undefined,
      env: options.env as string | undefined,
      registry: options.registry as string | undefined,
      tag: options.tag as string | undefined,
      baseImage: options.baseImage as string | undefined,
      dryRun: Boolean(options.dryRun),
      check: Boolean(options.check),
      apply: Boolean(options.apply),
      environment,
      onOutput: (chunk) => context.stderr.write(chunk),
    });
    const paint = painter(colourEnabled(context));
    if (context.globals.json) {
      writeJson(context, {
        target: result.target,
        out: result.out,
        written: result.written,
        files: result.files.map((file) => (result.written ? file.path : file)),
        findings: result.findings,
        applied: result.applied,
      });
    } else {
      if (options.dryRun) {
        for (const file of result.files)
          writeLines(context.stdout, [`# ---- ${file.path}`, file.contents.trimEnd()]);
      } else {
        writeLines(
          context.stdout,
          `${paint("green", "wrote")} ${result.files.length} files to ${relative(context.cwd, result.out) || "."}`,
        );
      }
      for (const finding of result.findings) {
        writeLines(context.stdout, `${paint("red", finding.check)} ${finding.object}: ${finding.message}`);
      }
      if (options.check && result.findings.length === 0)
        writeLines(context.stdout, `${paint("green", "check passed")}: no findings`);
      if (result.applied)
        writeLines(
          context.stdout,
          `${paint("green", "applied")} with ${result.applied.program} ${result.applied.args.join(" ")}`,
        );
    }
    return result.findings.length > 0 ? 1 : 0;
  },
});
