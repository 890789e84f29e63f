// Helpers for the docker runtime tests: whether an engine answers (skip loudly, or fail under
// AGENTCTL_REQUIRE_DOCKER=1), a fixture project materialised in a temp folder under a project name of
// the test's own, what the engine holds for that name (read with the docker CLI, independent of the
// code under test), and removal of every container, network and image carrying it.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadProjectOrThrow } from "../../src/project/load.js";
import type { ResolvedProject } from "../../src/project/resolve.js";
import { dockerAvailable } from "../support/base-image.js";

const repository = fileURLToPath(new URL("../../", import.meta.url));

/** Whether the docker tests run: an engine answers, or AGENTCTL_REQUIRE_DOCKER=1 makes them fail. */
export function dockerTestsRun(file: string): { engine: boolean; run: boolean } {
  const engine = dockerAvailable();
  const required = process.env.AGENTCTL_REQUIRE_DOCKER === "1";
  if (!engine) {
    const reason = `SKIPPING ${file}: no Docker engine answers${required ? " (AGENTCTL_REQUIRE_DOCKER=1: failing instead)" : ""}`;
    console.warn(`\n${"!".repeat(reason.length)}\n${reason}\n${"!".repeat(reason.length)}\n`);
  }
  return { engine, run: engine || required };
}

/** A copy of fixtures/projects/<fixture> named `name`, with fixtures/bin as ./bin and template sources. */
export function materializeDockerFixture(
  fixture: string,
  name: string,
  env: NodeJS.ProcessEnv,
): { dir: string; project: ResolvedProject; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `agentctl-${fixture}-`));
  cpSync(join(repository, "fixtures/projects", fixture), dir, { recursive: true });
  cpSync(join(repository, "fixtures/bin"), join(dir, "bin"), { recursive: true });
  cpSync(join(repository, "templates/_shared"), join(dir, "services/_shared"), { recursive: true });
  const file = join(dir, "agentctl.yaml");
  writeFileSync(file, readFileSync(file, "utf8").replace(/^name: .*$/m, `name: ${name}`));
  const project = loadProjectOrThrow({ file, env });
  for (const service of project.services)
    if (service.template)
      cpSync(join(repository, "templates", service.template), service.dir, { recursive: true });
  return { dir, project, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs the docker CLI; throws with its stderr when it fails. */
export function docker(args: string[]): string {
  const result = spawnSync("docker", args, { encoding: "utf8", timeout: 60_000 });
  if (result.status !== 0) throw new Error(`docker ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

/** Ids of containers (running or not) labelled with the project name. */
export function projectContainers(project: string): string[] {
  return docker(["ps", "-aq", "--no-trunc", "--filter", `label=agentctl.project=${project}`])
    .split("\n")
    .filter(Boolean);
}

/** Names of networks labelled with the project name. */
export function projectNetworks(project: string): string[] {
  return docker(["network", "ls", "--format", "{{.Name}}", "--filter", `label=agentctl.project=${project}`])
    .split("\n")
    .filter(Boolean);
}

/** `docker inspect` of a container, parsed. */
export function inspectContainer(id: string): {
  Id: string;
  Name: string;
  State: { Running: boolean; Pid: number };
  Config: { Labels: Record<string, string>; Env: string[] };
  HostConfig: { PortBindings: Record<string, { HostIp: string; HostPort: string }[]> };
  NetworkSettings: { Networks: Record<string, { Aliases: string[] | null }> };
} {
  return JSON.parse(docker(["inspect", id]))[0];
}

/** Removes every container, network and image labelled with the project name (test clean-up). */
export function removeProjectObjects(project: string): void {
  const filter = `label=agentctl.project=${project}`;
  const quiet = (args: string[]) => spawnSync("docker", args, { encoding: "utf8", timeout: 120_000 });
  const ids = (args: string[]) => quiet(args).stdout.split("\n").filter(Boolean);
  const containers = ids(["ps", "-aq", "--filter", filter]);
  if (containers.length > 0) quiet(["rm", "-f", ...containers]);
  const networks = ids(["network", "ls", "-q", "--filter", filter]);
  if (networks.length > 0) quiet(["network", "rm", ...networks]);
  const images = ids(["images", "-q", "--filter", filter]);
  if (images.length > 0) quiet(["rmi", "-f", ...new Set(images)]);
}
