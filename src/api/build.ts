// `build`: bundle every selected service that has an `entry` into `.agentctl/build/<service>/index.mjs`.
import { existsSync } from "node:fs";
import { type BundleResult, bundleEntry } from "../build/bundle.js";
import { UserError } from "../errors.js";
import type { ResolvedProject, ResolvedService } from "../project/resolve.js";
import { resourcesToRun } from "../runtime/resources.js";

/** Options of `build`. */
export interface BuildOptions {
  /** Service names; all services with an entry when empty. */
  services?: string[];
  force?: boolean;
  /** Called as each service finishes, for progress output. */
  onService?: (service: string, result: BundleResult) => void;
}

/** One line of the build report. */
export interface ServiceBuild extends BundleResult {
  service: string;
}

/** Picks services by name, failing with the known names for an unknown one. */
export function selectServices(project: ResolvedProject, names: readonly string[] = []): ResolvedService[] {
  if (names.length === 0) return project.services;
  const known = project.services.map((service) => service.name);
  for (const name of names) {
    if (!known.includes(name)) {
      throw new UserError(
        "E_UNKNOWN_SERVICE",
        `unknown service "${name}"; services are: ${known.join(", ")}`,
      );
    }
  }
  return project.services.filter((service) => names.includes(service.name));
}

/** Names of the selected services and locally run resources (all of them when none are named). */
export function selectRunning(project: ResolvedProject, names: readonly string[] = []): string[] {
  const resources = resourcesToRun(project).map((resource) => resource.name);
  const known = [...project.services.map((service) => service.name), ...resources];
  if (names.length === 0) return known;
  for (const name of names)
    if (!known.includes(name))
      throw new UserError(
        "E_UNKNOWN_SERVICE",
        `unknown service "${name}"; services are: ${known.join(", ")}`,
      );
  return known.filter((name) => names.includes(name));
}

/** Bundles the entries of the selected services, one after another, skipping unchanged ones. */
export async function build(project: ResolvedProject, options: BuildOptions = {}): Promise<ServiceBuild[]> {
  const selected = selectServices(project, options.services).filter((service) => service.entry);
  const results: ServiceBuild[] = [];
  for (const service of selected) {
    if (!existsSync(service.entry!)) {
      throw new UserError("E_NO_ENTRY", `service "${service.name}": entry ${service.entry} does not exist`, {
        hint: `Fix services.${service.name}.entry in ${project.file}.`,
      });
    }
    const result = await bundleEntry({
      entry: service.entry!,
      outfile: service.bundlePath,
      root: project.root,
      force: options.force,
    });
    options.onService?.(service.name, result);
    results.push({ service: service.name, ...result });
  }
  return results;
}
