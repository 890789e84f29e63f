// Benchmark of start-up: wall time of `agentctl --version` and `agentctl --help` against `node -e 0`
// (the floor any Node CLI pays), measured alternately in the same run so load on the machine hits
// both alike. Target (DESIGN.md, "Start-up is a feature"): --version within 1.5× of node -e 0.
// Which modules load is checked by test/e2e/startup.test.ts; this measures what that buys.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "bin", "agentctl.js");
const rounds = Number(process.env.BENCH_ROUNDS ?? 30);

function timed(args) {
  const start = performance.now();
  execFileSync(process.execPath, args, { stdio: "ignore", env: { ...process.env, NO_COLOR: "1" } });
  return performance.now() - start;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const runs = { node: [], version: [], help: [] };
for (let round = 0; round < rounds + 3; round++) {
  const node = timed(["-e", "0"]);
  const version = timed([bin, "--version"]);
  const help = timed([bin, "--help"]);
  // The first rounds warm the file cache; they are not counted.
  if (round < 3) continue;
  runs.node.push(node);
  runs.version.push(version);
  runs.help.push(help);
}

const floor = median(runs.node);
const ratio = (values) => median(values) / floor;
console.log(`start-up, median of ${rounds} alternating runs`);
console.log("command               median    × node -e 0");
console.log(`node -e 0           ${floor.toFixed(1).padStart(6)} ms        1.00`);
console.log(
  `agentctl --version  ${median(runs.version).toFixed(1).padStart(6)} ms  ${ratio(runs.version).toFixed(2).padStart(10)}`,
);
console.log(
  `agentctl --help     ${median(runs.help).toFixed(1).padStart(6)} ms  ${ratio(runs.help).toFixed(2).padStart(10)}`,
);
const met = ratio(runs.version) <= 1.5;
console.log(
  `verdict: --version ${met ? "MET" : "MISSED"} — ${ratio(runs.version).toFixed(2)}× node -e 0 (target <= 1.5×)`,
);
