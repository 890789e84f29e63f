// The docker backend: one container per replica on the project's bridge network, its port published on
// 127.0.0.1 only, output streamed into the supervisor's log lines, `docker stop` with the grace period
// then removal. dockerode loads on first use, so projects without docker services never touch it.
import { PassThrough } from "node:stream";
import type Docker from "dockerode";
import { AgentctlError, UserError } from "../errors.js";
import type { ResolvedProject, ResolvedService } from "../project/resolve.js";
import type { Backend, InstanceHandle, InstanceStatus, StartSpec } from "./backend.js";
import { ensureServiceImage } from "./docker-image.js";
import { leftoverContainers, removeNetworkIfEmpty, supervisorGone } from "./docker-leftovers.js";
import {
  containerCreateOptions,
  containerEnvironment,
  labelKeys,
  networkName,
  omissionWarnings,
  projectLabels,
  supervisorLabel,
} from "./docker-spec.js";
import { readProcessStat } from "./process-table.js";

interface RunningContainer {
  id: string;
  tail: string[];
  exited?: { exitCode: number | null; signal: string | null };
  usage?: { cpuSeconds: number; memoryBytes: number };
  /** Resolves once the container ended and was removed. */
  finished: Promise<void>;
  close(): void;
}

const tailLines = 200;

interface PreparedImage {
  /** Progress lines not yet shown in the service's log. */
  lines: string[];
  result: Promise<[string, undefined] | [undefined, unknown]>;
}

/** Where dockerode connects: DOCKER_HOST, else the default socket. */
export function engineAddress(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_HOST || "unix:///var/run/docker.sock";
}

/** Connects to the engine (loading dockerode) and checks that it answers; rejects after timeoutMs. */
export async function connectEngine(timeoutMs = 5_000): Promise<Docker> {
  const { default: DockerClient } = await import("dockerode");
  const docker = new DockerClient();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      docker.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000}s`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
  return docker;
}

/** Creates the docker backend for a project's docker services. */
export function createDockerBackend(project: ResolvedProject): Backend {
  const running = new Map<string, RunningContainer>();
  const images = new Map<string, PreparedImage>();
  /** Containers created by this backend and not yet removed: the network stays while any exists. */
  const live = new Set<string>();
  const warned = new Set<string>();
  const supervisor = supervisorLabel(process.pid, readProcessStat(process.pid)?.startTime);
  let engine: Promise<Docker> | undefined;
  let swept: Promise<Map<string, number[]>> | undefined;
  // Network creation and removal, container creation and removal take turns: a network removed as
  // the last container goes must not vanish under a container being created.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  const connect = async (service: string): Promise<Docker> => {
    engine ??= connectEngine();
    try {
      return await engine;
    } catch (error) {
      engine = undefined;
      throw new AgentctlError(
        "E_DOCKER_UNREACHABLE",
        `service "${service}" uses runtime docker but no Docker engine answers at ${engineAddress()} (${(error as Error).message})`,
        {
          hint: `Start Docker (dockerd) or point DOCKER_HOST at it, or set services.${service}.runtime: process.`,
        },
      );
    }
  };
  const sweepOnce = (docker: Docker) => {
    swept ??= serial(async () => {
      const removed = await leftoverContainers(docker, project);
      if (live.size === 0) await removeNetworkIfEmpty(docker, networkName(project));
      return removed;
    });
    return swept;
  };
  // The outcome never rejects (a prefetched image nobody awaits yet must not be an unhandled
  // rejection): [image] when ready, [undefined, error] when not; progress lines wait for the service.
  const prepareImage = (docker: Docker, service: ResolvedService): PreparedImage => {
    const lines: string[] = [];
    const result = ensureServiceImage(docker, project, service, (line) => lines.push(line)).then(
      (image): [string, undefined] => [image, undefined],
      (error: unknown): [undefined, unknown] => [undefined, error],
    );
    return { lines, result };
  };
  const serviceNamed = (name: string): ResolvedService => {
    const service = project.services.find((s) => s.name === name);
    if (!service) throw new AgentctlError("E_INTERNAL", `the docker backend has no service "${name}"`);
    return service;
  };

  return {
    name: "docker",
    async start(spec: StartSpec, port: number): Promise<InstanceHandle> {
      const service = serviceNamed(spec.service);
      const docker = await connect(service.name);
      await sweepOnce(docker);
      // Every docker service's image is prepared on the first start, concurrently: later services'
      // builds overlap with earlier ones getting ready instead of waiting for their turn.
      for (const other of project.services)
        if (other.runtime === "docker" && other.replicas > 0 && !images.has(other.name))
          images.set(other.name, prepareImage(docker, other));
      const prepared = images.get(service.name) ?? prepareImage(docker, service);
      images.set(service.name, prepared);
      const [image, progress] = await prepared.result;
      for (const line of prepared.lines.splice(0)) spec.onLine(line, "stdout");
      if (!image) {
        images.delete(service.name);
        throw progress;
      }
      const { env, omitted } = containerEnvironment({ project, service, env: spec.env });
      if (!warned.has(service.name)) {
        warned.add(service.name);
        for (const line of omissionWarnings(omitted)) spec.onLine(line, "stderr");
      }
      await running.get(spec.id)?.finished;
      const options = containerCreateOptions({
        project,
        service,
        replica: spec.replica,
        instance: spec.id,
        image,
        port,
        env,
        supervisor,
      });
      const container = await serial(async () => {
        await ensureNetwork(docker, project);
        await removeStale(docker, project, options.name!, supervisor);
        const created = await docker.createContainer(options);
        live.add(created.id);
        return created;
      });
      const entry = await follow(docker, container, spec, () => live.delete(container.id));
      running.set(spec.id, entry);
      try {
        await container.start();
      } catch (error) {
        entry.close();
        await container.remove({ force: true }).catch(() => undefined);
        live.delete(container.id);
        throw new AgentctlError(
          "E_CONTAINER_START",
          `service "${service.name}" replica ${spec.replica}: the engine could not start its container: ${engineMessage(error)}`,
          { hint: `Port ${port} is published on 127.0.0.1; check that nothing else holds it.` },
        );
      }
      entry.watch();
      return {
        id: spec.id,
        service: spec.service,
        replica: spec.replica,
        runtime: "docker",
        port,
        container: container.id.slice(0, 12),
      };
    },

    async stop(handle, graceMs) {
      if (!handle.container) return;
      const docker = await connect(handle.service);
      const container = docker.getContainer(handle.container);
      // The engine sends SIGTERM (through docker-init to the service), SIGKILL after t seconds.
      await container.stop({ t: Math.max(0, Math.ceil(graceMs / 1000)) }).catch(ignoreGone);
      const entry = running.get(handle.id);
      if (entry?.id.startsWith(handle.container)) await entry.finished;
      await serial(async () => {
        await container.remove({ force: true }).catch(ignoreGone);
        if (entry) live.delete(entry.id);
        if (live.size === 0) await removeNetworkIfEmpty(docker, networkName(project));
      });
    },

    async inspect(handle): Promise<InstanceStatus> {
      const entry = running.get(handle.id);
      if (entry && handle.container && entry.id.startsWith(handle.container)) {
        if (entry.exited) return { running: false, ...entry.exited };
        return { running: true, ...entry.usage };
      }
      if (!handle.container) return { running: false, exitCode: null, signal: null };
      const docker = await connect(handle.service);
      try {
        const state = (await docker.getContainer(handle.container).inspect()).State;
        return { running: state.Running, exitCode: state.Running ? undefined : state.ExitCode, signal: null };
      } catch (error) {
        ignoreGone(error);
        return { running: false, exitCode: null, signal: null };
      }
    },

    logs(handle, lines) {
      return (running.get(handle.id)?.tail ?? []).slice(-lines);
    },

    async reap(handle) {
      const docker = await connect(handle.service);
      return (await sweepOnce(docker)).get(handle.id) ?? [];
    },
  };

  // Streams a started container's output and usage; `watch` waits for its end, then removes it.
  async function follow(
    docker: Docker,
    container: Docker.Container,
    spec: StartSpec,
    forget: () => void,
  ): Promise<RunningContainer & { watch(): void }> {
    const tail: string[] = [];
    const emit = (line: string, stream: "stdout" | "stderr") => {
      tail.push(line);
      if (tail.length > tailLines) tail.shift();
      spec.onLine(line, stream);
    };
    const output = (await container.attach({
      stream: true,
      stdout: true,
      stderr: true,
    })) as NodeJS.ReadWriteStream;
    const stdout = lineStream((line) => emit(line, "stdout"));
    const stderr = lineStream((line) => emit(line, "stderr"));
    docker.modem.demuxStream(output, stdout, stderr);
    const outputEnded = new Promise<void>((resolve) => {
      output.on("end", resolve);
      output.on("close", resolve);
      output.on("error", () => resolve());
    });
    let stats: NodeJS.ReadableStream | undefined;
    let resolveFinished!: () => void;
    const entry: RunningContainer & { watch(): void } = {
      id: container.id,
      tail,
      finished: new Promise<void>((resolve) => {
        resolveFinished = resolve;
      }),
      close() {
        (output as unknown as { destroy?: () => void }).destroy?.();
        (stats as unknown as { destroy?: () => void } | undefined)?.destroy?.();
        stdout.end();
        stderr.end();
        resolveFinished();
      },
      watch() {
        container
          .stats({ stream: true })
          .then((stream) => {
            stats = stream;
            sampleUsage(stream, (usage) => {
              entry.usage = usage;
            });
          })
          .catch(() => undefined);
        container
          .wait()
          .then(async (result: { StatusCode?: number }) => {
            const state = await container.inspect().then(
              (info) => info.State,
              () => undefined,
            );
            // Lines still in flight arrive before the exit is reported, as with a child process.
            await Promise.race([outputEnded, new Promise((resolve) => setTimeout(resolve, 1_000))]);
            entry.exited = {
              exitCode: state?.ExitCode ?? result.StatusCode ?? null,
              signal: state?.OOMKilled ? "SIGKILL (out of memory)" : null,
            };
          })
          .catch(() => {
            entry.exited = { exitCode: null, signal: null };
          })
          .then(() => container.remove({ force: true }).catch(ignoreGone))
          .finally(() => {
            forget();
            entry.close();
          });
      },
    };
    return entry;
  }
}

async function ensureNetwork(docker: Docker, project: ResolvedProject): Promise<void> {
  const name = networkName(project);
  try {
    const info = (await docker.getNetwork(name).inspect()) as { Labels?: Record<string, string> };
    if (info.Labels?.[labelKeys.stateDir] !== project.stateDir)
      throw new UserError(
        "E_NETWORK_TAKEN",
        `the Docker network "${name}" belongs to ${describeOwner(info.Labels)}, not to this project (${project.root})`,
        { hint: "Stop that project first, or give this one another name: in agentctl.yaml." },
      );
    return;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
  await docker.createNetwork({
    Name: name,
    Driver: "bridge",
    CheckDuplicate: true,
    Labels: projectLabels(project),
  });
}

// A container of the same name is removed when it is this project's (a replica this supervisor or a
// dead one left); anything else with that name is somebody else's and stops us.
async function removeStale(
  docker: Docker,
  project: ResolvedProject,
  name: string,
  supervisor: string,
): Promise<void> {
  let labels: Record<string, string>;
  try {
    labels = (await docker.getContainer(name).inspect()).Config.Labels ?? {};
  } catch (error) {
    ignoreGone(error);
    return;
  }
  const ours = labels[labelKeys.stateDir] === project.stateDir;
  if (!ours || (labels[labelKeys.supervisor] !== supervisor && !supervisorGone(labels)))
    throw new UserError(
      "E_CONTAINER_NAME_TAKEN",
      `the container name "${name}" is taken by ${ours ? "a running agentctl of this project" : describeOwner(labels)}`,
      { hint: `Remove it (docker rm -f ${name}) if it is stale, or give this project another name:.` },
    );
  await docker.getContainer(name).remove({ force: true }).catch(ignoreGone);
}

function describeOwner(labels: Record<string, string> | undefined): string {
  const project = labels?.[labelKeys.project];
  if (!project) return "something agentctl did not create";
  return `agentctl project "${project}" at ${labels?.[labelKeys.stateDir] ?? "an unknown folder"}`;
}

// Splits a byte stream into lines; a last line without a newline is emitted at the end.
function lineStream(onLine: (line: string) => void): PassThrough {
  const stream = new PassThrough();
  let pending = "";
  stream.on("data", (chunk: Buffer) => {
    pending += chunk.toString("utf8");
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) onLine(line);
  });
  stream.on("end", () => {
    if (pending) onLine(pending);
    pending = "";
  });
  return stream;
}

// The stats stream sends one JSON document about every second; CPU is cumulative, memory excludes the
// page cache the way `docker stats` does (cgroup v1 and v2 name it differently).
function sampleUsage(
  stream: NodeJS.ReadableStream,
  record: (usage: { cpuSeconds: number; memoryBytes: number }) => void,
) {
  let pending = "";
  stream.on("data", (chunk: Buffer) => {
    pending += chunk.toString("utf8");
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        const stats = JSON.parse(line) as Docker.ContainerStats;
        const memory = stats.memory_stats;
        const cache = memory?.stats?.total_inactive_file ?? memory?.stats?.inactive_file ?? 0;
        if (memory?.usage === undefined || stats.cpu_stats?.cpu_usage?.total_usage === undefined) continue;
        record({
          cpuSeconds: stats.cpu_stats.cpu_usage.total_usage / 1e9,
          memoryBytes: Math.max(0, memory.usage - (cache < memory.usage ? cache : 0)),
        });
      } catch {
        // A partial document: the next one follows within a second.
      }
    }
  });
  stream.on("error", () => undefined);
}

/** Swallows "no such container" (404) and "already stopped" (304); rethrows anything else. */
export function ignoreGone(error: unknown): void {
  const status = (error as { statusCode?: number }).statusCode;
  if (status === 404 || status === 304 || status === 409) return;
  throw error;
}

function engineMessage(error: unknown): string {
  const json = (error as { json?: { message?: string } }).json;
  return json?.message ?? (error as Error).message;
}
