// `restart <service>…`: restart every replica of the named services now, without backoff.
import { connectControl, notRunning } from "../client/control.js";
import type { ResolvedProject } from "../project/resolve.js";
import { selectServices } from "./build.js";

/** Restarts the named services' replicas through the running supervisor. */
export async function restart(project: ResolvedProject, services: readonly string[]): Promise<string[]> {
  const selected = selectServices(project, services).map((s) => s.name);
  const client = connectControl(project.stateDir);
  if (!client) throw notRunning();
  for (const service of selected) await client.restart(service);
  return selected;
}
