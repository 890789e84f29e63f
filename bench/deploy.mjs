// Benchmark: time to emit all three deploy targets (compose, k8s, serverless) for the demo fixture and
// for a generated 100-service project. Pure emit only (no bundling, no writes). Run `npm run build` first.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const { targets } = await import("../dist/emit/targets.js");
const { loadProjectOrThrow } = await import("../dist/project/load.js");

function generatedProject(count) {
  const lines = ["name: bench", "services:"];
  for (let i = 0; i < count; i++) {
    const name = `svc-${String(i).padStart(3, "0")}`;
    lines.push(`  ${name}:`, `    entry: services/${name}/src/index.ts`);
    if (i > 0) lines.push(`    dependsOn: [svc-${String(i - 1).padStart(3, "0")}]`);
    if (i % 10 === 0) lines.push("    replicas: 3", "    secrets: [API_TOKEN]");
    if (i % 7 === 0) lines.push("    autoscale: { min: 2, max: 8 }");
    if (i === 0) lines.push("    routes: [/api]");
    lines.push("    uses: [cache]");
  }
  lines.push("resources:", "  cache: { kind: redis }", "  db: { kind: postgres }");
  return `${lines.join("\n")}\n`;
}

function measure(project, rounds) {
  for (const target of targets) target.emit(project); // warm-up
  const samples = [];
  let bytes = 0;
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    bytes = 0;
    for (const target of targets) for (const file of target.emit(project)) bytes += file.contents.length;
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(samples.length / 2)], min: samples[0], bytes };
}

const temp = mkdtempSync(join(tmpdir(), "agentctl-bench-deploy-"));
try {
  writeFileSync(join(temp, "agentctl.yaml"), generatedProject(100));
  const cases = [
    [
      "demo (4 services + redis)",
      fileURLToPath(new URL("../fixtures/projects/deploy-demo/agentctl.yaml", import.meta.url)),
      50,
    ],
    ["generated (100 services + 2 resources)", join(temp, "agentctl.yaml"), 10],
  ];
  console.log("deploy emit: all three targets per round (median of rounds)");
  for (const [label, file, rounds] of cases) {
    const loadStarted = performance.now();
    const project = loadProjectOrThrow({ file, env: {} });
    const loadMs = performance.now() - loadStarted;
    const { median, min, bytes } = measure(project, rounds);
    console.log(
      `  ${label.padEnd(40)} emit ${median.toFixed(1)} ms (min ${min.toFixed(1)}), load ${loadMs.toFixed(1)} ms, ${(bytes / 1024).toFixed(0)} KiB out, ${rounds} rounds`,
    );
  }
} finally {
  rmSync(temp, { recursive: true, force: true });
}
