// `agentctl deploy` as a user runs it: the built CLI in a temp copy of the demo fixture.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { expectedDir, materializeFixture, readTree } from "../support/deploy-fixtures.js";

const temp = mkdtempSync(join(tmpdir(), "agentctl-e2e-deploy-"));
let cwd: string;
beforeAll(() => {
  cwd = join(temp, "demo");
  materializeFixture("deploy-demo", cwd);
});
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe("agentctl deploy", () => {
  it("writes the compose output with each service's bundle beside its Dockerfile", async () => {
    const result = await runCli(["deploy", "--target", "compose"], { cwd });
    expect(result.stderr).toBe("");
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toMatch(/^wrote 5 files to deploy\/compose$/m);
    const expected = readTree(expectedDir("deploy-demo", "compose"));
    for (const [path, contents] of Object.entries(expected)) {
      expect(readFileSync(join(cwd, "deploy/compose", path), "utf8")).toBe(contents);
    }
    for (const service of ["memory", "tools", "agent", "gateway"]) {
      expect(existsSync(join(cwd, "deploy/compose", service, "index.mjs"))).toBe(true);
    }
  }, 60_000);

  it("prints the manifests with --dry-run and writes nothing", async () => {
    const result = await runCli(["deploy", "-t", "k8s", "--dry-run", "--out", "k8s-out"], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("# ---- kustomization.yaml");
    expect(result.stdout).toContain("kind: Deployment");
    expect(existsSync(join(cwd, "k8s-out"))).toBe(false);
  });

  it("passes --check for k8s and exits 1 when a latest tag is asked for", async () => {
    const passed = await runCli(["deploy", "-t", "k8s", "--check", "--dry-run"], { cwd });
    expect(passed.code).toBe(0);
    expect(passed.stdout).toMatch(/check passed: no findings/);
    const failed = await runCli(
      ["deploy", "-t", "k8s", "--check", "--tag", "latest", "--json", "--dry-run"],
      { cwd },
    );
    expect(failed.code).toBe(1);
    const report = JSON.parse(failed.stdout);
    expect(report.findings.map((f: { check: string }) => f.check)).toContain("latest-tag");
  });

  it("uses --env as namespace suffix, and names supported targets for an unknown one", async () => {
    const staged = await runCli(["deploy", "-t", "k8s", "--env", "staging", "--dry-run"], { cwd });
    expect(staged.stdout).toMatch(/^namespace: demo-staging$/m);
    const unknown = await runCli(["deploy", "-t", "nomad"], { cwd });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('target "nomad" is not supported; targets are compose, k8s, serverless');
  });

  it("reads .env.<name> for interpolation with --env, under the process environment", async () => {
    const { writeFileSync } = await import("node:fs");
    const yaml = join(cwd, "agentctl.yaml");
    const original = readFileSync(yaml, "utf8");
    writeFileSync(yaml, original.replace("LLM_MODEL: gpt-4o-mini", "LLM_MODEL: ${MODEL_NAME:-gpt-4o-mini}"));
    writeFileSync(join(cwd, ".env.prod"), "MODEL_NAME=gpt-prod\n");
    try {
      const prod = await runCli(["deploy", "-t", "k8s", "--env", "prod", "--dry-run"], { cwd });
      expect(prod.stdout).toMatch(/^ {2}LLM_MODEL: gpt-prod$/m);
      const shell = await runCli(["deploy", "-t", "k8s", "--env", "prod", "--dry-run"], {
        cwd,
        env: { MODEL_NAME: "from-shell" },
      });
      expect(shell.stdout).toMatch(/^ {2}LLM_MODEL: from-shell$/m);
      const bad = await runCli(["deploy", "-t", "k8s", "--env", "Prod!", "--dry-run"], { cwd });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--env expects a short lower-case name like "staging", got "Prod!"');
    } finally {
      writeFileSync(yaml, original);
      rmSync(join(cwd, ".env.prod"));
    }
  });

  it("explains a missing tool on --apply", async () => {
    const result = await runCli(["deploy", "-t", "serverless", "--apply"], {
      cwd,
      env: { PATH: "/nonexistent" },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--apply needs serverless deploy, which is not installed/);
  }, 60_000);
});
