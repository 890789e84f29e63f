// The error catalogue is the one list of codes: the README's table is generated from it, every code
// in it is raised somewhere, and each code decides its error's exit code.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { errorCodeTable } from "../../src/error-codes.js";
import { AgentctlError, ConfigError, errorCatalogue, isErrorCode, UserError } from "../../src/errors.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

describe("the error catalogue", () => {
  it("matches the README's table of error codes (run `npm run docs` when this fails)", () => {
    const readme = readFileSync(`${root}README.md`, "utf8");
    const section = /<!-- error-codes:start -->\n([\s\S]*?)<!-- error-codes:end -->/.exec(readme)?.[1];
    expect(section).toBe(`\n${errorCodeTable()}\n\n`);
    for (const [code, entry] of Object.entries(errorCatalogue))
      expect(readme).toContain(`| \`${code}\` | ${entry.exit} | ${entry.meaning} |`);
  });

  it("holds only codes that src/ raises, in alphabetical order, each with a one-line meaning", () => {
    const sources = execFileSync("git", ["grep", "-h", "-o", '"E_[A-Z_]*"', "--", "src"], {
      cwd: root,
      encoding: "utf8",
    });
    const used = new Set(sources.split("\n").map((line) => line.slice(1, -1)));
    const codes = Object.keys(errorCatalogue);
    expect(codes.filter((code) => !used.has(code) && code !== "E_CONFIG")).toEqual([]);
    expect(codes).toEqual([...codes].sort());
    for (const entry of Object.values(errorCatalogue)) {
      expect([1, 2]).toContain(entry.exit);
      expect(entry.meaning).not.toContain("\n");
      expect(entry.meaning.length).toBeLessThan(110);
    }
  });

  it("gives each error the exit code of its code", () => {
    expect(new AgentctlError("E_NOT_RUNNING", "x").exitCode).toBe(1);
    expect(new AgentctlError("E_UNKNOWN_SERVICE", "x").exitCode).toBe(2);
    expect(new UserError("E_USAGE", "x").exitCode).toBe(2);
    expect(new ConfigError([{ message: "m", path: "p", severity: "error" }])).toMatchObject({
      code: "E_CONFIG",
      exitCode: 2,
    });
    expect([isErrorCode("E_USAGE"), isErrorCode("E_NOPE"), isErrorCode("toString")]).toEqual([
      true,
      false,
      false,
    ]);
  });
});
