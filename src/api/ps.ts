// `ps`: the instances of the running project, as the supervisor reports them.
import { type ControlStatus, connectControl } from "../client/control.js";
import type { ResolvedProject } from "../project/resolve.js";
import type { InstanceView } from "../runtime/supervisor.js";

/** What `ps` shows: empty and not running when no supervisor is alive. */
export interface PsResult {
  running: boolean;
  status?: ControlStatus;
  instances: InstanceView[];
}

/** Asks the supervisor for its instances. */
export async function ps(project: ResolvedProject): Promise<PsResult> {
  const client = connectControl(project.stateDir);
  if (!client) return { running: false, instances: [] };
  const status = await client.status();
  return { running: true, status, instances: status.instances };
}
