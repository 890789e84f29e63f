// Names, labels and images shared by every Kubernetes object agentctl emits.
import type { ResolvedProject, ResolvedService } from "../../project/resolve.js";
import type { Addressing } from "../environment.js";
import { containerPort, type EmitOptions } from "../files.js";

/** In-cluster addresses: Service DNS names in the same namespace. */
export const kubernetesAddressing: Addressing = {
  serviceUrl: (service) => `http://${service.name}:${containerPort}`,
  resourceHost: (name) => name,
};

/** The ConfigMap holding every service's discovery variable, shared by all Deployments. */
export function discoveryConfigMap(project: ResolvedProject): string {
  return `${project.name}-discovery`;
}

/** The namespace: targets.k8s.namespace (else the project name), suffixed with -<env> for --env. */
export function namespaceOf(project: ResolvedProject, options: EmitOptions): string {
  const base = project.targets.k8s.namespace ?? project.name;
  return options.env ? `${base}-${options.env}` : base;
}

/** The Secret every service's secretKeyRef points at; created by `deploy --apply`, never emitted. */
export function secretName(project: ResolvedProject): string {
  return `${project.name}-secrets`;
}

/** The image tag: --tag, targets.k8s.tag, else the first 12 digits of the project hash (never latest). */
export function imageTag(project: ResolvedProject, options: EmitOptions): string {
  return options.tag ?? project.targets.k8s.tag ?? project.sourceHash.slice(0, 12);
}

/** `<registry>/<project>/<service>:<tag>`, or the service's own image. */
export function imageOf(project: ResolvedProject, service: ResolvedService, options: EmitOptions): string {
  if (service.image) return service.image;
  const registry = options.registry ?? project.targets.k8s.registry ?? "localhost:5000";
  return `${registry.replace(/\/+$/, "")}/${project.name}/${service.name}:${imageTag(project, options)}`;
}

/** The selector labels of a workload: stable across versions, so rollouts keep matching pods. */
export function selectorLabels(project: ResolvedProject, name: string): Record<string, string> {
  return { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": project.name };
}

/** The recommended app.kubernetes.io/* labels. */
export function commonLabels(
  project: ResolvedProject,
  name: string,
  component: string,
  version?: string,
): Record<string, string> {
  return {
    ...selectorLabels(project, name),
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/part-of": project.name,
    "app.kubernetes.io/managed-by": "agentctl",
    ...(version ? { "app.kubernetes.io/version": version.slice(0, 63) } : {}),
  };
}

/** Whole seconds, at least `min`, for probe and grace-period fields. */
export function seconds(ms: number, min = 1): number {
  return Math.max(min, Math.ceil(ms / 1000));
}
