// The main job, as the README's Quick start does it: init a demo, bring it up in the background, talk to
// it through the router (chat with memory and a tool call, the gateway's health of every service),
// scale the agent and see the router spread requests, read the access log, then down leaves nothing.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeTempDir, runCli } from "../support/cli.js";
import { waitGone } from "../support/runtime.js";

describe("the demo project on the embedded default", () => {
  let dir = "";
  let remove: () => Promise<void> = async () => undefined;
  afterAll(async () => {
    if (!dir) return;
    await runCli(["down"], { cwd: dir });
    await remove();
  });

  it("init → up -d → chat through the router → scale → access log → down", async () => {
    ({ dir: dir, remove } = await makeTempDir("agentctl-demo-"));
    expect((await runCli(["init", "demo"], { cwd: dir })).code).toBe(0);
    dir = join(dir, "demo");
    // A free router port, so this test can run beside others; everything else as scaffolded.
    const file = join(dir, "agentctl.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace(/^ {2}port: 4000$/m, "  port: 0"));

    const started = await runCli(["up", "-d", "--access-log"], { cwd: dir, timeoutMs: 120_000 });
    expect(started.stderr).toContain("running in the background");
    expect(started.code).toBe(0);
    for (const service of ["memory", "tools", "agent", "gateway"])
      expect(started.stdout).toMatch(new RegExp(`^${service} +0 +ready`, "m"));

    const ps = await runCli(["ps"], { cwd: dir });
    const routerUrl = /^router (http:\/\/127\.0\.0\.1:\d+)/m.exec(ps.stdout)?.[1];
    expect(routerUrl).toBeDefined();

    const chat = (message: string) =>
      runCli(["call", "gateway", "/api/chat", "-d", JSON.stringify({ user_id: "ada", message })], {
        cwd: dir,
      });
    const first = await chat("what is 12*7?");
    expect(first.code).toBe(0);
    const answer = JSON.parse(first.stdout);
    expect(answer.success).toBe(true);
    expect(answer.result.output).toContain("84");
    expect(answer.result.tool_calls[0].tool).toBe("calculator");
    // The agent keeps the conversation in the memory service.
    const second = JSON.parse((await chat("and what did I ask?")).stdout);
    expect(second.result.output).toContain("what is 12*7?");

    // The gateway reaches every service through the router's addresses.
    const health = JSON.parse((await runCli(["call", "gateway", "/api/health"], { cwd: dir })).stdout);
    expect(health.status).toBe("healthy");
    for (const entry of health.services) expect(entry.url).toBe(`${routerUrl}/${entry.name}`);

    // Two agents behind one address: the router alternates between them.
    expect((await runCli(["scale", "agent=2"], { cwd: dir, timeoutMs: 60_000 })).code).toBe(0);
    const served: string[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await fetch(`${routerUrl}/agent/health`);
      served.push(response.headers.get("x-agentctl-instance") ?? "");
    }
    expect(new Set(served)).toEqual(new Set(["agent-0", "agent-1"]));

    const accessLog = readFileSync(join(dir, ".agentctl", "logs", "access.log"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(accessLog.some((entry) => entry.service === "gateway" && entry.status === 200)).toBe(true);
    expect(accessLog.filter((entry) => entry.service === "agent").length).toBeGreaterThanOrEqual(4);

    const instances = JSON.parse((await runCli(["ps", "--json"], { cwd: dir })).stdout) as { pid: number }[];
    const state = JSON.parse(readFileSync(join(dir, ".agentctl", "state.json"), "utf8"));
    const pids = [state.supervisor.pid as number, ...instances.map((instance) => instance.pid)];
    expect(pids.length).toBe(6);
    const down = await runCli(["down"], { cwd: dir });
    expect(down.code).toBe(0);
    expect(await waitGone(pids, 15_000)).toEqual([]);
    expect((await runCli(["ps"], { cwd: dir })).stdout).toContain("nothing is running");
    // The router went with the supervisor.
    await expect(fetch(`${routerUrl}/agent/health`)).rejects.toThrow();
  }, 180_000);
});
