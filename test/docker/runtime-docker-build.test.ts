// The docker runtime's image sources and its leftovers on the real engine: a `build` service (its
// Dockerfile gets BASE_IMAGE and its own build argument; unchanged inputs skip the build next time), an
// `image` service with a command, a supervisor SIGKILLed in a process of its own whose containers the
// next `up()` reaps, an image that is not there, and an engine that does not answer.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { up } from "../../src/api/up.js";
import { loadProjectOrThrow } from "../../src/project/load.js";
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

const { engine, run } = dockerTestsRun("test/docker/runtime-docker-build.test.ts");
const name = `rtb-${process.pid}`;
const repository = fileURLToPath(new URL("../../", import.meta.url));
let world: ReturnType<typeof materializeDockerFixture> | undefined;
let hosted: HostedProject | undefined;
let child: ChildProcess | undefined;
let childDir: string | undefined;
const temps: string[] = [];

beforeAll(() => {
  if (!engine) return;
  world = materializeDockerFixture("runtime-docker-build", name, {
    AGENTCTL_BASE_IMAGE: ensureBaseImage(),
    PATH: process.env.PATH,
  });
});

afterAll(async () => {
  if (child?.exitCode === null) child.kill("SIGKILL");
  await hosted?.shutdown().catch(() => undefined);
  if (engine) removeProjectObjects(name);
  world?.remove();
  if (childDir) rmSync(childDir, { recursive: true, force: true });
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
}, 120_000);

async function text(url: string): Promise<string> {
  return (await fetch(url, { signal: AbortSignal.timeout(10_000) })).text();
}

/** Bundles supervisor-child.ts with esbuild (dependencies stay in node_modules) and starts it. */
async function startChildSupervisor(file: string): Promise<{ instances: InstanceView[]; pid: number }> {
  const esbuild = await import("esbuild");
  childDir = join(repository, "node_modules", ".cache", `agentctl-docker-test-${process.pid}`);
  mkdirSync(childDir, { recursive: true });
  const outfile = join(childDir, "supervisor-child.mjs");
  await esbuild.build({
    entryPoints: [join(repository, "test/docker/supervisor-child.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    logLevel: "silent",
  });
  child = spawn(process.execPath, [outfile, file], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { PATH: process.env.PATH, AGENTCTL_BASE_IMAGE: ensureBaseImage() },
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  const line = await waitFor(
    () => {
      if (child!.exitCode !== null) throw new Error(`the child supervisor exited early:\n${output}`);
      return /^READY (.*)$/m.exec(output)?.[1];
    },
    120_000,
    "the child supervisor to be ready",
  );
  return { instances: JSON.parse(line) as InstanceView[], pid: child.pid! };
}

describe.runIf(run)("docker runtime: images and leftovers on a real engine", () => {
  it("builds a `build` service with BASE_IMAGE and its own args, runs an `image` with a command", async () => {
    expect(engine, "AGENTCTL_REQUIRE_DOCKER=1 but no Docker engine answers").toBe(true);
    const lines: LogLine[] = [];
    hosted = await up(world!.project, { onLine: (line) => lines.push(line), readyTimeoutMs: 120_000 });
    const [echo, plain] = hosted.supervisor.list();
    expect(await text(`${echo!.url}/`)).toBe("built-with-args from echo-0");
    expect(await text(`${plain!.url}/`)).toBe("plain plain-0");
    const echoImage = docker(["inspect", "--format", "{{.Config.Image}}", echo!.container!]).trim();
    expect(echoImage).toMatch(new RegExp(`^agentctl-${name}-echo:[0-9a-f]{12}$`));
    expect(docker(["image", "inspect", "--format", "{{json .Config.Labels}}", echoImage])).toContain(
      `"agentctl.project":"${name}"`,
    );
    // .dockerignore keeps notes.txt out of the context sent to the engine.
    const listing = docker([
      "run",
      "--rm",
      "--entrypoint",
      "node",
      echoImage,
      "-e",
      "console.log(require('fs').readdirSync('/srv').join(','))",
    ]);
    expect(listing.trim()).toBe("server.mjs");
    expect(inspectContainer(plain!.container!).Config.Labels["agentctl.service"]).toBe("plain");
    expect(lines.filter((l) => l.text.startsWith("agentctl: built image")).map((l) => l.service)).toEqual([
      "echo",
    ]);
    await hosted.shutdown();
    hosted = undefined;

    // Unchanged inputs: the same tag, no build.
    lines.length = 0;
    const started = performance.now();
    hosted = await up(world!.project, { onLine: (line) => lines.push(line), readyTimeoutMs: 60_000 });
    console.log(
      `runtime-docker-build up with cached images in ${Math.round(performance.now() - started)} ms`,
    );
    expect(lines.some((l) => l.text.includes("building image"))).toBe(false);
    const again = hosted.supervisor.list()[0]!;
    expect(docker(["inspect", "--format", "{{.Config.Image}}", again.container!]).trim()).toBe(echoImage);
    await hosted.shutdown();
    hosted = undefined;
    expect(projectContainers(name)).toEqual([]);
  }, 300_000);

  it("reaps the containers of a SIGKILLed supervisor on the next up, and only those", async () => {
    const killed = await startChildSupervisor(world!.project.file);
    const leftovers = killed.instances.map((i) => i.container!);
    expect(leftovers).toHaveLength(2);
    process.kill(killed.pid, "SIGKILL");
    await waitFor(
      () => (child!.exitCode !== null || child!.signalCode ? true : undefined),
      10_000,
      "child gone",
    );
    // Killed supervisor, containers still running.
    for (const id of leftovers) expect(inspectContainer(id).State.Running).toBe(true);
    // A container of another project with the same labels but another state folder is not ours.
    const stranger = docker([
      "create",
      "--label",
      `agentctl.project=${name}`,
      "--label",
      "agentctl.state-dir=/somewhere/else/.agentctl",
      "--label",
      `agentctl.supervisor=${killed.pid}:1`,
      ensureBaseImage(),
    ]).trim();
    try {
      hosted = await up(world!.project, { router: false, readyTimeoutMs: 60_000 });
      expect(hosted.reaped.instances.map((i) => i.id).sort()).toEqual(["echo-0", "plain-0"]);
      expect(hosted.reaped.killed).toBe(2);
      const remaining = projectContainers(name);
      for (const id of leftovers) expect(remaining.some((r) => r.startsWith(id))).toBe(false);
      expect(remaining).toContain(stranger);
      expect(hosted.supervisor.list().map((i) => i.state)).toEqual(["ready", "ready"]);
      await hosted.shutdown();
      hosted = undefined;
      expect(projectContainers(name)).toEqual([stranger]);
    } finally {
      docker(["rm", "-f", stranger]);
    }
    expect(projectNetworks(name)).toEqual([]);
  }, 300_000);

  it("fails clearly for an image that is not on this machine, without pulling", async () => {
    const dir = mkdtempSync(join(tmpdir(), "agentctl-docker-absent-"));
    temps.push(dir);
    writeFileSync(
      join(dir, "agentctl.yaml"),
      `name: ${name}-absent\nrouter: { port: 0 }\nservices:\n  ghost:\n    runtime: docker\n    image: agentctl-test-absent:never\n`,
    );
    const project = loadProjectOrThrow({ file: join(dir, "agentctl.yaml"), env: {} });
    await expect(up(project, { readyTimeoutMs: 30_000 })).rejects.toThrow(
      'service "ghost": image "agentctl-test-absent:never" is not on this machine, and agentctl up never pulls images',
    );
    expect(projectContainers(`${name}-absent`)).toEqual([]);
    expect(projectNetworks(`${name}-absent`)).toEqual([]);
  }, 60_000);
});

describe("docker runtime without an engine", () => {
  it("names the service and the address when no engine answers", async () => {
    const dir = mkdtempSync(join(tmpdir(), "agentctl-docker-unreachable-"));
    temps.push(dir);
    writeFileSync(
      join(dir, "agentctl.yaml"),
      "name: unreachable\nrouter: { port: 0 }\nservices:\n  boxed:\n    runtime: docker\n    image: whatever:1\n",
    );
    const project = loadProjectOrThrow({ file: join(dir, "agentctl.yaml"), env: {} });
    const previous = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = `unix://${join(dir, "no-engine.sock")}`;
    try {
      await expect(up(project, { readyTimeoutMs: 30_000 })).rejects.toThrow(
        `service "boxed" uses runtime docker but no Docker engine answers at unix://${join(dir, "no-engine.sock")}`,
      );
    } finally {
      if (previous === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = previous;
    }
  });
});
