// Start-up is a feature: `agentctl --version` loads none of agentctl's code and no dependency, and
// `--help` (of the CLI or of a command) loads only commander and the command definitions — never zod,
// ink, react, undici, dockerode, esbuild or execa. Checked by the modules a loader hook sees load, not
// by a timing (bench/startup.mjs measures the time).
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentctlBin, makeTempDir } from "../support/cli.js";

const run = promisify(execFile);
const register = fileURLToPath(new URL("../support/module-log-register.mjs", import.meta.url));
const root = fileURLToPath(new URL("../../", import.meta.url));
const version = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version;

let dir = "";
let runs = 0;
let remove: () => Promise<void> = async () => undefined;
beforeAll(async () => {
  ({ dir, remove } = await makeTempDir("agentctl-startup-"));
});
afterAll(() => remove());

/** Runs the built CLI with the module log on; returns its stdout and the modules it loaded. */
async function loaded(args: string[]): Promise<{ stdout: string; modules: string[] }> {
  runs += 1;
  const log = join(dir, `modules-${runs}.log`);
  const { stdout } = await run(process.execPath, ["--import", register, agentctlBin, ...args], {
    cwd: dir,
    env: { ...process.env, AGENTCTL_MODULE_LOG: log, NO_COLOR: "1" },
  });
  const modules = readFileSync(log, "utf8")
    .trim()
    .split("\n")
    .filter((url) => url.startsWith("file:"))
    .map((url) => fileURLToPath(url));
  return { stdout, modules };
}

/** The npm packages among the modules: node_modules/<name>/… → name. */
function packages(modules: string[]): string[] {
  const names = modules.flatMap((file) => {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
    return match ? [match[1]!] : [];
  });
  return [...new Set(names)].sort();
}

describe("what start-up loads", () => {
  it("--version loads nothing but the bin shim", async () => {
    for (const flag of ["--version", "-V"]) {
      const { stdout, modules } = await loaded([flag]);
      expect(stdout).toBe(`${version}\n`);
      expect(modules).toEqual([agentctlBin]);
    }
  });

  it("--version among other flags goes through commander and says the same", async () => {
    const { stdout, modules } = await loaded(["--no-color", "--version"]);
    expect(stdout).toBe(`${version}\n`);
    expect(packages(modules)).toEqual(["commander"]);
  });

  it("--help of the CLI and of every command loads only commander and the definitions", async () => {
    const top = await loaded(["--help"]);
    expect(top.stdout).toContain("Usage: agentctl");
    const commands = [...top.stdout.matchAll(/^ {2}([a-z]+) /gm)]
      .map((m) => m[1]!)
      .filter((n) => n !== "help");
    expect(commands).toContain("deploy");
    for (const args of [["--help"], ...commands.map((command) => [command, "--help"])]) {
      const { modules } = await loaded(args);
      expect(packages(modules), args.join(" ")).toEqual(["commander"]);
      const ours = modules.filter((file) => file.startsWith(root) && !file.includes("node_modules"));
      const heavy = ours.filter(
        (file) =>
          !/\/dist\/(cli\/[a-z-]+\.js|errors\.js|error-codes\.js|project\/template-names\.js)$/.test(file),
      );
      expect(heavy, args.join(" ")).toEqual([agentctlBin]);
    }
  }, 120_000);
});
