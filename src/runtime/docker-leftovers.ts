// Leftovers of the docker runtime: containers of this project (same name and state folder) whose
// supervisor — named by pid and start time in a label — no longer runs, and the project network once
// nothing is attached to it. Containers of a live agentctl, of another project or another copy of this
// one, or made by anyone else are never touched.
import type Docker from "dockerode";
import type { ResolvedProject } from "../project/resolve.js";
import { labelKeys, parseSupervisorLabel } from "./docker-spec.js";
import { isSameProcess } from "./process-table.js";

/** Whether the supervisor a container's labels name is gone (or never was recorded). */
export function supervisorGone(labels: Record<string, string>): boolean {
  const supervisor = parseSupervisorLabel(labels[labelKeys.supervisor]);
  return !supervisor || !isSameProcess(supervisor.pid, supervisor.startTime);
}

/** Removes this project's containers whose supervisor is gone; returns their main pids by instance id. */
export async function leftoverContainers(
  docker: Docker,
  project: ResolvedProject,
): Promise<Map<string, number[]>> {
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [`${labelKeys.project}=${project.name}`, `${labelKeys.stateDir}=${project.stateDir}`] },
  });
  const removed = new Map<string, number[]>();
  for (const summary of containers) {
    if (!supervisorGone(summary.Labels)) continue;
    const container = docker.getContainer(summary.Id);
    const pid = await container.inspect().then(
      (info) => (info.State.Running ? info.State.Pid : undefined),
      () => undefined,
    );
    await container.remove({ force: true }).catch((error: { statusCode?: number }) => {
      if (error.statusCode !== 404 && error.statusCode !== 409) throw error;
    });
    const instance = summary.Labels[labelKeys.instance] ?? summary.Id.slice(0, 12);
    removed.set(instance, [...(removed.get(instance) ?? []), ...(pid ? [pid] : [])]);
  }
  return removed;
}

/** Removes a network when no container is attached to it; a missing network is fine. */
export async function removeNetworkIfEmpty(docker: Docker, name: string): Promise<void> {
  const network = docker.getNetwork(name);
  try {
    const info = (await network.inspect()) as { Containers?: Record<string, unknown> };
    if (Object.keys(info.Containers ?? {}).length > 0) return;
    await network.remove();
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    // 404: already gone; 403/409: something attached meanwhile, and it keeps the network.
    if (status !== 404 && status !== 403 && status !== 409) throw error;
  }
}
