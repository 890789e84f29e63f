#!/usr/bin/env node
// The README's Quick start (run by `npm run quickstart`, after the build): scaffold a demo agent system
// into ./demo (unless it exists), bring it up on the embedded process runtime in the background, talk to
// it through the router as a user would, and say how to go on and how to stop it.
//   node scripts/quickstart.mjs [dir] [--foreground]
// --foreground runs `agentctl up` in this terminal instead (the dashboard on a TTY; Ctrl-C stops all).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "bin", "agentctl.js");
const args = process.argv.slice(2);
const foreground = args.includes("--foreground");
const dir = resolve(process.cwd(), args.find((arg) => !arg.startsWith("-")) ?? "demo");
const shown = relative(process.cwd(), dir) || ".";
const file = join(dir, "agentctl.yaml");

function step(title) {
  process.stdout.write(`\n\x1b[1m==> ${title}\x1b[0m\n`);
}

/** Runs agentctl with the terminal's output; exits the script on failure. */
function agentctl(argv, options = {}) {
  const result = spawnSync(process.execPath, [bin, ...argv], {
    cwd: options.cwd ?? dir,
    stdio: options.capture ? ["ignore", "pipe", "inherit"] : "inherit",
    encoding: "utf8",
  });
  if (result.status !== 0 && !options.allowFailure) {
    process.stderr.write(`\nquickstart: \`agentctl ${argv.join(" ")}\` failed (exit ${result.status}).\n`);
    process.exit(result.status ?? 1);
  }
  return result;
}

if (existsSync(file)) step(`using the existing project in ${shown}`);
else {
  step(`agentctl init ${shown}: an agent, a tool service, a memory service and a gateway`);
  agentctl(["init", dir], { cwd: process.cwd() });
}

step("agentctl validate");
agentctl(["validate"]);

if (foreground) {
  step("agentctl up (Ctrl-C stops everything)");
  const result = spawnSync(process.execPath, [bin, "up"], { cwd: dir, stdio: "inherit" });
  process.exit(result.status ?? 1);
}

const running = JSON.parse(agentctl(["ps", "--json"], { capture: true }).stdout || "[]");
if (running.length > 0) step("already running: agentctl ps");
else step("agentctl up -d: build, start in dependency order, wait until every service is ready");
agentctl(running.length > 0 ? ["ps"] : ["up", "-d"]);

const chat = (message) => JSON.stringify({ user_id: "quickstart", message });
step("agentctl call gateway /api/chat  (gateway → agent → tools, through the router)");
agentctl(["call", "gateway", "/api/chat", "-d", chat("What is (12 + 30) * 2?")]);
step("agentctl call gateway /api/chat  (the agent keeps the conversation in the memory service)");
agentctl(["call", "gateway", "/api/chat", "-d", chat("What did I ask you before?")]);
step("agentctl call gateway /api/health  (every service, as the gateway sees it)");
agentctl(["call", "gateway", "/api/health"]);

process.stdout.write(`
The demo runs in the background (the router at http://127.0.0.1:4000/<service>). From here:
  alias agentctl="node ${bin}"     # or: npm link
  cd ${shown}
  agentctl ps                  instances, ports, CPU and memory
  agentctl logs -f             every service's logs, merged
  agentctl scale agent=3       more agents behind the same address
  agentctl registry            what the router sees
  agentctl call tools /tools/list
  agentctl down                stop everything
  agentctl up                  the same in the foreground, with the live dashboard
`);
