// Resolution turns a valid project file into the one model everything else reads: defaults applied,
// quantities parsed, paths made absolute, services in dependency order, discovery variable names fixed.
import { createHash } from "node:crypto";
import { dirname, join, resolve as resolvePath } from "node:path";
import type {
  ProbeConfig,
  ProjectFile,
  ResourceConfig,
  RestartPolicy,
  RuntimeName,
  ServiceConfig,
  Strategy,
  TargetsConfig,
  TemplateName,
} from "./schema.js";
import { parseCpu, parseDuration, parseMemory } from "./units.js";

/** A health or readiness probe with durations in milliseconds. */
export interface ResolvedProbe {
  path: string;
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
}

/** CPU in millicores and memory in bytes, plus the strings as written (for emitters). */
export interface ResolvedQuantities {
  cpu?: string;
  memory?: string;
  cpuMillis?: number;
  memoryBytes?: number;
}

/** One service, ready to run or emit. */
export interface ResolvedService {
  name: string;
  /** The environment variable every runtime and target sets to this service's URL. */
  discoveryVariable: string;
  template?: TemplateName;
  /** Absolute folder of the service's sources (its build context when none is given). */
  dir: string;
  /** Absolute path of the TypeScript/JavaScript entry agentctl bundles. */
  entry?: string;
  /** A command run as given, already split into program and arguments or as one shell string. */
  command?: string | string[];
  build?: { context: string; dockerfile?: string; args: Record<string, string> };
  image?: string;
  runtime: RuntimeName;
  port?: number;
  replicas: number;
  env: Record<string, string>;
  secrets: string[];
  health: ResolvedProbe;
  ready: ResolvedProbe;
  dependsOn: string[];
  uses: string[];
  resources: { requests: ResolvedQuantities; limits: ResolvedQuantities };
  autoscale?: { min: number; max: number; targetCpu: number };
  routes: string[];
  restart: RestartPolicy;
  strategy: Strategy;
  timeoutMs: number;
  gracePeriodMs: number;
  subscribe: string[];
  publish: string[];
  /** Absolute path of the esbuild bundle `agentctl build` writes for an `entry`. */
  bundlePath: string;
}

/** A backing store. */
export interface ResolvedResource {
  name: string;
  kind: ResourceConfig["kind"];
  version?: string;
  external?: string;
  port?: number;
  storage?: string;
  discoveryVariable: string;
}

/** The router's settings with parsed quantities. */
export interface ResolvedRouter {
  port: number;
  host: string;
  strategy: Strategy;
  timeoutMs: number;
  retries: number;
  maxBodyBytes: number;
  /** Router processes serving connections (1: the router alone). */
  workers: number;
  breaker: {
    failures: number;
    failureRate: number;
    windowMs: number;
    minRequests: number;
    resetTimeoutMs: number;
  };
}

/** The resolved project: the one model every command reads. */
export interface ResolvedProject {
  name: string;
  /** Absolute path of agentctl.yaml. */
  file: string;
  /** The folder holding agentctl.yaml. */
  root: string;
  /** `<root>/.agentctl`: state, logs, builds, control token. */
  stateDir: string;
  /** sha256 of the project file's source, for generated-file headers and caches. */
  sourceHash: string;
  defaults: ProjectFile["defaults"];
  /** Services in dependency order: every service comes after what it depends on. */
  services: ResolvedService[];
  resources: ResolvedResource[];
  router: ResolvedRouter;
  targets: TargetsConfig;
}

/** The discovery variable for a name: `tool-runner` → `AGENTCTL_SERVICE_TOOL_RUNNER_URL`. */
export function discoveryVariable(name: string): string {
  return `AGENTCTL_SERVICE_${name.toUpperCase().replace(/-/g, "_")}_URL`;
}

/** Applies defaults and parses quantities; the input must already be valid. */
export function resolveProject(file: ProjectFile, origin: { file: string; source: string }): ResolvedProject {
  const root = dirname(resolvePath(origin.file));
  const stateDir = join(root, ".agentctl");
  const services = dependencyOrder(file).map((name) =>
    resolveService(name, file.services[name]!, file, root, stateDir),
  );
  const resources = Object.entries(file.resources).map(([name, resource]) => ({
    name,
    kind: resource.kind,
    version: resource.version === undefined ? undefined : String(resource.version),
    external: resource.external,
    port: resource.port,
    storage: resource.storage,
    discoveryVariable: discoveryVariable(name),
  }));
  const router = file.router;
  return {
    name: file.name,
    file: resolvePath(origin.file),
    root,
    stateDir,
    sourceHash: createHash("sha256").update(origin.source).digest("hex"),
    defaults: file.defaults,
    services,
    resources,
    router: {
      port: router.port,
      host: router.host,
      strategy: router.strategy,
      timeoutMs: parseDuration(router.timeout),
      retries: router.retries,
      maxBodyBytes: parseMemory(router.maxBodySize),
      workers: router.workers,
      breaker: {
        failures: router.breaker.failures,
        failureRate: router.breaker.failureRate,
        windowMs: parseDuration(router.breaker.window),
        minRequests: router.breaker.minRequests,
        resetTimeoutMs: parseDuration(router.breaker.resetTimeout),
      },
    },
    targets: file.targets,
  };
}

function resolveService(
  name: string,
  service: ServiceConfig,
  file: ProjectFile,
  root: string,
  stateDir: string,
): ResolvedService {
  const dir = resolvePath(root, service.path ?? join("services", name));
  const env = Object.fromEntries(Object.entries(service.env).map(([key, value]) => [key, String(value)]));
  const health = resolveProbe(service.health);
  return {
    name,
    discoveryVariable: discoveryVariable(name),
    template: service.template,
    dir,
    entry: service.entry ? resolvePath(root, service.entry) : undefined,
    command: service.command,
    build: service.build && {
      context: resolvePath(root, service.build.context),
      dockerfile: service.build.dockerfile,
      args: Object.fromEntries(
        Object.entries(service.build.args).map(([key, value]) => [key, String(value)]),
      ),
    },
    image: service.image,
    runtime: service.runtime ?? file.defaults.runtime,
    port: service.port,
    replicas: service.replicas,
    env,
    secrets: service.secrets,
    health,
    ready: service.ready ? resolveProbe(service.ready) : { ...health },
    dependsOn: service.dependsOn,
    uses: service.uses,
    resources: {
      requests: resolveQuantities(service.resources?.requests),
      limits: resolveQuantities(service.resources?.limits),
    },
    autoscale: service.autoscale,
    routes: service.routes,
    restart: service.restart ?? file.defaults.restart,
    strategy: service.strategy ?? file.router.strategy,
    timeoutMs: parseDuration(service.timeout ?? file.router.timeout),
    gracePeriodMs: parseDuration(service.gracePeriod ?? file.defaults.gracePeriod),
    subscribe: service.subscribe,
    publish: service.publish,
    bundlePath: join(stateDir, "build", name, "index.mjs"),
  };
}

function resolveProbe(probe: ProbeConfig): ResolvedProbe {
  return {
    path: probe.path,
    intervalMs: parseDuration(probe.interval),
    timeoutMs: parseDuration(probe.timeout),
    retries: probe.retries,
    startPeriodMs: parseDuration(probe.startPeriod),
  };
}

function resolveQuantities(
  quantities: { cpu?: string | number; memory?: string } | undefined,
): ResolvedQuantities {
  if (!quantities) return {};
  return {
    cpu: quantities.cpu === undefined ? undefined : String(quantities.cpu),
    memory: quantities.memory,
    cpuMillis: quantities.cpu === undefined ? undefined : parseCpu(quantities.cpu),
    memoryBytes: quantities.memory === undefined ? undefined : parseMemory(quantities.memory),
  };
}

/** Service names in an order where each comes after its dependencies (stable: file order otherwise). */
export function dependencyOrder(file: ProjectFile): string[] {
  const ordered: string[] = [];
  const placed = new Set<string>();
  const place = (name: string, trail: Set<string>) => {
    if (placed.has(name) || trail.has(name) || !file.services[name]) return;
    trail.add(name);
    for (const dependency of file.services[name]!.dependsOn) place(dependency, trail);
    placed.add(name);
    ordered.push(name);
  };
  for (const name of Object.keys(file.services)) place(name, new Set());
  return ordered;
}
