// A measurement, not a feature: N copies of the agentctl router (defaults as in agentctl-router.mjs)
// sharing one listening port through node:cluster, each with its own registry, breakers and metrics.
// It shows what a worker-per-core router (`router.workers`) could gain before one is built.
// Usage: BENCH_ROUTER_PROCESSES=2 node bench/router.mjs (adds this column); args: backend URLs.
import cluster from "node:cluster";
import { loadProjectSource } from "../../dist/project/load.js";
import { startRouter } from "../../dist/router/server.js";

const count = Number(process.env.ROUTER_PROCESSES ?? 2);

if (cluster.isPrimary) {
  let listening = 0;
  for (let index = 0; index < count; index++) cluster.fork();
  cluster.on("message", (_worker, port) => {
    listening += 1;
    if (listening === count) process.stdout.write(`listening ${port}\n`);
  });
  cluster.on("exit", (_worker, code, signal) => {
    if (!stopping) {
      process.stderr.write(`a router process exited (${signal ?? code})\n`);
      process.exit(1);
    }
  });
  let stopping = false;
  process.on("SIGTERM", () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill("SIGTERM");
    process.exit(0);
  });
} else {
  const yaml = "name: bench\nservices:\n  echo:\n    command: node backend.mjs\nrouter:\n  port: 0\n";
  const { project } = loadProjectSource(yaml, "/bench/agentctl.yaml", { cwd: "/bench", env: {} });
  // Port 0 in a cluster worker: the primary binds one free port and every worker shares it.
  const router = await startRouter({ project, token: "bench-token" });
  for (const [replica, url] of process.argv.slice(2).entries())
    router.registry.register({ id: `echo-${replica}`, service: "echo", replica, url, state: "ready" });
  process.send?.(router.port);
  process.on("SIGTERM", () => router.close().then(() => process.exit(0)));
}
