// The built CLI driven from other processes, as a user would: up -d, ps, scale, logs, restart, down;
// SIGKILL of the background supervisor then down reaps every process; --help loads no ink/react.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { agentctlBin, runCli } from "../support/cli.js";
import {
  alivePids,
  cleanupAfterEach,
  recordedPids,
  runtimeFixture,
  waitFor,
  waitGone,
} from "../support/runtime.js";

const defer = cleanupAfterEach();

const fixture = (name: string) =>
  runtimeFixture(defer, name, { down: (dir) => runCli(["down"], { cwd: dir }) });

interface PsRow {
  service: string;
  replica: number;
  runtime: string;
  state: string;
  pid?: number;
  port: number;
  restarts: number;
  startedAt: string;
}

describe("agentctl up -d and friends", () => {
  it("up -d → ps --json → scale agent=3 → logs → restart → down, from separate processes", async () => {
    const dir = await fixture("runtime-basic");
    const started = await runCli(["up", "-d"], { cwd: dir });
    expect(started.stderr).toContain("running in the background");
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/agent\s+0\s+ready/);

    const again = await runCli(["up", "-d"], { cwd: dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("agentctl up is already running for this project");

    const ps = await runCli(["ps", "--json"], { cwd: dir });
    const rows = JSON.parse(ps.stdout) as PsRow[];
    expect(rows.map((r) => [r.service, r.replica, r.runtime, r.state])).toEqual([
      ["tools", 0, "process", "ready"],
      ["agent", 0, "process", "ready"],
    ]);
    for (const row of rows) {
      expect(row.pid).toBeGreaterThan(0);
      expect(row.port).toBeGreaterThan(0);
      expect(row.restarts).toBe(0);
      expect(Date.parse(row.startedAt)).toBeGreaterThan(0);
    }

    const scaled = await runCli(["scale", "agent=3"], { cwd: dir });
    expect(scaled.stdout).toContain("agent: 3/3 ready");
    const afterScale = JSON.parse((await runCli(["ps", "--json"], { cwd: dir })).stdout) as PsRow[];
    const agents = afterScale.filter((r) => r.service === "agent");
    expect(agents.map((r) => r.state)).toEqual(["ready", "ready", "ready"]);
    expect(new Set(agents.map((r) => r.port)).size).toBe(3);

    const table = await runCli(["ps"], { cwd: dir });
    expect(table.stdout).toMatch(/^SERVICE\s+REPLICA\s+STATE\s+PID\s+PORT\s+RESTARTS/);

    const logs = await runCli(["logs", "agent", "--tail", "50"], { cwd: dir });
    expect(logs.stdout).toMatch(/agent-2 +\| agent-2 listening on \d+/);
    expect(logs.stdout).not.toContain("tools-0 |");
    const all = await runCli(["logs"], { cwd: dir });
    expect(all.stdout).toContain("tools-0 | spawned grandchild");

    const restarted = await runCli(["restart", "tools"], { cwd: dir });
    expect(restarted.stdout).toContain("restarted tools");

    // The restarted tools (and its grandchild) write their pid files once they run: wait for them.
    const pids = await waitFor(
      async () => {
        const found = await recordedPids(dir);
        return found.length >= 7 ? found : undefined;
      },
      15_000,
      "the restarted tools' pid files",
    );
    const stopped = await runCli(["down"], { cwd: dir });
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(/stopped .*agent-0/);
    expect(await waitGone(pids, 5000)).toEqual([]);
    const nothing = await runCli(["down"], { cwd: dir });
    expect(nothing).toMatchObject({ code: 0, stdout: "nothing is running\n" });
    expect((await runCli(["ps"], { cwd: dir })).stdout).toBe("nothing is running\n");
  });

  it("router.workers: 2 — requests go through worker processes, ps names them, down and SIGKILL leave none", async () => {
    const dir = await fixture("runtime-basic");
    const file = join(dir, "agentctl.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace(/^router:\n/m, "router:\n  workers: 2\n"));
    expect((await runCli(["up", "-d"], { cwd: dir })).code).toBe(0);
    const workerPids = async () => {
      const table = (await runCli(["ps"], { cwd: dir })).stdout;
      const match = /2 worker processes, pids (\d+), (\d+)\)/.exec(table);
      expect(match, table).not.toBeNull();
      return [Number(match![1]), Number(match![2])];
    };
    const first = await workerPids();
    expect(alivePids(first)).toEqual(first);
    for (let each = 0; each < 3; each++) {
      const call = await runCli(["call", "agent", "/hello"], { cwd: dir });
      expect(call.code).toBe(0);
      expect(call.stdout).toContain('"url": "/hello"');
    }
    expect((await runCli(["down"], { cwd: dir })).code).toBe(0);
    expect(await waitGone(first, 5000)).toEqual([]);

    // agentctl killed outright: its workers see their channel close and exit by themselves.
    expect((await runCli(["up", "-d"], { cwd: dir })).code).toBe(0);
    const second = await workerPids();
    const state = JSON.parse(readFileSync(join(dir, ".agentctl", "state.json"), "utf8")) as {
      supervisor: { pid: number };
    };
    process.kill(state.supervisor.pid, "SIGKILL");
    expect(await waitGone(second, 5000)).toEqual([]);
    expect((await runCli(["down"], { cwd: dir })).code).toBe(0);
  });

  it("after SIGKILL of agentctl, down reaps every process it left, grandchildren included", async () => {
    const dir = await fixture("runtime-basic");
    expect((await runCli(["up", "-d"], { cwd: dir })).code).toBe(0);
    const state = JSON.parse(readFileSync(join(dir, ".agentctl", "state.json"), "utf8")) as {
      supervisor: { pid: number };
    };
    const pids = await recordedPids(dir);
    expect(pids.length).toBe(3); // tools, its grandchild, agent
    process.kill(state.supervisor.pid, "SIGKILL");
    expect(await waitGone([state.supervisor.pid], 5000)).toEqual([]);
    expect(alivePids(pids)).toEqual(pids);
    const down = await runCli(["down"], { cwd: dir });
    expect(down.code).toBe(0);
    expect(down.stdout).toMatch(/reaped leftover tools-0: killed pid/);
    expect(down.stdout).toMatch(/reaped leftover agent-0: killed pid/);
    expect(await waitGone(pids, 5000)).toEqual([]);
  });

  it("after SIGKILL of agentctl, the next up -d reaps the leftovers, says so, and takes over the lock", async () => {
    const dir = await fixture("runtime-basic");
    expect((await runCli(["up", "-d"], { cwd: dir })).code).toBe(0);
    const state = JSON.parse(readFileSync(join(dir, ".agentctl", "state.json"), "utf8")) as {
      supervisor: { pid: number };
    };
    const first = await recordedPids(dir);
    process.kill(state.supervisor.pid, "SIGKILL");
    expect(await waitGone([state.supervisor.pid], 5000)).toEqual([]);
    const again = await runCli(["up", "-d"], { cwd: dir });
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(
      /reaped 3 leftover process\(es\) of an agentctl that was killed: tools-0 \(pid/,
    );
    expect(await waitGone(first, 5000)).toEqual([]);
    const rows = JSON.parse((await runCli(["ps", "--json"], { cwd: dir })).stdout) as PsRow[];
    expect(rows.map((r) => r.state)).toEqual(["ready", "ready"]);
    expect((await runCli(["down"], { cwd: dir })).code).toBe(0);
  });

  it("up -d fails with the reason when a service never gets ready", async () => {
    const dir = await fixture("runtime-never-ready");
    const result = await runCli(["up", "-d", "--timeout", "6s"], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('service "stuck" did not become ready within 6s');
    expect(await waitGone(await recordedPids(dir), 5000)).toEqual([]);
  });

  it("foreground up without a TTY prints prefixed lines; Ctrl-C (SIGINT) stops everything, dependents first", async () => {
    const dir = await fixture("runtime-deps");
    const child = spawn(process.execPath, [agentctlBin, "up"], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: "1" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    defer(async () => {
      if (child.exitCode === null) child.kill("SIGKILL");
    });
    const deadline = Date.now() + 30_000;
    while (!stderr.includes("agentctl: ready: 3 instances") && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stderr).toContain("agentctl: ready: 3 instances");
    expect(stdout).toMatch(/^db-0 +\| db-0 listening on \d+$/m);
    const pids = await recordedPids(dir);
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    const stops = stderr.split("\n").filter((line) => /-\d+ stopped$/.test(line));
    expect(stops).toEqual(["agentctl: web-0 stopped", "agentctl: api-0 stopped", "agentctl: db-0 stopped"]);
    expect(await waitGone(pids, 5000)).toEqual([]);
  });

  it("--help and --version load neither ink nor react", async () => {
    const dir = await fixture("runtime-basic");
    const script = `import { createRequire } from "node:module";
const { run } = await import(${JSON.stringify(new URL("../../dist/cli/main.js", import.meta.url).href)});
await run(["node", "agentctl", ...JSON.parse(process.argv[1])], { stdout: { write() { return true; } } });
const cache = createRequire(import.meta.url).cache;
console.log(JSON.stringify(Object.keys(cache).filter((key) => /[\\\\/](react|ink)[\\\\/]/.test(key))));`;
    for (const args of [["--help"], ["--version"], ["up", "--help"]]) {
      const output = await new Promise<string>((resolve) => {
        let text = "";
        const child = spawn(process.execPath, ["--input-type=module", "-e", script, JSON.stringify(args)], {
          cwd: dir,
        });
        child.stdout.on("data", (chunk: Buffer) => {
          text += chunk.toString();
        });
        child.on("close", () => resolve(text));
      });
      expect(JSON.parse(output.trim().split("\n").at(-1)!)).toEqual([]);
    }
  });
});
