// Benchmark of `agentctl up -d` / `down` with the built CLI: time from up to all-ready, from down to
// all-gone, and the supervisor's peak RSS (VmHWM), for a small project and 20 services × 3 replicas.
// Not a test: prints a table. Run with `npm run bench` (builds first).
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "bin", "agentctl.js");
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);

function agentctl(dir, args) {
  execFileSync(process.execPath, [bin, ...args], {
    cwd: dir,
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
}

function alive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\S+ \(.*\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

function peakRss(pid) {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

function generatedProject(services, replicas) {
  const lines = ["name: bench-generated", "services:"];
  for (let i = 0; i < services; i++) {
    lines.push(
      `  s${i}:`,
      "    command: [node, bin/http-service.mjs]",
      `    replicas: ${replicas}`,
      "    env: { PID_DIR: run/pids }",
    );
    // Chains of five: every fifth service starts at once, the others wait for the one before.
    if (i % 5 !== 0) lines.push(`    dependsOn: [s${i - 1}]`);
  }
  return `${lines.join("\n")}\n`;
}

function measure(name, prepare) {
  const results = [];
  for (let round = 0; round < rounds; round++) {
    const dir = mkdtempSync(join(tmpdir(), "agentctl-bench-up-"));
    try {
      cpSync(join(root, "fixtures", "bin"), join(dir, "bin"), { recursive: true });
      prepare(dir);
      const upStart = performance.now();
      agentctl(dir, ["up", "-d", "--timeout", "120s"]);
      const upMs = performance.now() - upStart;
      const state = JSON.parse(readFileSync(join(dir, ".agentctl", "state.json"), "utf8"));
      const supervisor = state.supervisor.pid;
      const instances = state.instances.length;
      const rss = peakRss(supervisor);
      const pids = [supervisor, ...readdirSync(join(dir, "run", "pids")).map(Number)];
      const downStart = performance.now();
      agentctl(dir, ["down"]);
      while (pids.some(alive)) execFileSync("sleep", ["0.01"]);
      const downMs = performance.now() - downStart;
      results.push({ upMs, downMs, rss, instances });
    } finally {
      try {
        agentctl(dir, ["down"]);
      } catch {}
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const median = (key) => results.map((r) => r[key]).sort((a, b) => a - b)[Math.floor(results.length / 2)];
  return {
    name,
    instances: results[0].instances,
    upMs: median("upMs"),
    downMs: median("downMs"),
    rss: Math.max(...results.map((r) => r.rss)),
  };
}

const rows = [
  measure("small (3 services, chain)", (dir) =>
    cpSync(join(root, "fixtures", "projects", "runtime-deps"), dir, { recursive: true }),
  ),
  measure("generated (20 services × 3)", (dir) =>
    writeFileSync(join(dir, "agentctl.yaml"), generatedProject(20, 3)),
  ),
];
console.log(`agentctl up/down on the process runtime (median of ${rounds} rounds; peak RSS is the max)`);
console.log("project                       instances  up→all ready  down→all gone  supervisor peak RSS");
for (const row of rows) {
  console.log(
    `${row.name.padEnd(30)}${String(row.instances).padStart(9)}  ${`${(row.upMs / 1000).toFixed(2)} s`.padStart(12)}  ${`${(row.downMs / 1000).toFixed(2)} s`.padStart(13)}  ${`${(row.rss / 1024 / 1024).toFixed(1)} MiB`.padStart(19)}`,
  );
}
