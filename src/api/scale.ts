// `scale <service>=<n>…`: change replica counts of the running project and wait for them to be ready.
import { connectControl, notRunning } from "../client/control.js";
import { UserError } from "../errors.js";
import type { ResolvedProject } from "../project/resolve.js";
import { selectServices } from "./build.js";

/** Parses `agent=3` assignments. */
export function parseScaleAssignments(
  assignments: readonly string[],
): { service: string; replicas: number }[] {
  return assignments.map((text) => {
    const match = /^([a-z0-9][a-z0-9-]*)=(\d+)$/.exec(text);
    if (!match)
      throw new UserError("E_SCALE_SYNTAX", `expected <service>=<replicas> like agent=3, found "${text}"`);
    return { service: match[1]!, replicas: Number(match[2]) };
  });
}

/** Options of `scale`. */
export interface ScaleOptions {
  /** How long to wait for the replicas to be ready (default 60 s). */
  timeoutMs?: number;
}

/** What `scale` reached for one service: the replicas asked for and how many are ready. */
export interface ScaleResult {
  service: string;
  replicas: number;
  ready: number;
}

/** Scales services; resolves once each has exactly that many ready replicas (or after timeoutMs). */
export async function scale(
  project: ResolvedProject,
  assignments: readonly string[],
  options: ScaleOptions = {},
): Promise<ScaleResult[]> {
  const wanted = parseScaleAssignments(assignments);
  selectServices(
    project,
    wanted.map((w) => w.service),
  );
  const client = connectControl(project.stateDir);
  if (!client) throw notRunning();
  for (const { service, replicas } of wanted) await client.scale(service, replicas);
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const status = await client.status();
    const result = wanted.map(({ service, replicas }) => ({
      service,
      replicas,
      ready: status.instances.filter((i) => i.service === service && i.state === "ready").length,
      total: status.instances.filter((i) => i.service === service).length,
    }));
    if (result.every((r) => r.ready === r.replicas && r.total === r.replicas) || Date.now() >= deadline)
      return result.map(({ service, replicas, ready }) => ({ service, replicas, ready }));
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
