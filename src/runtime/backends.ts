// The composition of backends a project needs, by runtime name. `up`, `down` and reaping all take
// their backends from here, so a new runtime is registered in one place.
import type { ResolvedProject } from "../project/resolve.js";
import type { Backend } from "./backend.js";
import { createDockerBackend } from "./docker.js";
import { createProcessBackend } from "./process.js";

/**
 * The backends for a project: always `process`; `docker` only when some service runs on it, so a
 * project without docker services never loads dockerode nor touches an engine.
 */
export function createBackends(project?: ResolvedProject): Partial<Record<string, Backend>> {
  const backends: Partial<Record<string, Backend>> = { process: createProcessBackend() };
  if (project?.services.some((service) => service.runtime === "docker"))
    backends.docker = createDockerBackend(project);
  return backends;
}
