// A backing resource as a StatefulSet with a PersistentVolumeClaim template and a headless Service, so
// each pod keeps its data and has a stable DNS name. External resources are only addressed, not emitted.
import type { IStatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import type { IService } from "kubernetes-models/v1/Service";
import type { IServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import type { ResolvedProject, ResolvedResource } from "../../project/resolve.js";
import { resourceRuntime } from "../resources.js";
import { commonLabels, secretName, selectorLabels } from "./names.js";

/** The objects of one resource, in apply order. */
export function resourceObjects(project: ResolvedProject, resource: ResolvedResource): object[] {
  const runtime = resourceRuntime(resource);
  const version = runtime.image.split(":")[1];
  const labels = commonLabels(project, resource.name, resource.kind, version);
  const metadata = { name: resource.name, labels };
  const account: IServiceAccount = {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata,
    automountServiceAccountToken: false,
  };
  const headless: IService = {
    apiVersion: "v1",
    kind: "Service",
    metadata,
    spec: {
      clusterIP: "None",
      selector: selectorLabels(project, resource.name),
      ports: [{ name: resource.kind, port: runtime.port, targetPort: resource.kind, protocol: "TCP" }],
    },
  };
  const probe = {
    exec: { command: runtime.health },
    periodSeconds: 5,
    timeoutSeconds: 3,
    failureThreshold: 6,
  };
  const env = [
    ...Object.entries(runtime.environment).map(([name, value]) => ({ name, value })),
    ...runtime.secrets.map((secret) => ({
      name: "POSTGRES_PASSWORD",
      valueFrom: { secretKeyRef: { name: secretName(project), key: secret } },
    })),
  ];
  const set: IStatefulSet = {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata,
    spec: {
      serviceName: resource.name,
      replicas: 1,
      selector: { matchLabels: selectorLabels(project, resource.name) },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: resource.name,
          automountServiceAccountToken: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 999,
            runAsGroup: 999,
            fsGroup: 999,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [
            {
              name: resource.kind,
              image: runtime.image,
              imagePullPolicy: "IfNotPresent",
              command: runtime.command,
              env: env.length > 0 ? env : undefined,
              ports: [{ name: resource.kind, containerPort: runtime.port, protocol: "TCP" }],
              livenessProbe: probe,
              readinessProbe: probe,
              startupProbe: { ...probe, failureThreshold: 30 },
              resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
              securityContext: {
                runAsNonRoot: true,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
              },
              volumeMounts: [
                { name: "data", mountPath: runtime.dataDir },
                { name: "tmp", mountPath: "/tmp" },
                { name: "run", mountPath: "/var/run" },
              ],
            },
          ],
          volumes: [
            { name: "tmp", emptyDir: {} },
            { name: "run", emptyDir: {} },
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: "data", labels },
          spec: {
            accessModes: ["ReadWriteOnce"],
            resources: { requests: { storage: resource.storage ?? "1Gi" } },
          },
        },
      ],
    },
  };
  return [account, headless, set];
}
