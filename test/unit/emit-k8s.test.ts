// Kubernetes output against the official OpenAPI schemas (kubernetes-models) and the lint of check.ts,
// plus what the schemas miss (no emitted Secret, selectors matching pods). Unknown fields are caught at
// compile time instead: the emitters build every object with kubernetes-models' TypeScript interfaces.
import type { IContainer } from "kubernetes-models/v1/Container";
import { describe, expect, it } from "vitest";
import { checkManifests, checkObjects, manifestObjects } from "../../src/emit/k8s/check.js";
import { emitKubernetes } from "../../src/emit/k8s/index.js";
import { deployFixtures, loadFixture } from "../support/deploy-fixtures.js";

// biome-ignore lint/suspicious/noExplicitAny: objects read back from YAML
type Obj = Record<string, any>;

async function model(object: Obj) {
  const path = `kubernetes-models/${object.apiVersion}/${object.kind}`;
  const module = (await import(path)) as Record<
    string,
    new (
      data: Obj,
    ) => { validate(): void; toJSON(): Obj }
  >;
  return new module[object.kind]!(object);
}

describe.each(deployFixtures)("kubernetes output of %s", (fixture) => {
  const files = emitKubernetes(loadFixture(fixture));
  const objects = manifestObjects(files);

  it("validates every object against the official OpenAPI schema", async () => {
    expect(objects.length).toBeGreaterThan(5);
    for (const object of objects) {
      const instance = await model(object);
      expect(() => instance.validate(), `${object.kind}/${object.metadata.name}`).not.toThrow();
    }
  });

  it("passes the best-practice check", () => {
    expect(checkManifests(files)).toEqual([]);
  });

  it("emits no Secret and references secrets only through secretKeyRef", () => {
    expect(objects.some((object) => object.kind === "Secret")).toBe(false);
    for (const file of files) expect(file.contents).not.toMatch(/stringData|^data:\s*\n\s+[A-Z_]+_KEY/m);
  });

  it("lists every manifest in kustomization.yaml with the namespace", () => {
    const kustomization = files.find((file) => file.path === "kustomization.yaml")!;
    for (const file of files)
      if (file !== kustomization) expect(kustomization.contents).toContain(`- ${file.path}`);
    expect(kustomization.contents).toMatch(/^namespace: [a-z-]+$/m);
  });
});

describe("unknown fields", () => {
  it("are missed by the runtime validator but rejected by the types the emitters are built with", async () => {
    const { Deployment } = await import("kubernetes-models/apps/v1/Deployment");
    const withTypo = {
      metadata: { name: "typo" },
      spec: {
        selector: { matchLabels: { app: "typo" } },
        template: {
          metadata: { labels: { app: "typo" } },
          spec: { containers: [{ name: "typo", image: "x:1", imagePullPolicyy: "Always" }] },
        },
      },
    };
    // The OpenAPI validation lets the misspelt field through…
    expect(() => new Deployment(withTypo as never).validate()).not.toThrow();
    // …while an object literal typed as in the emitters does not compile (tsc checks this line).
    const container: IContainer = {
      name: "typo",
      // @ts-expect-error imagePullPolicyy is not a Container field
      imagePullPolicyy: "Always",
    };
    expect(container.name).toBe("typo");
  });
});

describe("kubernetes specifics", () => {
  it("adds an HPA, PDBs, LoadBalancer exposure and registry images for the rich fixture", () => {
    const objects = manifestObjects(emitKubernetes(loadFixture("deploy-rich"), { env: "staging" }));
    const of = (kind: string, name: string) =>
      objects.find((o) => o.kind === kind && o.metadata.name === name);
    expect(of("HorizontalPodAutoscaler", "agent")?.spec).toMatchObject({ minReplicas: 2, maxReplicas: 10 });
    expect(of("PodDisruptionBudget", "gateway")).toBeDefined();
    expect(of("PodDisruptionBudget", "memory")).toBeUndefined();
    expect(of("Service", "gateway")?.spec.type).toBe("LoadBalancer");
    expect(of("Ingress", "shop-assistant")).toBeUndefined();
    expect(of("StatefulSet", "cache")).toBeUndefined();
    expect(of("StatefulSet", "db")?.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("5Gi");
    expect(of("Namespace", "shop-staging")).toBeDefined();
    const agent = of("Deployment", "agent")!.spec.template.spec.containers[0];
    expect(agent.image).toBe("registry.example.com/acme/shop-assistant/agent:1.4.0");
    expect(agent.env).toContainEqual({
      name: "LLM_API_KEY",
      valueFrom: { secretKeyRef: { name: "shop-assistant-secrets", key: "LLM_API_KEY" } },
    });
  });

  it("finds the usual problems in bad manifests", () => {
    const objects = manifestObjects(emitKubernetes(loadFixture("deploy-demo"), { tag: "latest" }));
    const deployment = objects.find((o) => o.kind === "Deployment" && o.metadata.name === "agent")!;
    const container = deployment.spec.template.spec.containers[0];
    delete container.livenessProbe;
    delete container.resources.limits;
    container.securityContext = { runAsUser: 0 };
    deployment.spec.template.spec.securityContext = {};
    deployment.spec.replicas = 3;
    const service = objects.find((o) => o.kind === "Service" && o.metadata.name === "tools")!;
    service.spec.selector = { "app.kubernetes.io/name": "nothing" };
    const checks = new Set(checkObjects(objects).map((finding) => `${finding.object} ${finding.check}`));
    for (const expected of [
      "Deployment/agent no-liveness-probe",
      "Deployment/agent unset-cpu-requirements",
      "Deployment/agent unset-memory-requirements",
      "Deployment/agent run-as-non-root",
      "Deployment/agent no-read-only-root-fs",
      "Deployment/agent privilege-escalation-container",
      "Deployment/agent drop-capabilities",
      "Deployment/agent no-seccomp-profile",
      "Deployment/agent latest-tag",
      "Deployment/agent no-pod-disruption-budget",
      "Service/tools dangling-service",
    ]) {
      expect(checks).toContain(expected);
    }
  });
});
