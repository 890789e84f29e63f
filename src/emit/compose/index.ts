// Compose target: docker-compose.yml (Compose Specification, no `version:` key; the subset that both the
// current spec and docker-compose 1.29 accept) plus one build context per bundled service: a Dockerfile
// taking BASE_IMAGE as a build argument. `deploy` copies each esbuild bundle beside its Dockerfile, so
// `docker compose up --build` works from the output folder alone.
import { UserError } from "../../errors.js";
import type { ResolvedProject, ResolvedService } from "../../project/resolve.js";
import { runResources, serviceDependencies, serviceEnvironment } from "../environment.js";
import {
  containerPort,
  defaultBaseImage,
  type EmitOptions,
  type EmittedFile,
  exposedServices,
  headerText,
  yamlFile,
} from "../files.js";
import { resourceRuntime } from "../resources.js";

/** The network every service and resource joins. */
export const composeNetwork = "agentctl";

/** Emits docker-compose.yml and the build contexts. */
export function emitCompose(project: ResolvedProject, options: EmitOptions = {}): EmittedFile[] {
  const hostPorts = publishedPorts(project);
  const labels = { "agentctl.project": project.name, ...options.labels };
  const services: Record<string, unknown> = {};
  const files: EmittedFile[] = [];
  const volumes: Record<string, unknown> = {};
  for (const resource of runResources(project)) {
    const runtime = resourceRuntime(resource);
    const environment: Record<string, string> = { ...runtime.environment };
    for (const secret of runtime.secrets) environment.POSTGRES_PASSWORD = requiredVariable(secret);
    services[resource.name] = {
      image: runtime.image,
      command: runtime.command,
      environment: Object.keys(environment).length > 0 ? environment : undefined,
      volumes: [`${resource.name}-data:${runtime.dataDir}`],
      healthcheck: { test: ["CMD", ...runtime.health], interval: "5s", timeout: "3s", retries: 12 },
      restart: "unless-stopped",
      networks: [composeNetwork],
      labels,
    };
    volumes[`${resource.name}-data`] = { labels };
  }
  for (const service of project.services) {
    if (service.replicas === 0) continue;
    services[service.name] = composeService(project, service, hostPorts.get(service.name), labels);
    if (service.entry && !service.image) files.push(dockerfile(project, service, options));
  }
  const document = {
    services,
    networks: { [composeNetwork]: { labels } },
    volumes: Object.keys(volumes).length > 0 ? volumes : undefined,
  };
  return [yamlFile(project, "docker-compose.yml", [document]), ...files];
}

function composeService(
  project: ResolvedProject,
  service: ResolvedService,
  hostPort: number | undefined,
  labels: Record<string, string>,
): Record<string, unknown> {
  const environment = serviceEnvironment(project, service, {
    serviceUrl: (other) => `http://${other.name}:${containerPort}`,
    resourceHost: (name) => name,
  });
  // Secrets come from the shell or the .env beside docker-compose.yml at `up` time, never from this file.
  for (const secret of service.secrets) environment[secret] = `\${${secret}}`;
  const dependsOn: Record<string, { condition: string }> = {};
  for (const name of serviceDependencies(project, service))
    dependsOn[name] = { condition: "service_healthy" };
  for (const resource of runResources(project)) {
    if (service.uses.includes(resource.name) || service.dependsOn.includes(resource.name)) {
      dependsOn[resource.name] = { condition: "service_healthy" };
    }
  }
  const { limits, requests } = service.resources;
  const portVariable = `AGENTCTL_${service.name.toUpperCase().replace(/-/g, "_")}_PORT`;
  return {
    ...imageOrBuild(project, service, labels),
    environment,
    ports: hostPort === undefined ? undefined : [publishedPort(portVariable, hostPort, service.replicas)],
    // The probe starts a node process each time: on a busy host that alone can take a second or more,
    // so the check gets at least 5 s, and failures in the first 10 s do not count.
    healthcheck: {
      test: ["CMD", "node", "-e", probeScript(service.health.path)],
      interval: duration(service.health.intervalMs),
      timeout: duration(Math.max(service.health.timeoutMs, 5000)),
      retries: service.health.retries,
      start_period: duration(Math.max(service.health.startPeriodMs, 10_000)),
    },
    depends_on: Object.keys(dependsOn).length > 0 ? dependsOn : undefined,
    restart: service.restart === "never" ? "no" : service.restart === "always" ? "always" : "on-failure",
    // Whole seconds: docker-compose 1.29 sends "10000ms" to the engine as 10.0, which it rejects.
    stop_grace_period: `${Math.max(1, Math.ceil(service.gracePeriodMs / 1000))}s`,
    read_only: true,
    tmpfs: ["/tmp"],
    deploy: {
      replicas: service.replicas,
      resources:
        limits.cpu || limits.memory || requests.cpu || requests.memory
          ? {
              limits:
                limits.cpu || limits.memory
                  ? { cpus: cpus(limits.cpuMillis), memory: bytes(limits.memoryBytes) }
                  : undefined,
              reservations:
                requests.cpu || requests.memory
                  ? { cpus: cpus(requests.cpuMillis), memory: bytes(requests.memoryBytes) }
                  : undefined,
            }
          : undefined,
    },
    networks: [composeNetwork],
    labels,
  };
}

function imageOrBuild(project: ResolvedProject, service: ResolvedService, labels: Record<string, string>) {
  if (service.image) return { image: service.image };
  if (!service.entry) {
    throw new UserError(
      "E_DEPLOY_NO_IMAGE",
      `service "${service.name}" has neither an entry to bundle nor an image; deploy targets need one`,
      { hint: `Set services.${service.name}.entry or services.${service.name}.image in ${project.file}.` },
    );
  }
  return { build: { context: `./${service.name}`, labels } };
}

/** Host ports of exposed services: `port` when set, else the next free one from 8080 on. */
function publishedPorts(project: ResolvedProject): Map<string, number> {
  const exposed = exposedServices(project).filter((service) => service.replicas > 0);
  const taken = new Set<number>();
  for (const service of exposed) {
    if (service.port) for (let i = 0; i < service.replicas; i++) taken.add(service.port + i);
  }
  const ports = new Map<string, number>();
  let next = containerPort;
  for (const service of exposed) {
    if (service.port) {
      ports.set(service.name, service.port);
      continue;
    }
    const fits = (start: number) =>
      Array.from({ length: service.replicas }, (_, i) => start + i).every((p) => !taken.has(p));
    while (!fits(next)) next += 1;
    ports.set(service.name, next);
    for (let i = 0; i < service.replicas; i++) taken.add(next + i);
    next += service.replicas;
  }
  return ports;
}

// On 127.0.0.1 only: exposing to the network is a decision for whoever runs it. Replicas each need a
// host port, so a replicated service gets a range (fixed; the variable overrides single ports only).
function publishedPort(variable: string, hostPort: number, replicas: number): string {
  if (replicas > 1) return `127.0.0.1:${hostPort}-${hostPort + replicas - 1}:${containerPort}`;
  return `127.0.0.1:\${${variable}:-${hostPort}}:${containerPort}`;
}

/** A health probe that needs only node (slim images have no curl or wget). */
export function probeScript(path: string): string {
  return `fetch('http://127.0.0.1:${containerPort}${path}').then((r)=>process.exit(r.ok?0:1),()=>process.exit(1))`;
}

function duration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function requiredVariable(name: string): string {
  return `\${${name}:?set ${name} in the environment or .env}`;
}

function cpus(millis: number | undefined): string | undefined {
  return millis === undefined ? undefined : String(millis / 1000);
}

function bytes(value: number | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value % (1024 * 1024) === 0 ? `${value / (1024 * 1024)}M` : `${value}b`;
}

function dockerfile(project: ResolvedProject, service: ResolvedService, options: EmitOptions): EmittedFile {
  const base =
    options.baseImage ??
    (project.defaults.baseImage === "node:20-slim" ? defaultBaseImage : project.defaults.baseImage);
  const contents = [
    `# ${headerText(project)}`,
    `# The service "${service.name}": its esbuild bundle (index.mjs, copied here by deploy) on a Node image.`,
    `ARG BASE_IMAGE=${base}`,
    "FROM ${BASE_IMAGE}",
    "WORKDIR /app",
    "COPY index.mjs /app/index.mjs",
    "ENV NODE_ENV=production",
    `ENV PORT=${containerPort}`,
    `EXPOSE ${containerPort}`,
    "USER 1000:1000",
    'CMD ["node", "/app/index.mjs"]',
    "",
  ].join("\n");
  return { path: `${service.name}/Dockerfile`, contents };
}
