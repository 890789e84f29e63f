// `restart <service>…`: restart every replica of the named services now, without backoff.
import { connectControl, notRunning } from "../client/control.js";
import type { ResolvedProject } from "../project/resolve.js";
import { selectRunning } from "./build.js";

/** Restarts the named services' replicas through the running supervisor. */
export async function restart(project: ResolvedProject, services: readonly string[]): Promise<string[]> {
  const selected = selectRunning(project, services);
  const client = connectControl(project.stateDir);
  if (!client) throw notRunning();
  for (const service of selected) await client.restart(service);
  return selected;
}
