// The same variable names in every runtime and target, only the values differ: the local process
// runtime's environment against the deploy targets' (compose/k8s addressing).
import { describe, expect, it } from "vitest";
import { serviceEnvironment } from "../../src/emit/environment.js";
import { kubernetesAddressing } from "../../src/emit/k8s/names.js";
import { instanceEnv } from "../../src/runtime/instance-spec.js";
import { loadText } from "../support/project-source.js";

const source = `
name: shop
services:
  worker:
    command: [node, worker.mjs]
    subscribe: [orders, refunds]
    publish: [receipts]
    uses: [cache]
    env: { LOG_LEVEL: debug }
  agent:
    command: [node, agent.mjs]
resources:
  cache:
    kind: redis
    external: redis://127.0.0.1:6390
`;

describe("service environment", () => {
  const project = loadText(source).project!;
  const worker = project.services.find((service) => service.name === "worker")!;
  const local = instanceEnv({
    project,
    service: worker,
    replica: 1,
    port: 41000,
    discovery: new Map([
      ["worker", "http://127.0.0.1:4000/worker"],
      ["agent", "http://127.0.0.1:4000/agent"],
    ]),
    env: { PATH: "/usr/bin", HOST: "0.0.0.0" },
  });
  const deployed = serviceEnvironment(project, worker, kubernetesAddressing);

  it("gives the local process its identity, topics, resource URLs, port and loopback host", () => {
    expect(local).toMatchObject({
      AGENTCTL_PROJECT: "shop",
      AGENTCTL_SERVICE: "worker",
      AGENTCTL_INSTANCE: "worker-1",
      SUBSCRIBE: "orders,refunds",
      PUBLISH: "receipts",
      AGENTCTL_SERVICE_CACHE_URL: "redis://127.0.0.1:6390",
      REDIS_URL: "redis://127.0.0.1:6390",
      AGENTCTL_SERVICE_AGENT_URL: "http://127.0.0.1:4000/agent",
      PORT: "41000",
      HOST: "127.0.0.1",
      LOG_LEVEL: "debug",
      PATH: "/usr/bin",
    });
  });

  it("uses the same names on the deploy targets, with the targets' values", () => {
    const shared = [
      "AGENTCTL_PROJECT",
      "AGENTCTL_SERVICE",
      "SUBSCRIBE",
      "PUBLISH",
      "AGENTCTL_SERVICE_AGENT_URL",
      "AGENTCTL_SERVICE_WORKER_URL",
      "REDIS_URL",
      "PORT",
      "LOG_LEVEL",
    ];
    for (const name of shared) {
      expect(local, name).toHaveProperty(name);
      expect(deployed, name).toHaveProperty(name);
    }
    expect(deployed.AGENTCTL_SERVICE_AGENT_URL).toBe("http://agent:8080");
    expect(deployed.SUBSCRIBE).toBe(local.SUBSCRIBE);
  });
});
