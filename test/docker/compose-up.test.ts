// The emitted compose output on the real Docker engine with Debian's docker-compose 1.29: build every
// service from the output folder alone (BASE_IMAGE = the offline base image), bring it up, ask the
// gateway's /api/chat through the published 127.0.0.1 port, take everything down. Without an engine the
// test skips loudly; with AGENTCTL_REQUIRE_DOCKER=1 it fails instead.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { deploy } from "../../src/api/deploy.js";
import { loadProjectOrThrow } from "../../src/project/load.js";
import { dockerAvailable, ensureBaseImage } from "../support/base-image.js";
import { materializeFixture } from "../support/deploy-fixtures.js";

const dockerCompose = "/usr/bin/docker-compose";
const engine = dockerAvailable() && existsSync(dockerCompose);
const required = process.env.AGENTCTL_REQUIRE_DOCKER === "1";
if (!engine) {
  const reason = `SKIPPING test/docker/compose-up.test.ts: ${existsSync(dockerCompose) ? "no Docker engine answers" : `${dockerCompose} is not installed`}`;
  console.warn(`\n${"!".repeat(reason.length)}\n${reason}\n${"!".repeat(reason.length)}\n`);
}

const temp = mkdtempSync(join(tmpdir(), "agentctl-compose-up-"));
const projectName = `agentctl-test-${process.pid}`;
let composeDir: string | undefined;
let env: NodeJS.ProcessEnv = {};

function compose(args: string[], timeout = 300_000) {
  return spawnSync(dockerCompose, ["-p", projectName, "-f", "docker-compose.yml", ...args], {
    cwd: composeDir,
    env,
    encoding: "utf8",
    timeout,
  });
}

afterAll(() => {
  if (composeDir) compose(["down", "-v", "--rmi", "local", "--remove-orphans", "-t", "5"], 120_000);
  // Whatever a failed run left behind, by label (never the cached base image, which has its own label).
  for (const kind of ["container", "network", "volume"]) {
    const ids = spawnSync(
      "docker",
      [
        kind,
        "ls",
        "-q",
        ...(kind === "container" ? ["-a"] : []),
        "--filter",
        `label=com.docker.compose.project=${projectName}`,
      ],
      { encoding: "utf8" },
    )
      .stdout.split("\n")
      .filter(Boolean);
    if (ids.length > 0)
      spawnSync(
        "docker",
        [kind, "rm", "-f", ...ids].filter((a) => !(kind !== "container" && a === "-f")),
      );
  }
  rmSync(temp, { recursive: true, force: true });
}, 180_000);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe("compose output on a real engine", () => {
  it.skipIf(!engine && !required)(
    "builds, starts, answers /api/chat through the gateway's published port, stops",
    async () => {
      expect(engine, "AGENTCTL_REQUIRE_DOCKER=1 but no Docker engine or docker-compose").toBe(true);
      const baseImage = ensureBaseImage();
      // No registry here, so no redis image: the demo runs with the memory service's file store.
      const file = materializeFixture("deploy-demo", join(temp, "project"), (source) =>
        source.replace(/\n {4}uses: \[redis\]/, "").replace(/\nresources:[\s\S]*$/, "\n"),
      );
      const project = loadProjectOrThrow({ file, env: {} });
      composeDir = join(temp, "out");
      await deploy(project, { target: "compose", out: composeDir, labels: { "agentctl.test": "1" } });
      const port = await freePort();
      env = {
        PATH: process.env.PATH,
        HOME: temp,
        AGENTCTL_GATEWAY_PORT: String(port),
        GATEWAY_API_KEYS: "",
        LLM_API_KEY: "",
      };
      const built = compose(["build", "--build-arg", `BASE_IMAGE=${baseImage}`]);
      expect(built.status, built.stderr).toBe(0);
      const up = compose(["up", "-d"]);
      expect(up.status, up.stderr).toBe(0);
      const published = compose(["port", "gateway", "8080"]).stdout.trim();
      expect(published).toBe(`127.0.0.1:${port}`);
      expect(await waitForHealth(`http://127.0.0.1:${port}/api/health`, 90_000)).toBe(200);
      const response = await fetch(`http://127.0.0.1:${port}/api/chat`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ user_id: "dora", message: "what is 6*7" }),
        signal: AbortSignal.timeout(20_000),
      });
      const answer = (await response.json()) as { success: boolean; result: { output: string } };
      expect(response.status).toBe(200);
      expect(answer.result.output).toBe("6*7 = 42");
      const health = await fetch(`http://127.0.0.1:${port}/api/health`, {
        signal: AbortSignal.timeout(10_000),
      });
      expect(health.status).toBe(200);
      const down = compose(["down", "-v", "--rmi", "local", "--remove-orphans", "-t", "5"], 120_000);
      expect(down.status, down.stderr).toBe(0);
      composeDir = undefined;
    },
    600_000,
  );

  it.skipIf(!engine && !required)(
    "deploy --apply runs docker-compose up -d --build from the output folder",
    async () => {
      expect(engine, "AGENTCTL_REQUIRE_DOCKER=1 but no Docker engine or docker-compose").toBe(true);
      const baseImage = ensureBaseImage();
      const file = materializeFixture("deploy-demo", join(temp, "apply-project"), (source) =>
        source.replace(/\n {4}uses: \[redis\]/, "").replace(/\nresources:[\s\S]*$/, "\n"),
      );
      const project = loadProjectOrThrow({ file, env: {} });
      composeDir = join(temp, "apply-out");
      const port = await freePort();
      // Only docker-compose on PATH (Debian has no compose plugin), so the fallback candidate is used;
      // --base-image makes the offline image the Dockerfiles' BASE_IMAGE default.
      env = {
        PATH: "/usr/bin:/bin",
        HOME: temp,
        AGENTCTL_GATEWAY_PORT: String(port),
        GATEWAY_API_KEYS: "",
        LLM_API_KEY: "",
      };
      const output: string[] = [];
      const result = await deploy(project, {
        target: "compose",
        out: composeDir,
        apply: true,
        baseImage,
        projectName,
        labels: { "agentctl.test": "1" },
        environment: env,
        onOutput: (chunk) => output.push(chunk),
      });
      expect(result.applied?.program).toBe("docker-compose");
      // `up -d` returns once the containers run, not once the gateway listens (1.29 has no --wait).
      const health = await waitForHealth(`http://127.0.0.1:${port}/api/health`, 90_000);
      expect(health, output.join("")).toBe(200);
      const down = compose(["down", "-v", "--rmi", "local", "--remove-orphans", "-t", "5"], 120_000);
      expect(down.status, down.stderr).toBe(0);
      composeDir = undefined;
    },
    600_000,
  );
});

/** Polls a URL until it answers 200 or the time is up; returns the last status (0: no answer). */
async function waitForHealth(url: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let status = 0;
  while (Date.now() < deadline) {
    status = await fetch(url, { signal: AbortSignal.timeout(5_000) })
      .then((response) => response.status)
      .catch(() => 0);
    if (status === 200) return status;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return status;
}
