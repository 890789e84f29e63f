import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { copyFixture, makeTempDir, runCli } from "../support/cli.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
async function temp() {
  const made = await makeTempDir();
  cleanups.push(made.remove);
  return made.dir;
}
async function fixture(name: string) {
  const made = await copyFixture(name);
  cleanups.push(made.remove);
  return made.dir;
}

describe("global behaviour", () => {
  it("prints the version and help", async () => {
    const dir = await temp();
    const manifest = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8"));
    const version = await runCli(["--version"], { cwd: dir });
    expect(version).toMatchObject({ code: 0, stdout: `${manifest.version}\n` });
    const help = await runCli(["--help"], { cwd: dir });
    expect(help.code).toBe(0);
    for (const command of ["init", "add", "validate", "schema", "build"])
      expect(help.stdout).toContain(`  ${command}`);
  });

  it("exits 2 with a suggestion for an unknown command", async () => {
    const result = await runCli(["valdate"], { cwd: await temp() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown command 'valdate'");
    expect(result.stderr).toContain("validate");
  });

  it("every command's help has examples", async () => {
    const dir = await temp();
    for (const command of ["init", "add", "validate", "schema", "build"]) {
      const result = await runCli([command, "--help"], { cwd: dir });
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/Examples:\n {2}\$ agentctl /);
    }
  });

  it("says how to start when there is no project file", async () => {
    const result = await runCli(["validate"], { cwd: await temp() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error: no agentctl\.yaml in .* or any parent folder/);
    expect(result.stderr).toContain("hint: Run `agentctl init`");
  });

  it("keeps the README's command reference in step with --help", async () => {
    const script = fileURLToPath(new URL("../../scripts/command-reference.mjs", import.meta.url));
    const outcome = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(process.execPath, [script, "--check"], (error, _stdout, stderr) =>
        resolve({ code: error ? 1 : 0, stderr }),
      ),
    );
    expect(outcome.stderr).toBe("");
    expect(outcome.code).toBe(0);
  });
});

describe("validate", () => {
  it("prints ok for a valid project, and JSON with --json", async () => {
    const dir = await fixture("minimal-command");
    expect(await runCli(["validate"], { cwd: dir })).toMatchObject({ code: 0, stdout: "ok\n" });
    const json = await runCli(["validate", "--json"], { cwd: dir });
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, project: "minimal", errors: [], warnings: [] });
  });

  it("finds the project file from a sub-folder", async () => {
    const dir = await fixture("minimal-command");
    const sub = join(dir, "deep", "er");
    await import("node:fs/promises").then((fs) => fs.mkdir(sub, { recursive: true }));
    expect(await runCli(["validate"], { cwd: sub })).toMatchObject({ code: 0, stdout: "ok\n" });
  });

  it("lists every schema problem with file:line:col and exits 2", async () => {
    const dir = await fixture("broken-schema");
    const result = await runCli(["validate"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      [
        'agentctl.yaml:6:15  services.agent.replicas: expected a whole number >= 0, got "three"',
        'agentctl.yaml:7:5  services.agent.replcas: unknown field "replcas"; did you mean "replicas"?',
        'agentctl.yaml:9:13  router.strategy: expected one of round_robin, least_connections, random, p2c, got "fastest"',
        "3 problems in the project file",
        "",
      ].join("\n"),
    );
  });

  it("reports cross-field problems and YAML syntax errors", async () => {
    const rules = await runCli(["validate"], { cwd: await fixture("broken-rules") });
    expect(rules.code).toBe(2);
    expect(rules.stderr).toContain("services.agent.dependsOn: dependency cycle: agent → tools → agent");
    expect(rules.stderr).toContain(
      'services.agent.dependsOn[1]: unknown service or resource "memroy"; did you mean "memory"?',
    );
    expect(rules.stderr).toContain(
      'agentctl.yaml:10:11  services.tools.port: port 5000 is already claimed by service "agent"',
    );
    const syntax = await runCli(["validate", "--json"], { cwd: await fixture("broken-yaml") });
    expect(syntax.code).toBe(2);
    const report = JSON.parse(syntax.stdout);
    expect(report.ok).toBe(false);
    expect(report.errors[0].message).toMatch(/^invalid YAML/);
    expect(report.errors[0].location).toMatchObject({ file: "agentctl.yaml" });
  });

  it("refuses to run other commands on a broken file, with the same messages", async () => {
    const result = await runCli(["build"], { cwd: await fixture("broken-schema") });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'agentctl.yaml:6:15  services.agent.replicas: expected a whole number >= 0, got "three"',
    );
  });
});

describe("schema", () => {
  it("prints the JSON Schema generated from the zod schema", async () => {
    const result = await runCli(["schema"], { cwd: await temp() });
    expect(result.code).toBe(0);
    const schema = JSON.parse(result.stdout);
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.properties.services.additionalProperties.properties.replicas).toMatchObject({
      type: "integer",
      minimum: 0,
    });
  });
});

describe("init, build and add", () => {
  it("scaffolds a demo that validates, builds and runs", async () => {
    const dir = await temp();
    const init = await runCli(["init", "demo"], { cwd: dir });
    expect(init.stderr).toBe("");
    expect(init.code).toBe(0);
    expect(init.stdout).toContain("created project demo in demo");
    const root = join(dir, "demo");
    const source = await readFile(join(root, "agentctl.yaml"), "utf8");
    expect(source.split("\n")[0]).toBe("# yaml-language-server: $schema=./agentctl.schema.json");
    expect(Object.keys(parse(source).services)).toEqual(["memory", "tools", "agent", "gateway"]);
    expect(await readFile(join(root, ".gitignore"), "utf8")).toMatch(/^\.agentctl\/$/m);
    expect(await readFile(join(root, ".gitignore"), "utf8")).toMatch(/^\.env$/m);
    for (const service of ["agent", "tools", "memory", "gateway", "_shared"]) {
      expect(existsSync(join(root, "services", service))).toBe(true);
    }

    expect(await runCli(["validate"], { cwd: root })).toMatchObject({ code: 0, stdout: "ok\n" });

    const build = await runCli(["build", "--json"], { cwd: root });
    expect(build.code).toBe(0);
    const report = JSON.parse(build.stdout) as { service: string; skipped: boolean; outfile: string }[];
    expect(report.map((r) => r.service).sort()).toEqual(["agent", "gateway", "memory", "tools"]);
    expect(report.every((r) => !r.skipped)).toBe(true);
    for (const r of report) expect((await stat(r.outfile)).size).toBeGreaterThan(1000);

    const again = await runCli(["build", "--json"], { cwd: root });
    expect((JSON.parse(again.stdout) as { skipped: boolean }[]).every((r) => r.skipped)).toBe(true);
    await writeFile(
      join(root, "services/tools/src/index.ts"),
      `${await readFile(join(root, "services/tools/src/index.ts"), "utf8")}\n// changed\n`,
    );
    const third = JSON.parse((await runCli(["build", "--json"], { cwd: root })).stdout) as {
      service: string;
      skipped: boolean;
    }[];
    expect(third.filter((r) => !r.skipped).map((r) => r.service)).toEqual(["tools"]);
  });

  it("refuses a non-empty folder without --force and writes nothing", async () => {
    const dir = await temp();
    await writeFile(join(dir, "notes.txt"), "mine");
    const result = await runCli(["init"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("is not empty (notes.txt)");
    expect(result.stderr).toContain("--force");
    expect(existsSync(join(dir, "agentctl.yaml"))).toBe(false);
    expect(existsSync(join(dir, "services"))).toBe(false);

    const forced = await runCli(["init", "--force", "--name", "kept-notes"], { cwd: dir });
    expect(forced.code).toBe(0);
    expect(await readFile(join(dir, "notes.txt"), "utf8")).toBe("mine");
    expect(parse(await readFile(join(dir, "agentctl.yaml"), "utf8")).name).toBe("kept-notes");
  });

  it("rejects an invalid project name", async () => {
    const result = await runCli(["init", "x", "--name", "Bad_Name"], { cwd: await temp() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"Bad_Name" is not a valid project name');
  });

  it("adds a service keeping the file's comments and order", async () => {
    const dir = await temp();
    await runCli(["init", "p"], { cwd: dir });
    const root = join(dir, "p");
    const file = join(root, "agentctl.yaml");
    const before = await readFile(file, "utf8");
    await writeFile(file, before.replace("  tools:\n", "  # my favourite service\n  tools:\n"));

    const added = await runCli(["add", "indexer", "--template", "worker"], { cwd: root });
    expect(added.stderr).toBe("");
    expect(added.code).toBe(0);
    const after = await readFile(file, "utf8");
    expect(after).toContain("  # my favourite service\n  tools:\n");
    expect(after.indexOf("indexer:")).toBeGreaterThan(after.indexOf("gateway:"));
    expect(parse(after).services.indexer).toMatchObject({ template: "worker", subscribe: ["events"] });
    expect(existsSync(join(root, "services/indexer/src/index.ts"))).toBe(true);
    expect(await runCli(["validate"], { cwd: root })).toMatchObject({ code: 0 });
    expect((await runCli(["build", "indexer", "--json"], { cwd: root })).code).toBe(0);
  });

  it("refuses a duplicate name or an unknown template and changes nothing", async () => {
    const dir = await temp();
    await runCli(["init", "p"], { cwd: dir });
    const root = join(dir, "p");
    const before = await readFile(join(root, "agentctl.yaml"), "utf8");
    const duplicate = await runCli(["add", "agent", "--template", "agent"], { cwd: root });
    expect(duplicate.code).toBe(2);
    expect(duplicate.stderr).toContain('already has a service or resource named "agent"');
    const unknown = await runCli(["add", "x", "--template", "robot"], { cwd: root });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      'unknown template "robot"; templates are: agent, tool, memory, gateway, worker',
    );
    const missing = await runCli(["add", "x"], { cwd: root });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing --template");
    expect(await readFile(join(root, "agentctl.yaml"), "utf8")).toBe(before);
    expect(existsSync(join(root, "services/x"))).toBe(false);
  });
});
