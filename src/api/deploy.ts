// `deploy`: emit a target's files (pure, emit/), then — the I/O lives here — write them with the build
// artifacts they need (compose: each service's bundle beside its Dockerfile; serverless: each service
// bundled with the Lambda adapter), lint them (--check), or hand them to the target's own tool (--apply).
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { EmitOptions, EmittedFile } from "../emit/files.js";
import { checkManifests, type Finding } from "../emit/k8s/check.js";
import { findTarget } from "../emit/targets.js";
import { UserError } from "../errors.js";
import type { ResolvedProject } from "../project/resolve.js";
import { build } from "./build.js";
import { runApply } from "./deploy-apply.js";
import { bundleLambdaHandlers } from "./deploy-lambda.js";

/** Options of `deploy`. */
export interface DeployOptions extends EmitOptions {
  target: string;
  /** Output folder (default <project>/deploy/<target>). */
  out?: string;
  /** Return the files without writing anything. */
  dryRun?: boolean;
  /** Lint the output (k8s only); findings make the command fail. */
  check?: boolean;
  /** Hand the written files to the target's tool. */
  apply?: boolean;
  /** Compose project name for --apply (default targets.compose.projectName, else the project name). */
  projectName?: string;
  /** Environment read for secrets at apply time (default process.env). */
  environment?: NodeJS.ProcessEnv;
  /** Output of the target's tool (default: inherited). */
  onOutput?: (chunk: string) => void;
}

/** What `deploy` did. */
export interface DeployResult {
  target: string;
  out: string;
  files: EmittedFile[];
  written: boolean;
  findings: Finding[];
  applied?: { program: string; args: string[] };
}

/** Emits, writes, checks and applies one target's output. */
export async function deploy(project: ResolvedProject, options: DeployOptions): Promise<DeployResult> {
  const target = findTarget(options.target);
  if (options.check && target.name !== "k8s") {
    throw new UserError(
      "E_CHECK_TARGET",
      `--check lints Kubernetes output; target ${target.name} has no checks`,
    );
  }
  if (options.dryRun && options.apply)
    throw new UserError("E_DEPLOY_FLAGS", "--dry-run and --apply exclude each other");
  const files = target.emit(project, options);
  const out = resolve(options.out ?? join(project.root, "deploy", target.name));
  const findings = options.check ? checkManifests(files) : [];
  const result: DeployResult = { target: target.name, out, files, written: false, findings };
  if (options.dryRun) return result;
  await writeFiles(out, files);
  if (target.name === "compose") await copyBundles(project, out);
  if (target.name === "serverless") await bundleLambdaHandlers(project, out);
  result.written = true;
  if (options.apply && findings.length === 0) {
    result.applied = await runApply(project, target, out, options);
  }
  return result;
}

async function writeFiles(out: string, files: EmittedFile[]): Promise<void> {
  for (const file of files) {
    const path = join(out, file.path);
    await mkdir(join(path, ".."), { recursive: true });
    await writeFile(path, file.contents);
  }
}

async function copyBundles(project: ResolvedProject, out: string): Promise<void> {
  const bundled = project.services.filter(
    (service) => service.entry && !service.image && service.replicas > 0,
  );
  if (bundled.length === 0) return;
  await build(project, { services: bundled.map((service) => service.name) });
  for (const service of bundled) await copyFile(service.bundlePath, join(out, service.name, "index.mjs"));
}
