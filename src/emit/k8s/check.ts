// `deploy --target k8s --check`: a pure lint of emitted manifests for the usual best-practice findings,
// after KubeLinter's default checks (which cannot be installed here). It also covers what schema
// validation misses: names that are not DNS labels, over-long labels, selectors that match nothing.
import { parseAllDocuments } from "yaml";
import type { EmittedFile } from "../files.js";

/** One problem in one object. */
export interface Finding {
  check: string;
  object: string;
  message: string;
}

// biome-ignore lint/suspicious/noExplicitAny: manifests are read back from YAML, untyped by nature.
type Obj = Record<string, any>;

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const workloadKinds = new Set(["Deployment", "StatefulSet", "DaemonSet"]);

/** The objects of YAML files (kustomization.yaml is not an object of the cluster). */
export function manifestObjects(files: EmittedFile[]): Obj[] {
  return files
    .filter((file) => /\.ya?ml$/.test(file.path) && !/kustomization\.ya?ml$/.test(file.path))
    .flatMap((file) => parseAllDocuments(file.contents).map((document) => document.toJS() as Obj))
    .filter((object) => object && typeof object === "object");
}

/** Lints emitted files; an empty list means the output passes. */
export function checkManifests(files: EmittedFile[]): Finding[] {
  return checkObjects(manifestObjects(files));
}

/** Lints parsed objects. */
export function checkObjects(objects: Obj[]): Finding[] {
  const findings: Finding[] = [];
  const add = (object: Obj, check: string, message: string) =>
    findings.push({ check, object: `${object.kind}/${object.metadata?.name}`, message });
  const workloads = objects.filter((object) => workloadKinds.has(object.kind));
  const podLabels = workloads.map((workload) => workload.spec?.template?.metadata?.labels ?? {});
  const named = (kind: string, name: string) =>
    objects.some((o) => o.kind === kind && o.metadata?.name === name);
  for (const object of objects) {
    const name = object.metadata?.name;
    if (typeof name !== "string" || name.length > 63 || !dnsLabel.test(name))
      add(object, "invalid-name", `name ${JSON.stringify(name)} is not a DNS-1123 label`);
    for (const [key, value] of Object.entries<string>(object.metadata?.labels ?? {})) {
      if (String(value).length > 63)
        add(object, "invalid-label", `label ${key} is longer than 63 characters`);
    }
  }
  for (const workload of workloads) checkWorkload(workload, objects, add);
  for (const service of objects.filter((o) => o.kind === "Service")) {
    const selector = service.spec?.selector ?? {};
    if (Object.keys(selector).length === 0) add(service, "dangling-service", "the Service has no selector");
    else if (!podLabels.some((labels) => matches(selector, labels)))
      add(service, "dangling-service", "the selector matches no pod template");
  }
  for (const hpa of objects.filter((o) => o.kind === "HorizontalPodAutoscaler")) {
    const ref = hpa.spec?.scaleTargetRef ?? {};
    if (!named(ref.kind, ref.name))
      add(hpa, "dangling-hpa", `scale target ${ref.kind}/${ref.name} does not exist`);
  }
  for (const pdb of objects.filter((o) => o.kind === "PodDisruptionBudget")) {
    const selector = pdb.spec?.selector?.matchLabels ?? {};
    const targets = workloads.filter((w) => matches(selector, w.spec?.template?.metadata?.labels ?? {}));
    if (targets.length === 0) add(pdb, "dangling-pdb", "the selector matches no pod template");
    const minAvailable = pdb.spec?.minAvailable;
    for (const target of targets) {
      if (typeof minAvailable === "number" && minAvailable >= (target.spec?.replicas ?? 1)) {
        add(
          pdb,
          "pdb-min-available",
          "minAvailable is not below the replica count: no pod may ever be evicted",
        );
      }
    }
  }
  for (const ingress of objects.filter((o) => o.kind === "Ingress")) {
    for (const rule of ingress.spec?.rules ?? []) {
      for (const path of rule.http?.paths ?? []) {
        const backend = path.backend?.service?.name;
        if (!named("Service", backend))
          add(ingress, "dangling-ingress", `backend Service ${backend} does not exist`);
      }
    }
  }
  return findings;
}

function checkWorkload(
  workload: Obj,
  objects: Obj[],
  add: (o: Obj, check: string, message: string) => void,
): void {
  const pod = workload.spec?.template?.spec ?? {};
  const labels = workload.spec?.template?.metadata?.labels ?? {};
  if (!matches(workload.spec?.selector?.matchLabels ?? {}, labels) || !workload.spec?.selector?.matchLabels) {
    add(workload, "mismatching-selector", "the selector does not match the pod template's labels");
  }
  const replicas = workload.spec?.replicas ?? 1;
  if (
    replicas > 1 &&
    !objects.some(
      (o) => o.kind === "PodDisruptionBudget" && matches(o.spec?.selector?.matchLabels ?? {}, labels),
    )
  ) {
    add(workload, "no-pod-disruption-budget", `${replicas} replicas but no PodDisruptionBudget`);
  }
  const account = pod.serviceAccountName;
  if (account && !objects.some((o) => o.kind === "ServiceAccount" && o.metadata?.name === account)) {
    add(workload, "non-existent-service-account", `ServiceAccount ${account} is not part of the output`);
  }
  if (pod.automountServiceAccountToken !== false)
    add(workload, "access-to-secrets", "the service account token is mounted");
  if (!pod.securityContext?.seccompProfile) add(workload, "no-seccomp-profile", "no seccomp profile");
  for (const container of pod.containers ?? []) {
    const where = `container ${container.name}`;
    const image = String(container.image ?? "");
    if (!image) add(workload, "missing-image", `${where} has no image`);
    else if (!/[:@][^/]+$/.test(image) || /:latest$/.test(image))
      add(workload, "latest-tag", `${where} uses a latest or missing tag (${image})`);
    if (!container.livenessProbe) add(workload, "no-liveness-probe", `${where} has no liveness probe`);
    if (!container.readinessProbe) add(workload, "no-readiness-probe", `${where} has no readiness probe`);
    const ports = new Set((container.ports ?? []).flatMap((p: Obj) => [p.name, p.containerPort]));
    for (const [probe, check] of [
      ["livenessProbe", "liveness-port"],
      ["readinessProbe", "readiness-port"],
      ["startupProbe", "startup-port"],
    ] as const) {
      const port = container[probe]?.httpGet?.port;
      if (port !== undefined && !ports.has(port))
        add(workload, check, `${where} ${probe} port ${port} is not a container port`);
    }
    for (const kind of ["cpu", "memory"]) {
      if (!container.resources?.requests?.[kind])
        add(workload, `unset-${kind}-requirements`, `${where} has no ${kind} request`);
      if (!container.resources?.limits?.[kind])
        add(workload, `unset-${kind}-requirements`, `${where} has no ${kind} limit`);
    }
    const security = container.securityContext ?? {};
    const nonRoot = security.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
    const user = security.runAsUser ?? pod.securityContext?.runAsUser;
    if (nonRoot !== true || user === 0) add(workload, "run-as-non-root", `${where} may run as root`);
    if (security.readOnlyRootFilesystem !== true)
      add(workload, "no-read-only-root-fs", `${where} has a writable root filesystem`);
    if (security.allowPrivilegeEscalation !== false)
      add(workload, "privilege-escalation-container", `${where} allows privilege escalation`);
    if (security.privileged === true) add(workload, "privileged-container", `${where} is privileged`);
    if (!(security.capabilities?.drop ?? []).includes("ALL"))
      add(workload, "drop-capabilities", `${where} does not drop ALL capabilities`);
  }
}

function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([key, value]) => labels[key] === value);
}
