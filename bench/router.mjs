// `npm run bench:router`: requests/s and p50/p99 latency with wrk, same settings for every column —
// direct to one backend; a bare undici proxy (the floor); the agentctl router with its defaults (its
// raw core); the same router with router.workers (worker processes serving the connections); the same
// router on its node:http core (before/after); nginx with upstream keep-alive
// (when installed); and, for context, a node:net byte relay with no HTTP work at all (what Node's sockets
// alone cost: no Node proxy can do better). Prints the ratios the router is held to (at least
// 90% of the bare proxy's requests/s; under 1 ms added to p50 over direct), router/nginx, and a verdict
// line per target, for the router alone and with workers. Each column also shows the CPU time its server processes spent per request (from
// /proc): on a shared machine throughput and latency move with other load, CPU per request much less.
// Settings (environment): BENCH_SECONDS (4) per wrk run, BENCH_ROUNDS (2) interleaved rounds,
// BENCH_CONNECTIONS (50), WRK, NGINX (binaries), BENCH_ROUTER_WORKERS (2: router.workers of the workers
// column; the CPU counted is the router's and its workers').
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL("./router/", import.meta.url));
const seconds = Number(process.env.BENCH_SECONDS ?? 4);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const wrk = process.env.WRK ?? "/usr/bin/wrk";
const nginx = process.env.NGINX ?? "/usr/sbin/nginx";
const routerWorkers = Number(process.env.BENCH_ROUTER_WORKERS ?? 2);
const children = [];
const temp = mkdtempSync(join(tmpdir(), "agentctl-bench-router-"));

function start(script, args = [], env = {}) {
  const child = spawn(process.execPath, [join(here, script), ...args], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, ...env },
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let text = "";
    child.stdout.on("data", (chunk) => {
      text += chunk;
      const match = /listening (\d+)/.exec(text);
      if (match) resolve({ port: Number(match[1]), pid: child.pid });
    });
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

function stopAll() {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  if (nginxStarted)
    spawnSync(nginx, ["-p", temp, "-c", join(temp, "nginx.conf"), "-s", "stop"], { stdio: "ignore" });
  rmSync(temp, { recursive: true, force: true });
}
let nginxStarted = false;
process.on("exit", stopAll);
process.on("SIGINT", () => process.exit(130));

function runWrk(url, duration = seconds) {
  const result = spawnSync(wrk, ["-t1", `-c${connections}`, `-d${duration}s`, "--latency", url], {
    encoding: "utf8",
    timeout: (duration + 20) * 1000,
  });
  if (result.status !== 0) throw new Error(`wrk failed: ${result.stderr || result.error}`);
  const text = result.stdout;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1]);
  const toMs = (value, unit) => Number(value) * ({ us: 0.001, ms: 1, s: 1000 }[unit] ?? 1);
  const percentile = (p) => {
    const match = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`).exec(text);
    return match ? toMs(match[1], match[2]) : Number.NaN;
  };
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? "0";
  const socketErrors = /Socket errors: (.*)/.exec(text)?.[1];
  const requests = Number(/(\d+) requests in/.exec(text)?.[1]);
  return { rps, requests, p50: percentile(50), p99: percentile(99), errors: Number(errors), socketErrors };
}

// CPU seconds (user + system) spent so far by a process and its children (nginx's worker, the
// router's worker processes), from /proc; ticks are USER_HZ, 100 on Linux.
function cpuSeconds(pid) {
  const children = spawnSync("pgrep", ["-P", String(pid)], { encoding: "utf8" }).stdout ?? "";
  let ticks = 0;
  for (const each of [pid, ...children.split("\n").filter(Boolean).map(Number)]) {
    try {
      const fields = readFileSync(`/proc/${each}/stat`, "utf8").split(") ")[1].split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone between listing and reading: it no longer costs anything
    }
  }
  return ticks / 100;
}

async function startNginx(backends) {
  if (!existsSync(nginx)) return undefined;
  const port = await freePort();
  const conf = `worker_processes 1;
pid ${join(temp, "nginx.pid")};
error_log ${join(temp, "error.log")} warn;
daemon on;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${temp}/body; proxy_temp_path ${temp}/proxy; fastcgi_temp_path ${temp}/fastcgi;
  uwsgi_temp_path ${temp}/uwsgi; scgi_temp_path ${temp}/scgi;
  upstream echo { ${backends.map((b) => `server 127.0.0.1:${b};`).join(" ")} keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / { proxy_pass http://echo; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
`;
  writeFileSync(join(temp, "nginx.conf"), conf);
  const result = spawnSync(nginx, ["-p", temp, "-c", join(temp, "nginx.conf")], { encoding: "utf8" });
  if (result.status !== 0) {
    console.log(`nginx did not start (${result.stderr.trim()}); leaving its column out`);
    return undefined;
  }
  nginxStarted = true;
  await new Promise((resolve) => setTimeout(resolve, 300));
  return port;
}

async function freePort() {
  const { createServer } = await import("node:net");
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

if (!existsSync(wrk)) {
  console.log(`wrk not found at ${wrk}; set WRK=/path/to/wrk`);
  process.exit(1);
}
const [a, b] = [await start("backend.mjs"), await start("backend.mjs")];
const backends = [`http://127.0.0.1:${a.port}`, `http://127.0.0.1:${b.port}`];
const bare = await start("bare-proxy.mjs", backends);
const router = await start("agentctl-router.mjs", backends);
const routerWorkersProcess = await start("agentctl-router.mjs", backends, {
  ROUTER_WORKERS: String(routerWorkers),
});
const routerNode = await start("agentctl-router.mjs", backends, { ROUTER_CORE: "node" });
const relay = await start("relay.mjs", backends);
const nginxPort = await startNginx([a.port, b.port]);

const names = {
  direct: "direct (one backend)",
  bare: "bare undici proxy",
  router: "agentctl router",
  routerNode: "router, node:http core",
  nginx: "nginx (1 worker, keepalive)",
  relay: "node:net byte relay (no HTTP)",
  workers: `agentctl router, workers: ${routerWorkers}`,
};
// Each column: its URL and the processes whose CPU time is its cost (the backends are not counted
// for the proxies: they do the same work in every column).
const columns = [
  { name: names.direct, url: `http://127.0.0.1:${a.port}/work`, pid: a.pid },
  { name: names.bare, url: `http://127.0.0.1:${bare.port}/work`, pid: bare.pid },
  { name: names.router, url: `http://127.0.0.1:${router.port}/echo/work`, pid: router.pid },
  {
    name: names.workers,
    url: `http://127.0.0.1:${routerWorkersProcess.port}/echo/work`,
    pid: routerWorkersProcess.pid,
  },
  { name: names.routerNode, url: `http://127.0.0.1:${routerNode.port}/echo/work`, pid: routerNode.pid },
  { name: names.relay, url: `http://127.0.0.1:${relay.port}/work`, pid: relay.pid },
];
if (nginxPort) {
  const pid = Number(readFileSync(join(temp, "nginx.pid"), "utf8"));
  columns.push({ name: names.nginx, url: `http://127.0.0.1:${nginxPort}/work`, pid });
} else console.log(`nginx not found at ${nginx}; its column is left out`);

const loadBefore = loadavg()[0];
console.log(
  `wrk -t1 -c${connections} -d${seconds}s --latency, best of ${rounds} interleaved rounds, ${cpus().length} cores, node ${process.version}; backends, proxies and nginx run as separate processes on 127.0.0.1${nginxPort ? `; nginx started with its own config, pid and logs in ${temp}` : ""}`,
);
// Columns are measured in rounds, interleaved, and each keeps its best round: other work on a shared
// machine then penalises every column alike instead of whichever happened to run during it.
const results = {};
for (const { url } of columns) runWrk(url, 1); // warm-up: connections, JIT
for (let round = 1; round <= rounds; round++)
  for (const { name, url, pid } of columns) {
    const before = cpuSeconds(pid);
    const r = runWrk(url);
    r.cpuMicrosPerRequest = ((cpuSeconds(pid) - before) * 1e6) / r.requests;
    if (!results[name] || r.rps > results[name].rps) results[name] = r;
  }
const loadAfter = loadavg()[0];
console.log(`${"".padEnd(30)}    req/s   p50 ms   p99 ms   CPU µs/request`);
for (const { name } of columns) {
  const r = results[name];
  console.log(
    `${name.padEnd(30)} ${r.rps.toFixed(0).padStart(8)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ${r.cpuMicrosPerRequest.toFixed(1).padStart(16)}${r.errors ? `   non-2xx ${r.errors}` : ""}${r.socketErrors ? `   socket errors: ${r.socketErrors}` : ""}`,
  );
}

const direct = results[names.direct];
const floor = results[names.bare];
const ours = results[names.router];
const addedP50 = (r) => r.p50 - direct.p50;
const signed = (ms) => `${ms >= 0 ? "+" : ""}${ms.toFixed(2)} ms`;
const verdict = (met) => (met ? "MET" : "MISSED");
const keeps = ours.rps / floor.rps;
console.log("");
console.log(`router / bare proxy requests/s   ${keeps.toFixed(2).padStart(9)}   target >= 0.90`);
console.log(`router p50 - direct p50          ${signed(addedP50(ours)).padStart(9)}   target < 1 ms`);
console.log(`bare proxy p50 - direct p50      ${signed(addedP50(floor)).padStart(9)}   (the floor)`);
const nginxResult = results[names.nginx];
if (nginxResult) {
  console.log(`router / nginx requests/s        ${(ours.rps / nginxResult.rps).toFixed(2).padStart(9)}`);
  console.log(`nginx p50 - direct p50           ${signed(addedP50(nginxResult)).padStart(9)}`);
}
const relayResult = results[names.relay];
console.log(
  `node:net relay p50 - direct p50  ${signed(addedP50(relayResult)).padStart(9)}   (Node's own floor, no HTTP work)`,
);
console.log(
  `router / node:net relay CPU/req  ${(ours.cpuMicrosPerRequest / relayResult.cpuMicrosPerRequest).toFixed(2).padStart(9)}   (what the router's HTTP work and features cost on top)`,
);
const nodeCore = results[names.routerNode];
console.log(
  `router / node:http-core router   ${(ours.rps / nodeCore.rps).toFixed(2).padStart(9)}   req/s; CPU/request ${(ours.cpuMicrosPerRequest / nodeCore.cpuMicrosPerRequest).toFixed(2)} (the raw core's gain)`,
);
console.log(`router / direct requests/s       ${(ours.rps / direct.rps).toFixed(2).padStart(9)}`);
console.log(
  `router / bare proxy CPU/request  ${(ours.cpuMicrosPerRequest / floor.cpuMicrosPerRequest).toFixed(2).padStart(9)}   (lower is cheaper)`,
);
const withWorkers = results[names.workers];
const workersKeep = withWorkers.rps / floor.rps;
console.log(
  `router with workers / bare proxy ${workersKeep.toFixed(2).padStart(9)}   req/s; p50 ${signed(addedP50(withWorkers))} over direct; router/nginx ${nginxResult ? (withWorkers.rps / nginxResult.rps).toFixed(2) : "-"}`,
);
console.log("");
console.log(
  `verdict: requests/s ${verdict(keeps >= 0.9)} — the router keeps ${(keeps * 100).toFixed(0)}% of the bare proxy's requests/s (target >= 90%)`,
);
console.log(
  `verdict: p50 ${verdict(addedP50(ours) < 1)} — the router adds ${signed(addedP50(ours))} to p50 over direct (target < 1 ms; the bare proxy alone adds ${signed(addedP50(floor))})`,
);
console.log(
  `verdict, workers: ${routerWorkers}: requests/s ${verdict(workersKeep >= 0.9)} (${(workersKeep * 100).toFixed(0)}% of the bare proxy's), p50 ${verdict(addedP50(withWorkers) < 1)} (${signed(addedP50(withWorkers))} over direct)`,
);
console.log(
  `Load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after, on ${cpus().length} cores: the machine is shared; absolute numbers move with other load, the ratios and CPU per request less so.`,
);
stopAll();
process.exit(0);
