// The docker runtime on the real engine, through the programmatic `up()`: the tool template with two
// replicas and a relay in containers built from their bundles on the offline base image, plus one host
// process. Both replicas answer on their 127.0.0.1 ports, the relay reaches tools at
// http://tools:8080 on the project network, a killed container is restarted, and shutdown leaves no
// container and no network. Without an engine it skips loudly; AGENTCTL_REQUIRE_DOCKER=1 fails instead.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { up } from "../../src/api/up.js";
import type { HostedProject } from "../../src/runtime/host.js";
import type { LogLine } from "../../src/runtime/logs.js";
import type { InstanceView } from "../../src/runtime/supervisor.js";
import { ensureBaseImage } from "../support/base-image.js";
import { waitFor } from "../support/runtime.js";
import {
  docker,
  dockerTestsRun,
  inspectContainer,
  materializeDockerFixture,
  projectContainers,
  projectNetworks,
  removeProjectObjects,
} from "./docker-world.js";

const { engine, run } = dockerTestsRun("test/docker/runtime-docker.test.ts");
const name = `rtd-${process.pid}`;
let world: ReturnType<typeof materializeDockerFixture> | undefined;
let hosted: HostedProject | undefined;
const lines: LogLine[] = [];
const changes: InstanceView[] = [];

beforeAll(() => {
  if (!engine) return;
  const env = { AGENTCTL_BASE_IMAGE: ensureBaseImage(), PATH: process.env.PATH };
  world = materializeDockerFixture("runtime-docker", name, env);
});

afterAll(async () => {
  await hosted?.shutdown().catch(() => undefined);
  if (engine) removeProjectObjects(name);
  world?.remove();
}, 120_000);

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe.runIf(run)("docker runtime on a real engine", () => {
  it("brings up two tools replicas and a relay in containers, each answering on 127.0.0.1", async () => {
    expect(engine, "AGENTCTL_REQUIRE_DOCKER=1 but no Docker engine answers").toBe(true);
    const started = performance.now();
    hosted = await up(world!.project, {
      env: { PATH: process.env.PATH, HOME: "/home/nobody-here", AGENTCTL_LEAKY: "host only" },
      onLine: (line) => lines.push(line),
      onInstanceChange: (view) => changes.push(view),
      readyTimeoutMs: 120_000,
    });
    console.log(`docker fixture up in ${Math.round(performance.now() - started)} ms, images built`);
    const instances = hosted.supervisor.list();
    expect(instances.map((i) => `${i.id} ${i.runtime} ${i.state}`)).toEqual([
      "tools-0 docker ready",
      "tools-1 docker ready",
      "relay-0 docker ready",
      "host-0 process ready",
    ]);
    for (const instance of instances.filter((i) => i.runtime === "docker")) {
      const health = await fetch(`${instance.url}/health`, { signal: AbortSignal.timeout(5_000) });
      expect(health.status, instance.id).toBe(200);
      const container = inspectContainer(instance.container!);
      expect(container.Name).toBe(`/agentctl-${name}-${instance.service}-${instance.replica}`);
      expect(container.Config.Labels).toMatchObject({
        "agentctl.project": name,
        "agentctl.service": instance.service,
        "agentctl.replica": String(instance.replica),
        "agentctl.instance": instance.id,
        "agentctl.state-dir": world!.project.stateDir,
      });
      // Every replica listens on 8080 inside (PORT) and is published on its own port, on the loopback only.
      expect(container.HostConfig.PortBindings).toEqual({
        "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: String(instance.port) }],
      });
      expect(container.Config.Env).toContain("PORT=8080");
      expect(Object.keys(container.NetworkSettings.Networks)).toEqual([`agentctl-${name}`]);
      // Each replica answers to the service's name on the project network (Docker's DNS spreads calls).
      expect(container.NetworkSettings.Networks[`agentctl-${name}`]!.Aliases).toEqual(
        expect.arrayContaining([instance.service, instance.id]),
      );
    }
    expect(docker(["port", inspectContainer(instances[0]!.container!).Id]).trim()).toBe(
      `8080/tcp -> 127.0.0.1:${instances[0]!.port}`,
    );
  }, 300_000);

  it("lets the relay reach tools by http://tools:8080, leaves out the host process's variable and the host's environment", async () => {
    const relay = hosted!.supervisor.list().find((i) => i.service === "relay")!;
    const relayed = await getJson(`${relay.url}/relay`);
    expect(relayed.status).toBe(200);
    expect(relayed.body).toMatchObject({
      via: "http://tools:8080",
      status: 200,
      body: { success: true, result: { tool_name: "calculator", output: { value: 42 } } },
    });
    const env = await getJson(`${relay.url}/env`);
    expect(env.body.discovery).toEqual({
      AGENTCTL_SERVICE_RELAY_URL: "http://relay:8080",
      AGENTCTL_SERVICE_TOOLS_URL: "http://tools:8080",
    });
    expect(env.body.greeting).toBe("hello");
    // The host's variables stay on the host (HOME is the image user's, set by the engine).
    expect(env.body.names).not.toContain("AGENTCTL_LEAKY");
    expect(env.body.home).toBe("/home/node");
    const warnings = lines.filter(
      (l) => l.service === "relay" && l.text.includes("AGENTCTL_SERVICE_HOST_URL"),
    );
    expect(warnings.map((l) => l.text)).toEqual([
      "agentctl: warning: AGENTCTL_SERVICE_HOST_URL left out of this container: those services run as processes on the host, whose 127.0.0.1 a container cannot reach (run them on docker to call them from here)",
    ]);
    // Container output arrives as the service's log lines, stdout and stderr apart.
    expect(
      lines.some((l) => l.service === "relay" && l.stream === "stdout" && /relay listening on/.test(l.text)),
    ).toBe(true);
  });

  it("restarts a replica whose container was killed", async () => {
    const before = hosted!.supervisor.list().find((i) => i.id === "tools-1")!;
    docker(["kill", before.container!]);
    const after = await waitFor(
      () =>
        hosted!.supervisor
          .list()
          .find(
            (i) =>
              i.id === "tools-1" &&
              i.state === "ready" &&
              i.restarts >= 1 &&
              i.container !== before.container,
          ),
      30_000,
      "tools-1 restarted and ready",
    );
    expect(changes.find((c) => c.id === "tools-1" && c.state === "restarting")?.lastExit).toBe("exit 137");
    const health = await fetch(`${after.url}/health`, { signal: AbortSignal.timeout(5_000) });
    expect(health.status).toBe(200);
    // The killed container was removed, not left behind.
    expect(projectContainers(name)).not.toContain(expect.stringMatching(new RegExp(`^${before.container}`)));
    expect(projectContainers(name)).toHaveLength(3);
  }, 60_000);

  it("shutdown leaves no container of the project and removes its network", async () => {
    const started = performance.now();
    await hosted!.shutdown();
    console.log(`docker fixture down in ${Math.round(performance.now() - started)} ms`);
    hosted = undefined;
    expect(projectContainers(name)).toEqual([]);
    expect(projectNetworks(name)).toEqual([]);
  }, 60_000);
});
