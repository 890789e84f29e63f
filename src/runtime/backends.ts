// The composition of backends a project needs, by runtime name. `up`, `down` and reaping all take
// their backends from here, so a new runtime is registered in one place.
import type { ResolvedProject } from "../project/resolve.js";
import type { Backend } from "./backend.js";
import { createProcessBackend } from "./process.js";

/** The backends for a project: always `process`; others as the project's services ask for them. */
export function createBackends(_project?: ResolvedProject): Partial<Record<string, Backend>> {
  return { process: createProcessBackend() };
}
