// Every failure of the built CLI reaches the user as `error: <message>` (+ hint) with exit 2 for the
// user's mistakes and 1 for runtime failures, or under --json as the one JSON error document.
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { copyFixture, makeTempDir, runCli } from "../support/cli.js";

const removals: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (removals.length) await removals.pop()!();
});
async function fixture(name: string): Promise<string> {
  const copy = await copyFixture(name);
  removals.push(copy.remove);
  return copy.dir;
}

/** The JSON example of the README's "Errors" section. */
function readmeExample(): unknown {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const section = readme.slice(readme.indexOf("### Errors"));
  return JSON.parse(/```json\n([\s\S]*?)```/.exec(section)![1]!);
}

describe("errors reach the user in one shape", () => {
  it("refuses a malformed duration flag as a usage error (exit 2), not as a crash", async () => {
    const dir = await fixture("minimal-command");
    const up = await runCli(["up", "--timeout", "5x"], { cwd: dir });
    expect(up).toMatchObject({ code: 2, stdout: "" });
    expect(up.stderr).toBe('error: --timeout expects a duration like 250ms, 5s or 1m, found "5x"\n');
    const logs = await runCli(["logs", "--since", "yesterday"], { cwd: dir });
    expect(logs.code).toBe(2);
    expect(logs.stderr).toContain(
      'error: --since expects a duration like 250ms, 5s or 1m, found "yesterday"',
    );
  });

  it("prints the README's JSON error document under --json", async () => {
    const dir = await fixture("minimal-command");
    const up = await runCli(["--json", "up", "--timeout", "5x"], { cwd: dir });
    expect(up.code).toBe(2);
    expect(up.stdout).toBe("");
    expect(JSON.parse(up.stderr)).toEqual(readmeExample());
  });

  it("gives a missing project its code and hint, as text and as JSON", async () => {
    const empty = await makeTempDir();
    removals.push(empty.remove);
    const text = await runCli(["ps"], { cwd: empty.dir });
    expect(text.code).toBe(2);
    expect(text.stderr).toMatch(
      /^error: no agentctl\.yaml in .* or any parent folder\nhint: Run `agentctl init`/,
    );
    const json = await runCli(["ps", "--json"], { cwd: empty.dir });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stderr)).toEqual({
      error: expect.stringMatching(/^no agentctl\.yaml in /),
      code: "E_NO_PROJECT",
      hint: expect.stringContaining("agentctl init"),
      exitCode: 2,
    });
  });

  it("reports a configuration error with its diagnostics under --json", async () => {
    const dir = await fixture("broken-schema");
    const result = await runCli(["--json", "ps"], { cwd: dir });
    expect(result.code).toBe(2);
    const failure = JSON.parse(result.stderr);
    expect(failure).toMatchObject({ code: "E_CONFIG", exitCode: 2 });
    expect(failure.diagnostics.length).toBeGreaterThan(0);
    expect(failure.diagnostics[0]).toMatchObject({
      path: expect.any(String),
      location: { file: expect.stringMatching(/agentctl\.yaml$/), line: expect.any(Number) },
      severity: "error",
    });
  });

  it("reports commander's usage errors as the JSON document under --json, and as text otherwise", async () => {
    const dir = await fixture("minimal-command");
    const text = await runCli(["frobnicate"], { cwd: dir });
    expect(text.code).toBe(2);
    expect(text.stderr).toContain("error: unknown command 'frobnicate'");
    const json = await runCli(["--json", "frobnicate"], { cwd: dir });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stderr)).toEqual({
      error: "unknown command 'frobnicate'",
      code: "E_USAGE",
      exitCode: 2,
    });
  });

  it("exits 1 with the runtime failure's code when nothing runs", async () => {
    const dir = await fixture("minimal-command");
    const json = await runCli(["--json", "scale", "echo=2"], { cwd: dir });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stderr)).toMatchObject({ code: "E_NOT_RUNNING", exitCode: 1 });
  });
});
