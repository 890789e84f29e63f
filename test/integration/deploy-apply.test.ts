// `deploy` writing files and applying them. kubectl is a tiny real script put first on PATH that
// records its arguments and standard input (there is no cluster here); it shows the namespace goes
// first, the Secret is made from the environment through an env file (never on a command line, the file
// gone afterwards), then `apply -k`.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { deploy } from "../../src/api/deploy.js";
import { loadProjectOrThrow } from "../../src/project/load.js";
import { materializeFixture } from "../support/deploy-fixtures.js";

const temp = mkdtempSync(join(tmpdir(), "agentctl-deploy-apply-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function fakeKubectl(dir: string, log: string): void {
  mkdirSync(dir, { recursive: true });
  const script = `#!${process.execPath}
const fs = require("node:fs");
const args = process.argv.slice(2);
const envFile = args.find((a) => a.startsWith("--from-env-file="));
const input = args.includes("-") ? fs.readFileSync(0, "utf8") : "";
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ args, input, envFileMode: envFile ? (fs.statSync(envFile.slice(16)).mode & 0o777).toString(8) : undefined, envFileBody: envFile ? fs.readFileSync(envFile.slice(16), "utf8") : undefined }) + "\\n");
if (envFile) process.stdout.write("apiVersion: v1\\nkind: Secret\\nmetadata:\\n  name: demo-secrets\\n");
`;
  writeFileSync(join(dir, "kubectl"), script);
  chmodSync(join(dir, "kubectl"), 0o755);
}

describe("deploy --apply for k8s", () => {
  const file = materializeFixture("deploy-demo", join(temp, "project"));
  const project = loadProjectOrThrow({ file, env: {} });

  it("applies the namespace, then the Secret from the environment, then the kustomization", async () => {
    const bin = join(temp, "bin");
    const log = join(temp, "kubectl.log");
    fakeKubectl(bin, log);
    const out = join(temp, "k8s");
    const environment = {
      PATH: `${bin}:${process.env.PATH}`,
      LLM_API_KEY: "sk-test-123",
      GATEWAY_API_KEYS: "k1,k2",
    };
    const output: string[] = [];
    const result = await deploy(project, {
      target: "k8s",
      out,
      apply: true,
      env: "prod",
      environment,
      onOutput: (c) => output.push(c),
    });
    expect(result.applied).toEqual({ program: "kubectl", args: ["apply", "-k", "."] });
    expect(existsSync(join(out, "kustomization.yaml"))).toBe(true);
    const calls = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(calls.map((call) => call.args.slice(0, 3).join(" "))).toEqual([
      "apply -f namespace.yaml",
      "create secret generic",
      "apply -f -",
      "apply -k .",
    ]);
    expect(calls[1].args).toContain("-n");
    expect(calls[1].args).toContain("demo-prod");
    expect(calls[1].args.join(" ")).not.toContain("sk-test-123");
    expect(calls[1].envFileMode).toBe("600");
    expect(calls[1].envFileBody).toBe("GATEWAY_API_KEYS=k1,k2\nLLM_API_KEY=sk-test-123");
    expect(calls[2].input).toContain("kind: Secret");
    expect(existsSync(calls[1].args.find((a: string) => a.startsWith("--from-env-file=")).slice(16))).toBe(
      false,
    );
    for (const name of ["namespace.yaml", "agent.yaml", "gateway.yaml"]) {
      expect(readFileSync(join(out, name), "utf8")).not.toContain("sk-test-123");
    }
  });

  it("refuses to apply without the secrets, naming them", async () => {
    const bin = join(temp, "bin");
    await expect(
      deploy(project, {
        target: "k8s",
        out: join(temp, "k8s-2"),
        apply: true,
        environment: { PATH: `${bin}:${process.env.PATH}` },
      }),
    ).rejects.toThrow("--apply needs the secrets GATEWAY_API_KEYS, LLM_API_KEY in the environment");
  });

  it("explains a missing tool and still writes the files", async () => {
    const out = join(temp, "k8s-3");
    await expect(
      deploy(project, { target: "k8s", out, apply: true, environment: { PATH: "/nonexistent" } }),
    ).rejects.toMatchObject({
      code: "E_APPLY_TOOL_MISSING",
      message: "--apply needs kubectl apply, which is not installed",
    });
    expect(existsSync(join(out, "kustomization.yaml"))).toBe(true);
  });

  it("lints only Kubernetes output", async () => {
    await expect(deploy(project, { target: "compose", check: true, dryRun: true })).rejects.toMatchObject({
      code: "E_CHECK_TARGET",
    });
  });
});
