// One service as Kubernetes objects: ServiceAccount, ConfigMap, Deployment, Service, and an HPA and a
// PodDisruptionBudget when they apply. Built with kubernetes-models' types so unknown fields fail to compile.

import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { IHorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import type { IPodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IService } from "kubernetes-models/v1/Service";
import type { IServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import type { ResolvedProbe, ResolvedProject, ResolvedService } from "../../project/resolve.js";
import { serviceEnvironment } from "../environment.js";
import { containerPort, type EmitOptions } from "../files.js";
import {
  commonLabels,
  discoveryConfigMap,
  imageOf,
  imageTag,
  kubernetesAddressing,
  seconds,
  secretName,
  selectorLabels,
} from "./names.js";

const defaultRequests = { cpu: "100m", memory: "128Mi" };
const defaultLimits = { cpu: "500m", memory: "256Mi" };

/** The objects of one service, in apply order. */
export function serviceObjects(
  project: ResolvedProject,
  service: ResolvedService,
  options: EmitOptions,
  serviceType: "ClusterIP" | "LoadBalancer",
): object[] {
  const labels = commonLabels(
    project,
    service.name,
    service.template ?? "service",
    imageTag(project, options),
  );
  const metadata = { name: service.name, labels };
  const account: IServiceAccount = {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata,
    automountServiceAccountToken: false,
  };
  const config: IConfigMap = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: `${service.name}-env`, labels },
    data: serviceEnvironment(project, service, kubernetesAddressing, { shared: false }),
  };
  const replicas = service.autoscale ? Math.max(service.replicas, service.autoscale.min) : service.replicas;
  const deployment: IDeployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata,
    spec: {
      replicas,
      revisionHistoryLimit: 5,
      selector: { matchLabels: selectorLabels(project, service.name) },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: service.name,
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: seconds(service.gracePeriodMs),
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 1000,
            runAsGroup: 1000,
            fsGroup: 1000,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [container(project, service, options)],
          volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
        },
      },
    },
  };
  const port = { name: "http", port: containerPort, targetPort: "http", protocol: "TCP" as const };
  const kubeService: IService = {
    apiVersion: "v1",
    kind: "Service",
    metadata,
    spec: { type: serviceType, selector: selectorLabels(project, service.name), ports: [port] },
  };
  const objects: object[] = [account, config, deployment, kubeService];
  if (service.autoscale) {
    const autoscaler: IHorizontalPodAutoscaler = {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata,
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: service.name },
        minReplicas: service.autoscale.min,
        maxReplicas: service.autoscale.max,
        metrics: [
          {
            type: "Resource",
            resource: {
              name: "cpu",
              target: { type: "Utilization", averageUtilization: service.autoscale.targetCpu },
            },
          },
        ],
      },
    };
    objects.push(autoscaler);
  }
  if (replicas > 1) {
    const budget: IPodDisruptionBudget = {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata,
      spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(project, service.name) } },
    };
    objects.push(budget);
  }
  return objects;
}

function container(project: ResolvedProject, service: ResolvedService, options: EmitOptions): IContainer {
  const { requests, limits } = service.resources;
  return {
    name: service.name,
    image: imageOf(project, service, options),
    imagePullPolicy: "IfNotPresent",
    ports: [{ name: "http", containerPort, protocol: "TCP" }],
    // Later sources win: the service's own values over the shared discovery variables.
    envFrom: [
      { configMapRef: { name: discoveryConfigMap(project) } },
      { configMapRef: { name: `${service.name}-env` } },
    ],
    env:
      service.secrets.length > 0
        ? service.secrets.map((secret) => ({
            name: secret,
            valueFrom: { secretKeyRef: { name: secretName(project), key: secret } },
          }))
        : undefined,
    livenessProbe: probe(service.health),
    readinessProbe: probe(service.ready),
    startupProbe: {
      httpGet: { path: service.health.path, port: "http" },
      periodSeconds: 2,
      timeoutSeconds: seconds(service.health.timeoutMs),
      failureThreshold: Math.max(30, Math.ceil(service.health.startPeriodMs / 2000)),
    },
    resources: {
      requests: {
        cpu: requests.cpu ?? defaultRequests.cpu,
        memory: requests.memory ?? defaultRequests.memory,
      },
      limits: { cpu: limits.cpu ?? defaultLimits.cpu, memory: limits.memory ?? defaultLimits.memory },
    },
    securityContext: {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
  };
}

function probe(probe: ResolvedProbe) {
  return {
    httpGet: { path: probe.path, port: "http" },
    periodSeconds: seconds(probe.intervalMs),
    timeoutSeconds: seconds(probe.timeoutMs),
    failureThreshold: probe.retries,
  };
}
