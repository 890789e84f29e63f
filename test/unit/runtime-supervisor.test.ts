// The supervisor executing plans against a fake backend: no processes, probes answered by the test.
import { afterEach, describe, expect, it } from "vitest";
import { loadProjectSource } from "../../src/project/load.js";
import { Supervisor } from "../../src/runtime/supervisor.js";
import { createFakeBackend } from "../support/fake-backend.js";
import { waitFor } from "../support/runtime.js";

const source = `name: fake
services:
  web: { command: web, dependsOn: [api] }
  api: { command: api, dependsOn: [db], replicas: 2 }
  db: { command: db }
`;

let supervisor: Supervisor | undefined;
afterEach(async () => {
  await supervisor?.stop();
  supervisor = undefined;
});

describe("supervisor with a fake backend", () => {
  it("starts by dependency order, restarts with backoff, stops dependents first", async () => {
    const project = loadProjectSource(source, "/tmp/agentctl-fake/agentctl.yaml").project!;
    const backend = createFakeBackend();
    const ready = new Set<string>();
    const changes: string[] = [];
    supervisor = new Supervisor({
      project,
      backends: { process: backend },
      tickMs: 20,
      probe: async (url) => ready.has(new URL(url).port),
      onInstanceChange: (i) => changes.push(`${i.id} ${i.state}${i.backoffMs ? ` ${i.backoffMs}` : ""}`),
    });
    const portOf = (id: string) => String(supervisor!.list().find((i) => i.id === id)!.port);
    await supervisor.start();
    await waitFor(() => (backend.started.length === 1 ? true : undefined), 5000, "db to start");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(backend.started).toEqual(["db-0"]);

    ready.add(portOf("db-0"));
    await waitFor(() => (backend.started.length === 3 ? true : undefined), 5000, "api replicas");
    expect(backend.started).toEqual(["db-0", "api-0", "api-1"]);
    ready.add(portOf("api-0"));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(backend.started).not.toContain("web-0"); // api-1 is not ready yet
    ready.add(portOf("api-1"));
    await waitFor(() => (backend.started.includes("web-0") ? true : undefined), 5000, "web");

    backend.exit("api-1", 3);
    await waitFor(() => (changes.includes("api-1 restarting 1000") ? true : undefined), 5000, "backoff");
    await waitFor(
      () => (backend.started.filter((id) => id === "api-1").length === 2 ? true : undefined),
      5000,
      "restart",
    );
    expect(supervisor.list().find((i) => i.id === "api-1")?.restarts).toBe(1);

    supervisor.scale("api", 1);
    await waitFor(() => (backend.stopped.includes("api-1") ? true : undefined), 5000, "scale down");
    expect(supervisor.list().map((i) => i.id)).toEqual(["db-0", "api-0", "web-0"]);

    backend.stopped.length = 0;
    await supervisor.stop();
    expect(backend.stopped).toEqual(["web-0", "api-0", "db-0"]);
  });
});

describe("supervisor ports", () => {
  it("keeps replica 0's port across scaling to zero and back, so discovery URLs stay true", async () => {
    const project = loadProjectSource(
      "name: ports\nservices:\n  api: { command: api }\n",
      "/tmp/agentctl-fake/agentctl.yaml",
    ).project!;
    const backend = createFakeBackend();
    supervisor = new Supervisor({
      project,
      backends: { process: backend },
      tickMs: 20,
      probe: async () => true,
    });
    await supervisor.start();
    const first = await waitFor(
      () => supervisor!.list().find((i) => i.id === "api-0" && i.state === "ready"),
      5000,
      "api-0",
    );
    supervisor.scale("api", 0);
    await waitFor(() => (supervisor!.list().length === 0 ? true : undefined), 5000, "scaled to zero");
    supervisor.scale("api", 1);
    const again = await waitFor(
      () => supervisor!.list().find((i) => i.id === "api-0" && i.state === "ready"),
      5000,
      "api-0 again",
    );
    expect(again.port).toBe(first.port);
    expect(backend.started).toEqual(["api-0", "api-0"]);
  });
});
