// The agentctl router with its defaults (breakers, metrics, request ids, health checks) in front of
// the backends given as arguments, all registered as replicas of one service `echo`.
// ROUTER_CORE=node sends every request through node:http and undici (the router before the raw core);
// ROUTER_WORKERS=N sets router.workers (N worker processes serve the connections).
import { loadProjectSource } from "../../dist/project/load.js";
import { startRouter } from "../../dist/router/server.js";

const yaml = "name: bench\nservices:\n  echo:\n    command: node backend.mjs\nrouter:\n  port: 0\n";
const { project } = loadProjectSource(yaml, "/bench/agentctl.yaml", { cwd: "/bench", env: {} });
const core = process.env.ROUTER_CORE === "node" ? "node" : "raw";
const workers = Number(process.env.ROUTER_WORKERS ?? 1);
const router = await startRouter({ project, token: "bench-token", core, workers });
for (const [replica, url] of process.argv.slice(2).entries())
  router.registry.register({ id: `echo-${replica}`, service: "echo", replica, url, state: "ready" });
process.stdout.write(`listening ${router.port}\n`);
process.on("SIGTERM", () => router.close().then(() => process.exit(0)));
