// Helpers for runtime tests: a fixture project copied with fixtures/bin beside it, the pids its
// processes recorded, and checks that none of them is left.
import { cp, readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterEach } from "vitest";
import { loadProjectOrThrow } from "../../src/project/load.js";
import type { ResolvedProject } from "../../src/project/resolve.js";
import { readProcessStat } from "../../src/runtime/process-table.js";
import { copyFixture, fixturesDir } from "./cli.js";

/** Copies fixtures/projects/<name> and fixtures/bin (as ./bin) into a temp folder. */
export async function copyRuntimeFixture(
  name: string,
): Promise<{ dir: string; remove: () => Promise<void> }> {
  const temp = await copyFixture(name);
  await cp(join(fixturesDir, "bin"), join(temp.dir, "bin"), { recursive: true });
  return temp;
}

/** Work to undo after the current test, run in reverse order of registration. */
export type Defer = (cleanup: () => unknown) => void;

/** Registers an afterEach that runs, last first, every cleanup deferred during the test. */
export function cleanupAfterEach(): Defer {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return (cleanup) => {
    cleanups.push(cleanup);
  };
}

/**
 * Copies a runtime fixture for one test and defers its cleanup: `agentctl down` when `down` is given
 * (for tests that start the CLI), then a kill of every pid its processes recorded, then the folder.
 */
export async function runtimeFixture(
  defer: Defer,
  name: string,
  options: { down?: (dir: string) => Promise<unknown> } = {},
): Promise<string> {
  const temp = await copyRuntimeFixture(name);
  defer(async () => {
    await options.down?.(temp.dir);
    killLeftovers(await recordedPids(temp.dir));
    await temp.remove();
  });
  return temp.dir;
}

/** Loads the project of a folder. */
export function loadProjectIn(dir: string): ResolvedProject {
  return loadProjectOrThrow({ cwd: dir, env: process.env });
}

/** Pids the fixture processes wrote to <dir>/run/pids. */
export async function recordedPids(dir: string): Promise<number[]> {
  try {
    return (await readdir(join(dir, "run", "pids"))).map(Number).filter((pid) => pid > 0);
  } catch {
    return [];
  }
}

/** The pids that still run (zombies count as gone). */
export function alivePids(pids: readonly number[]): number[] {
  return pids.filter((pid) => readProcessStat(pid) !== undefined);
}

/** Waits until none of the pids runs, up to timeoutMs; returns those still alive. */
export async function waitGone(pids: readonly number[], timeoutMs = 10_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  while (alivePids(pids).length > 0 && Date.now() < deadline) await sleep(100);
  return alivePids(pids);
}

/** SIGKILLs whatever of the pids still runs (test clean-up). */
export function killLeftovers(pids: readonly number[]): void {
  for (const pid of alivePids(pids)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
}

/** Polls `check` until it returns a value (not undefined), up to timeoutMs. */
export async function waitFor<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 30_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Resolves after ms. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
