// Variables every runtime and deploy target gives a service under the same names (only the values
// differ): who it is, the topics it subscribes to and publishes, and the URL of each backing resource
// it uses. Discovery URLs (AGENTCTL_SERVICE_<NAME>_URL) and PORT are the runtime's or target's own.
import type { ResolvedProject, ResolvedResource, ResolvedService } from "./resolve.js";

/** The conventional variable a client library reads for a resource of this kind. */
export function resourceUrlVariable(kind: string): string {
  return { redis: "REDIS_URL", postgres: "DATABASE_URL", nats: "NATS_URL", kafka: "KAFKA_BROKERS" }[kind]!;
}

/** AGENTCTL_PROJECT, AGENTCTL_SERVICE, and SUBSCRIBE / PUBLISH (comma-separated) when declared. */
export function identityEnvironment(
  project: ResolvedProject,
  service: ResolvedService,
): Record<string, string> {
  const env: Record<string, string> = {
    AGENTCTL_PROJECT: project.name,
    AGENTCTL_SERVICE: service.name,
  };
  if (service.subscribe.length > 0) env.SUBSCRIBE = service.subscribe.join(",");
  if (service.publish.length > 0) env.PUBLISH = service.publish.join(",");
  return env;
}

/** The resources a service uses (by `uses`, or listed in `dependsOn`). */
export function resourcesOf(project: ResolvedProject, service: ResolvedService): ResolvedResource[] {
  return project.resources.filter(
    (resource) => service.uses.includes(resource.name) || service.dependsOn.includes(resource.name),
  );
}

/** Each used resource's URL under its discovery variable and its conventional one (REDIS_URL …). */
export function resourceEnvironment(
  resources: readonly ResolvedResource[],
  urlOf: (resource: ResolvedResource) => string | undefined,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const resource of resources) {
    const url = urlOf(resource);
    if (url === undefined) continue;
    env[resource.discoveryVariable] = url;
    env[resourceUrlVariable(resource.kind)] = url;
  }
  return env;
}
