// Kubernetes target: plain manifests, one file per service or resource, plus kustomization.yaml that
// sets the namespace (so `kubectl apply -k <dir>` deploys everything). No Secret is emitted: services
// read secrets through secretKeyRef, and `deploy --apply` creates the Secret from the environment.
import type { IIngress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { INamespace } from "kubernetes-models/v1/Namespace";
import type { ResolvedProject } from "../../project/resolve.js";
import { discoveryEnvironment, runResources } from "../environment.js";
import { containerPort, type EmitOptions, type EmittedFile, exposedServices, yamlFile } from "../files.js";
import { commonLabels, discoveryConfigMap, kubernetesAddressing, namespaceOf, secretName } from "./names.js";
import { resourceObjects } from "./stateful.js";
import { serviceObjects } from "./workload.js";

export { namespaceOf, secretName };

/** Emits the manifests and kustomization.yaml. */
export function emitKubernetes(project: ResolvedProject, options: EmitOptions = {}): EmittedFile[] {
  const namespace = namespaceOf(project, options);
  const expose = project.targets.k8s.expose;
  const exposed = exposedServices(project);
  const exposedNames = new Set(exposed.map((service) => service.name));
  const files: EmittedFile[] = [];
  const ns: INamespace = {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: namespace,
      labels: { "app.kubernetes.io/part-of": project.name, "app.kubernetes.io/managed-by": "agentctl" },
    },
  };
  files.push(yamlFile(project, "namespace.yaml", [ns]));
  const discovery: IConfigMap = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: discoveryConfigMap(project),
      labels: commonLabels(project, discoveryConfigMap(project), "discovery"),
    },
    data: discoveryEnvironment(project, kubernetesAddressing),
  };
  files.push(yamlFile(project, "discovery.yaml", [discovery]));
  for (const resource of runResources(project)) {
    files.push(yamlFile(project, `${resource.name}.yaml`, resourceObjects(project, resource)));
  }
  for (const service of project.services) {
    const type = expose === "loadbalancer" && exposedNames.has(service.name) ? "LoadBalancer" : "ClusterIP";
    files.push(yamlFile(project, `${service.name}.yaml`, serviceObjects(project, service, options, type)));
  }
  if (expose === "ingress" && exposed.length > 0)
    files.push(yamlFile(project, "ingress.yaml", [ingress(project, exposed)]));
  const kustomization = {
    apiVersion: "kustomize.config.k8s.io/v1beta1",
    kind: "Kustomization",
    namespace,
    resources: files.map((file) => file.path),
  };
  files.push(yamlFile(project, "kustomization.yaml", [kustomization]));
  return files;
}

function ingress(project: ResolvedProject, exposed: ReturnType<typeof exposedServices>): IIngress {
  const { ingressHost, ingressClass } = project.targets.k8s;
  const paths = exposed.flatMap((service) =>
    (service.routes.length > 0 ? service.routes : ["/"]).map((path) => ({
      path,
      pathType: "Prefix" as const,
      backend: { service: { name: service.name, port: { number: containerPort } } },
    })),
  );
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: project.name, labels: commonLabels(project, project.name, "ingress") },
    spec: {
      ingressClassName: ingressClass,
      rules: [{ host: ingressHost, http: { paths } }],
    },
  };
}
