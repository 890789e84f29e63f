// The deploy fixtures (fixtures/projects/deploy-*) and their golden outputs, shared by the emitter tests.
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { loadProjectOrThrow } from "../../src/project/load.js";
import type { ResolvedProject } from "../../src/project/resolve.js";

/** fixtures/projects/ of this repository. */
export const projectsDir = fileURLToPath(new URL("../../fixtures/projects/", import.meta.url));

/** The fixtures with golden deploy outputs. */
export const deployFixtures = ["deploy-demo", "deploy-rich"] as const;

/** The deploy targets. */
export const deployTargets = ["compose", "k8s", "serverless"] as const;

/** Loads a fixture's project (no interpolation from the test's environment). */
export function loadFixture(name: string): ResolvedProject {
  return loadProjectOrThrow({ file: join(projectsDir, name, "agentctl.yaml"), env: {} });
}

/** The golden folder of a fixture and target. */
export function expectedDir(fixture: string, target: string): string {
  return join(projectsDir, fixture, "expected", target);
}

/** Every file under a folder as relative path → contents, sorted by path. */
export function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (current: string) => {
    for (const name of readdirSync(current).sort()) {
      const path = join(current, name);
      if (statSync(path).isDirectory()) walk(path);
      else out[relative(dir, path)] = readFileSync(path, "utf8");
    }
  };
  walk(dir);
  return out;
}

/** Copies a fixture to `dir` with each templated service's sources (as `init` scaffolds them). */
export function materializeFixture(
  name: string,
  dir: string,
  edit: (source: string) => string = (source) => source,
): string {
  const templates = fileURLToPath(new URL("../../templates/", import.meta.url));
  const source = edit(readFileSync(join(projectsDir, name, "agentctl.yaml"), "utf8"));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "agentctl.yaml"), source);
  cpSync(join(templates, "_shared"), join(dir, "services", "_shared"), { recursive: true });
  const project = loadProjectOrThrow({ file: join(dir, "agentctl.yaml"), env: {} });
  for (const service of project.services) {
    if (service.template) cpSync(join(templates, service.template), service.dir, { recursive: true });
  }
  return join(dir, "agentctl.yaml");
}
