// The dashboard as a user meets it: `agentctl up` on a real pseudo-terminal (util-linux `script` gives
// it one; `stty` sizes it), rows shown while services start and once they are ready, the router's
// address, and `q` stopping everything — with exit code 0 once all was up (not 13, which node uses when
// the command's promise never settles), and at once with a clear message while still waiting.
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { agentctlBin, runCli } from "../support/cli.js";
import { cleanupAfterEach, recordedPids, runtimeFixture, waitGone } from "../support/runtime.js";

const hasScript = spawnSync("script", ["--version"]).status === 0;
const defer = cleanupAfterEach();

// Drops escape sequences, so the screen can be searched as text.
const plain = (text: string) =>
  text
    .replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "")
    .replace(/\u001b\][^\u0007]*\u0007/g, "")
    .replace(/\r/g, "\n");

/** `agentctl up` on a 140×40 pseudo-terminal in a copy of a runtime fixture. */
async function upOnTerminal(fixture: string) {
  const dir = await runtimeFixture(defer, fixture, { down: (at) => runCli(["down"], { cwd: at }) });
  const command = `stty cols 140 rows 40; ${JSON.stringify(process.execPath)} ${JSON.stringify(agentctlBin)} up`;
  // As on a developer's machine: CI unset (ink renders only a final frame when the variable exists at
  // all, and `up` shows no dashboard under CI).
  const { CI: _ci, ...env } = process.env;
  const child: ChildProcessWithoutNullStreams = spawn("script", ["-qfec", command, "/dev/null"], {
    cwd: dir,
    env: { ...env, NO_COLOR: "1", TERM: "xterm-256color" },
  });
  let screen = "";
  const collect = (chunk: Buffer) => {
    screen += chunk.toString("utf8");
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    dir,
    screen: () => plain(screen),
    /** Waits until the screen matches every pattern; fails with the screen's tail otherwise. */
    async waitFor(...patterns: RegExp[]) {
      const deadline = Date.now() + 60_000;
      const shown = () => patterns.every((pattern) => pattern.test(plain(screen)));
      while (!shown() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
      expect(shown(), plain(screen).slice(-3000)).toBe(true);
    },
    /** Sends a key and resolves with the exit code (or a note when it did not exit in time). */
    async press(key: string, timeoutMs = 30_000) {
      child.stdin.write(key);
      return Promise.race([
        exited,
        new Promise<string>((resolve) =>
          setTimeout(() => resolve(`still running after ${timeoutMs} ms`), timeoutMs),
        ),
      ]);
    },
  };
}

describe.skipIf(!hasScript)("the dashboard on a pseudo-terminal", () => {
  it("shows every service ready and the router, and q stops everything with exit code 0", async () => {
    const terminal = await upOnTerminal("runtime-basic");
    // The header says ready once up() is done (rows turn ready a moment earlier).
    await terminal.waitFor(
      /agentctl up runtime-basic ready/,
      /tools-0\s+ready/,
      /agent-0\s+ready/,
      /router http:\/\/127\.0\.0\.1:\d+/,
    );
    const pids = await recordedPids(terminal.dir);
    expect(pids.length).toBeGreaterThanOrEqual(2);
    expect(await terminal.press("q")).toBe(0);
    expect(await waitGone(pids, 10_000)).toEqual([]);
  }, 120_000);

  it("shows instances while they start, and q during the wait stops them at once", async () => {
    const terminal = await upOnTerminal("runtime-never-ready");
    await terminal.waitFor(/base-0\s+ready/, /stuck-0\s+starting/);
    const pids = await recordedPids(terminal.dir);
    const started = Date.now();
    expect(await terminal.press("q", 20_000)).toBe(1);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(terminal.screen()).toContain("interrupted while waiting for services to be ready");
    expect(await waitGone(pids, 10_000)).toEqual([]);
  }, 120_000);
});
