// What an instance is started with: its command (the service's command, or node on its bundle) and its
// environment (inherited, HOST=127.0.0.1, identity and topics, used resources' URLs — external, or
// the local server `up` runs — then the service's env, secrets, discovery URLs, PORT and
// AGENTCTL_INSTANCE).
import { existsSync } from "node:fs";
import { UserError } from "../errors.js";
import { projectVariables } from "../project/dotenv.js";
import { identityEnvironment, resourceEnvironment, resourcesOf } from "../project/environment.js";
import type { ResolvedProject, ResolvedService } from "../project/resolve.js";

/** The command that runs a service: as configured, or node on the bundle of its entry. */
export function serviceCommand(service: ResolvedService): string | string[] {
  if (service.command !== undefined) return service.command;
  // A container runs its image's own CMD (a built `entry` image's is node on the bundle).
  if (service.runtime === "docker") return [];
  if (service.entry) return [process.execPath, service.bundlePath];
  throw new UserError("E_NO_COMMAND", `service "${service.name}" has neither a command nor an entry to run`, {
    hint: `Set services.${service.name}.entry (a TypeScript file) or services.${service.name}.command.`,
  });
}

/** The folder a service runs in: its own folder when it exists, else the project root. */
export function serviceCwd(project: ResolvedProject, service: ResolvedService): string {
  return existsSync(service.dir) ? service.dir : project.root;
}

/** Secrets a service declares that are set neither in the environment nor in .env. */
export function missingSecrets(project: ResolvedProject, env: NodeJS.ProcessEnv): string[] {
  const variables = projectVariables(project.root, env);
  return project.services.flatMap((service) =>
    service.secrets.filter((name) => variables[name] === undefined).map((name) => `${service.name}: ${name}`),
  );
}

/** The environment of one replica. */
export function instanceEnv(options: {
  project: ResolvedProject;
  service: ResolvedService;
  replica: number;
  port: number;
  discovery: ReadonlyMap<string, string>;
  env: NodeJS.ProcessEnv;
  /** URLs of the resources run locally, by resource name (external ones use their own). */
  resourceUrls?: ReadonlyMap<string, string>;
}): Record<string, string> {
  const { project, service } = options;
  const variables = projectVariables(project.root, options.env);
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.env)) if (value !== undefined) result[key] = value;
  // Processes listen on loopback only; the service's own env may say otherwise.
  result.HOST = "127.0.0.1";
  Object.assign(result, identityEnvironment(project, service));
  Object.assign(
    result,
    resourceEnvironment(
      resourcesOf(project, service),
      (resource) => resource.external ?? options.resourceUrls?.get(resource.name),
    ),
  );
  Object.assign(result, service.env);
  for (const name of service.secrets) if (variables[name] !== undefined) result[name] = variables[name]!;
  for (const other of project.services) {
    const url = options.discovery.get(other.name);
    if (url) result[other.discoveryVariable] = url;
  }
  result.PORT = String(options.port);
  result.AGENTCTL_INSTANCE = `${service.name}-${options.replica}`;
  return result;
}
