// The environment a service gets on a deploy target: its port, name and topics, every service's discovery
// variable, the URLs of the resources it uses, and its own `env`. Secrets are NOT here: each target
// passes them its own way (interpolation, secretKeyRef, SSM) so no value lands in a generated file.

import { identityEnvironment, resourceEnvironment, resourcesOf } from "../project/environment.js";
import type { ResolvedProject, ResolvedService } from "../project/resolve.js";
import { containerPort } from "./files.js";
import { resourceRuntime } from "./resources.js";

/** How a target addresses services and resources. */
export interface Addressing {
  serviceUrl(service: ResolvedService): string;
  resourceHost(name: string): string;
}

/** Every service's discovery variable, the same for all services of a project. */
export function discoveryEnvironment(
  project: ResolvedProject,
  addressing: Addressing,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const other of project.services) env[other.discoveryVariable] = addressing.serviceUrl(other);
  return env;
}

/** The plain (non-secret) environment of one service, in a stable order; `shared: false` leaves out
 *  the discovery variables for targets that set them once for all services. */
export function serviceEnvironment(
  project: ResolvedProject,
  service: ResolvedService,
  addressing: Addressing,
  options: { shared?: boolean } = {},
): Record<string, string> {
  const env: Record<string, string> = {
    ...identityEnvironment(project, service),
    PORT: String(containerPort),
    ...(options.shared === false ? {} : discoveryEnvironment(project, addressing)),
    ...resourceEnvironment(
      resourcesOf(project, service),
      (resource) =>
        resource.external ?? resourceRuntime(resource).url(addressing.resourceHost(resource.name)),
    ),
  };
  for (const [key, value] of Object.entries(service.env)) env[key] = value;
  // The memory template's file store must write somewhere writable under a read-only root filesystem;
  // a relative MEMORY_DIR (fine for local processes) would point into the read-only image.
  if (service.template === "memory" && !env.MEMORY_DIR?.startsWith("/"))
    env.MEMORY_DIR = "/tmp/agentctl-memory";
  return env;
}

/** Services a service waits for (only services, not resources). */
export function serviceDependencies(project: ResolvedProject, service: ResolvedService): string[] {
  const names = new Set(project.services.map((s) => s.name));
  return service.dependsOn.filter((name) => names.has(name));
}

/** Resources run by the target (external ones are only addressed). */
export function runResources(project: ResolvedProject) {
  return project.resources.filter((resource) => !resource.external);
}
