// What the docker backend asks the engine for, as pure data: names, labels, a container's environment
// (with discovery rewritten for the project network) and its create options. No engine calls here, so
// all of it is tested without Docker.
import type Docker from "dockerode";
import { identityEnvironment, resourcesOf, resourceUrlVariable } from "../project/environment.js";
import type { ResolvedProject, ResolvedService } from "../project/resolve.js";

/** Labels every container, network and image of the docker runtime carries. */
export const labelKeys = {
  project: "agentctl.project",
  service: "agentctl.service",
  replica: "agentctl.replica",
  instance: "agentctl.instance",
  stateDir: "agentctl.state-dir",
  /** `<pid>:<start time>` of the supervisor that created the container: tells leftovers apart. */
  supervisor: "agentctl.supervisor",
} as const;

/** The per-project user-defined bridge network. */
export function networkName(project: ResolvedProject): string {
  return `agentctl-${project.name}`;
}

/** The container of one replica. */
export function containerName(project: ResolvedProject, service: string, replica: number): string {
  return `agentctl-${project.name}-${service}-${replica}`;
}

/** The repository built images of a service are tagged in (`:<content hash>` follows). */
export function imageRepository(project: ResolvedProject, service: string): string {
  return `agentctl-${project.name}-${service}`;
}

/** Labels that say which project (and which copy of it on disk) something belongs to. */
export function projectLabels(project: ResolvedProject): Record<string, string> {
  return { [labelKeys.project]: project.name, [labelKeys.stateDir]: project.stateDir };
}

/** The port a service listens on inside its containers: its `port`, else 8080 (as in the deploy
 *  targets). Every replica listens there; each is published on its own 127.0.0.1 port. */
export function containerListenPort(service: ResolvedService): number {
  return service.port ?? 8080;
}

/** A discovery variable a container does not get, and why. */
export interface OmittedDiscovery {
  variable: string;
  service: string;
  /** `process`: the service runs on the host, whose 127.0.0.1 a container cannot reach. */
  why: "process";
}

/** The warning lines (at most one per reason) that say which discovery variables a container lacks. */
export function omissionWarnings(omitted: readonly OmittedDiscovery[]): string[] {
  const list = (why: OmittedDiscovery["why"]) =>
    omitted
      .filter((o) => o.why === why)
      .map((o) => o.variable)
      .join(", ");
  const lines: string[] = [];
  if (list("process"))
    lines.push(
      `agentctl: warning: ${list("process")} left out of this container: those services run as processes on the host, whose 127.0.0.1 a container cannot reach (run them on docker to call them from here)`,
    );
  return lines;
}

/**
 * The environment of a container: what the project declares for the service (env, secrets, PORT,
 * identity and topics, the URLs of resources it uses), never the host's own variables, with every
 * discovery variable pointing where a container can reach: `http://<service>:<listen port>` for docker
 * services (every replica answers to the service's name on the project network, so Docker's DNS spreads
 * calls over them, as in Compose); process services on the host's 127.0.0.1 are unreachable from a
 * container, so their variables are left out and listed in `omitted`. PORT is the listen port; HOST is
 * 0.0.0.0 unless the service sets it: the published port reaches the container through its interface.
 */
export function containerEnvironment(options: {
  project: ResolvedProject;
  service: ResolvedService;
  /** The instance environment the supervisor computed (host variables included). */
  env: Record<string, string>;
}): { env: Record<string, string>; omitted: OmittedDiscovery[] } {
  const { project, service, env } = options;
  const declared = new Set([
    ...Object.keys(service.env),
    ...service.secrets,
    ...Object.keys(identityEnvironment(project, service)),
    "PORT",
    "AGENTCTL_INSTANCE",
  ]);
  for (const resource of resourcesOf(project, service)) {
    declared.add(resource.discoveryVariable);
    declared.add(resourceUrlVariable(resource.kind));
  }
  const result: Record<string, string> = {};
  for (const key of Object.keys(env).sort()) if (declared.has(key)) result[key] = env[key]!;
  result.HOST = service.env.HOST ?? "0.0.0.0";
  result.PORT = String(containerListenPort(service));
  const omitted: OmittedDiscovery[] = [];
  for (const other of project.services) {
    const variable = other.discoveryVariable;
    if (env[variable] === undefined) continue;
    delete result[variable];
    if (other.runtime !== "docker") {
      omitted.push({ variable, service: other.name, why: "process" });
      continue;
    }
    result[variable] = `http://${other.name}:${containerListenPort(other)}`;
  }
  return { env: result, omitted };
}

/** Everything the engine needs to create one replica's container. */
export function containerCreateOptions(options: {
  project: ResolvedProject;
  service: ResolvedService;
  replica: number;
  instance: string;
  image: string;
  port: number;
  env: Record<string, string>;
  supervisor: string;
}): Docker.ContainerCreateOptions {
  const { project, service, replica, port } = options;
  const network = networkName(project);
  const { limits } = service.resources;
  const portKey = `${containerListenPort(service)}/tcp`;
  return {
    name: containerName(project, service.name, replica),
    Image: options.image,
    Cmd: commandOf(service),
    Env: Object.entries(options.env).map(([key, value]) => `${key}=${value}`),
    Labels: {
      ...projectLabels(project),
      [labelKeys.service]: service.name,
      [labelKeys.replica]: String(replica),
      [labelKeys.instance]: options.instance,
      [labelKeys.supervisor]: options.supervisor,
    },
    ExposedPorts: { [portKey]: {} },
    HostConfig: {
      // Published on the loopback only: the supervisor's probes and the router reach it, nobody else.
      PortBindings: { [portKey]: [{ HostIp: "127.0.0.1", HostPort: String(port) }] },
      NetworkMode: network,
      // docker-init as PID 1 forwards SIGTERM and reaps zombies; node as PID 1 ignores SIGTERM unless it
      // handles it, which would turn every stop into a wait for the grace period and a SIGKILL.
      Init: true,
      Memory: limits.memoryBytes,
      NanoCpus: limits.cpuMillis === undefined ? undefined : limits.cpuMillis * 1_000_000,
    },
    NetworkingConfig: {
      // Every replica answers to <service> (Docker's DNS spreads calls over them) and <service>-<replica>.
      EndpointsConfig: {
        [network]: { Aliases: [service.name, `${service.name}-${replica}`] },
      },
    },
  };
}

// A configured command replaces the image's CMD, as in Compose; a shell string needs the image's shell.
function commandOf(service: ResolvedService): string[] | undefined {
  if (service.command === undefined) return undefined;
  return typeof service.command === "string" ? ["/bin/sh", "-c", service.command] : service.command;
}

/** The label value naming a supervisor process. */
export function supervisorLabel(pid: number, startTime: number | undefined): string {
  return `${pid}:${startTime ?? ""}`;
}

/** The pid and start time of a supervisor label (start time undefined when it was not known). */
export function parseSupervisorLabel(
  label: string | undefined,
): { pid: number; startTime?: number } | undefined {
  const match = /^(\d+):(\d*)$/.exec(label ?? "");
  if (!match) return undefined;
  return { pid: Number(match[1]), startTime: match[2] ? Number(match[2]) : undefined };
}
