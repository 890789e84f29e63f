// `npm run bench:router`: requests/s and p50/p99 latency with wrk, same settings for every column —
// direct to one backend; a bare undici proxy (the floor); the agentctl router with its defaults;
// nginx with upstream keep-alive (when installed). Prints the ratios the router is held to: at least
// 90% of the bare proxy's requests/s and under 1 ms added to p50 over direct.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL("./router/", import.meta.url));
const seconds = Number(process.env.BENCH_SECONDS ?? 4);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const wrk = process.env.WRK ?? "/usr/bin/wrk";
const nginx = process.env.NGINX ?? "/usr/sbin/nginx";
const children = [];
const temp = mkdtempSync(join(tmpdir(), "agentctl-bench-router-"));

function start(script, args = []) {
  const child = spawn(process.execPath, [join(here, script), ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let text = "";
    child.stdout.on("data", (chunk) => {
      text += chunk;
      const match = /listening (\d+)/.exec(text);
      if (match) resolve(Number(match[1]));
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
  return { rps, p50: percentile(50), p99: percentile(99), errors: Number(errors), socketErrors };
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
const backends = [`http://127.0.0.1:${a}`, `http://127.0.0.1:${b}`];
const barePort = await start("bare-proxy.mjs", backends);
const routerPort = await start("agentctl-router.mjs", backends);
const nginxPort = await startNginx([a, b]);

const columns = [
  ["direct (one backend)", `http://127.0.0.1:${a}/work`],
  ["bare undici proxy", `http://127.0.0.1:${barePort}/work`],
  ["agentctl router", `http://127.0.0.1:${routerPort}/echo/work`],
];
if (nginxPort) columns.push(["nginx (1 worker, keepalive)", `http://127.0.0.1:${nginxPort}/work`]);
else console.log(`nginx not found at ${nginx}; its column is left out`);

console.log(
  `wrk -t1 -c${connections} -d${seconds}s --latency, best of ${process.env.BENCH_ROUNDS ?? 2} interleaved rounds, ${cpus().length} cores, node ${process.version}; backends, proxies and nginx run as separate processes on 127.0.0.1${nginxPort ? `; nginx started with its own config, pid and logs in ${temp}` : ""}`,
);
// Columns are measured in rounds, interleaved, and each keeps its best round: other work on a shared
// machine then penalises every column alike instead of whichever happened to run during it.
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const results = {};
for (const [, url] of columns) runWrk(url, 1); // warm-up: connections, JIT
for (let round = 1; round <= rounds; round++)
  for (const [name, url] of columns) {
    const r = runWrk(url);
    if (!results[name] || r.rps > results[name].rps) results[name] = r;
  }
for (const [name] of columns) {
  const r = results[name];
  console.log(
    `${name.padEnd(28)} ${r.rps.toFixed(0).padStart(8)} req/s   p50 ${r.p50.toFixed(2).padStart(6)} ms   p99 ${r.p99.toFixed(2).padStart(6)} ms${r.errors ? `   non-2xx ${r.errors}` : ""}${r.socketErrors ? `   socket errors: ${r.socketErrors}` : ""}`,
  );
}
const direct = results["direct (one backend)"];
const bare = results["bare undici proxy"];
const router = results["agentctl router"];
console.log("");
console.log(`router / bare proxy requests/s: ${(router.rps / bare.rps).toFixed(2)}  (target >= 0.90)`);
console.log(`router p50 - direct p50:        ${(router.p50 - direct.p50).toFixed(2)} ms  (target < 1 ms)`);
console.log(`router / direct requests/s:     ${(router.rps / direct.rps).toFixed(2)}`);
if (nginxPort)
  console.log(
    `router / nginx requests/s:      ${(router.rps / results["nginx (1 worker, keepalive)"].rps).toFixed(2)}`,
  );
console.log("Note: the machine is shared; absolute numbers move with other load, the ratios less so.");
stopAll();
process.exit(0);
