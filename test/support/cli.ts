// Runs the built CLI (bin/agentctl.js → dist/) as a user would, in a folder of the test's own.
import { execFile } from "node:child_process";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Absolute path of the CLI's bin shim. */
export const agentctlBin = fileURLToPath(new URL("../../bin/agentctl.js", import.meta.url));
/** Absolute path of the repository's fixtures/ folder. */
export const fixturesDir = fileURLToPath(new URL("../../fixtures/", import.meta.url));

/** What a CLI run printed and how it exited. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `agentctl ...args` in `cwd` with colour off; never throws for a non-zero exit. */
export function runCli(
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [agentctlBin, ...args],
      {
        cwd: options.cwd,
        env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...options.env },
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 32 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A fresh temporary folder, and a function that removes it. */
export async function makeTempDir(
  prefix = "agentctl-test-",
): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Copies a fixture project (fixtures/projects/<name>) into a new temporary folder. */
export async function copyFixture(name: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const temp = await makeTempDir(`agentctl-${name}-`);
  await cp(join(fixturesDir, "projects", name), temp.dir, { recursive: true });
  return temp;
}
