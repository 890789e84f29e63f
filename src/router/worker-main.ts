// A router worker process (router.workers above 1; see workers.ts): it takes client connections from
// the router process, serves them with the raw core over a mirror of the router's instance list, and
// relays what the raw core does not handle to the router's internal node:http port. Started only by
// `RouterWorkers`; it exits when told to, or as soon as the router's IPC channel closes.
import { connect, type Socket } from "node:net";
import { RawCore } from "./client-connection.js";
import { createProxyContext } from "./context.js";
import type { AccessLogEntry } from "./proxy.js";
import { type Instance, Registry } from "./registry.js";
import { TargetSet } from "./target.js";
import type { FromWorker, ToWorker, WorkerTargetReport } from "./workers.js";

const registry = new Registry();
let targets: TargetSet | undefined;
let core: RawCore | undefined;
let pendingLog = "";
let unroutedCounts: Map<string, number> | undefined;

function send(message: FromWorker): void {
  if (process.connected) process.send!(message);
}

function flushLog(): void {
  if (!pendingLog) return;
  send({ type: "log", text: pendingLog });
  pendingLog = "";
}

/** Makes the mirror equal to the router's list. */
function mirror(instances: Instance[]): void {
  const seen = new Set<string>();
  for (const instance of instances) {
    seen.add(instance.id);
    const current = registry.get(instance.id);
    if (!current) registry.register(instance);
    else if (
      current.url !== instance.url ||
      current.state !== instance.state ||
      current.replica !== instance.replica
    )
      registry.update(instance.id, { url: instance.url, state: instance.state, replica: instance.replica });
  }
  for (const instance of registry.list()) if (!seen.has(instance.id)) registry.deregister(instance.id);
}

/** A connection the raw core hands over: its bytes go, as they are, to the router's node:http. */
function relay(socket: Socket, pending: Buffer | null, port: number): void {
  const upstream = connect({ host: "127.0.0.1", port, noDelay: true });
  socket.pause();
  const buffered = socket.read() as Buffer | null; // read from the client but not yet seen
  if (pending) upstream.write(pending);
  if (buffered) upstream.write(buffered);
  socket.pipe(upstream).pipe(socket);
  socket.resume();
  socket.on("error", () => upstream.destroy());
  upstream.on("error", () => socket.destroy());
  socket.on("close", () => upstream.destroy());
  upstream.on("close", () => socket.destroy());
}

function start(message: Extract<ToWorker, { type: "init" }>): void {
  const { project, settings } = message;
  targets = new TargetSet(registry, project.router.breaker);
  mirror(message.instances);
  const log = settings.accessLog
    ? (entry: AccessLogEntry) => {
        if (!pendingLog) setImmediate(flushLog);
        pendingLog += `${JSON.stringify(entry)}\n`;
      }
    : undefined;
  const context = createProxyContext(project, registry, targets, log);
  core = new RawCore({
    context,
    maxHeaderBytes: settings.maxHeaderBytes,
    headersTimeoutMs: settings.headersTimeoutMs,
    keepAliveTimeoutMs: settings.keepAliveTimeoutMs,
    idleTimeoutMs: settings.idleTimeoutMs,
    handOver: (socket, pending) => relay(socket, pending, settings.handOverPort),
  });
  unroutedCounts = context.unrouted;
  const report = setInterval(() => sendReport(context.unrouted), settings.reportEveryMs);
  report.unref();
  send({ type: "ready" });
}

function sendReport(unrouted: Map<string, number>): void {
  if (!targets) return;
  const now = Date.now();
  const reports: WorkerTargetReport[] = targets.all().map((target) => ({
    id: target.id,
    inflight: target.inflight,
    breaker: target.breaker,
    stats: target.stats.export(now),
  }));
  send({ type: "report", targets: reports, unrouted: [...unrouted] });
}

async function stop(): Promise<void> {
  flushLog();
  core?.closeIdle();
  // Requests under way get a second to finish.
  const deadline = Date.now() + 1_000;
  while (core && core.connections.size > 0 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  core?.closeAll();
  flushLog();
  await targets?.close();
  process.exit(0);
}

process.on("message", (message: ToWorker, handle?: Socket) => {
  switch (message.type) {
    case "init":
      start(message);
      break;
    case "instances":
      mirror(message.instances);
      break;
    case "connection":
      if (handle && core && !core.stopping) core.accept(handle);
      else handle?.destroy();
      break;
    case "health": {
      const target = targets?.get(message.id);
      if (message.healthy) target?.circuit.healthy();
      else target?.circuit.trip();
      break;
    }
    case "report":
      if (unroutedCounts) sendReport(unroutedCounts);
      break;
    case "close":
      void stop();
      break;
  }
});
// The router is gone (closed, or killed): nothing can reach this process any more.
process.on("disconnect", () => process.exit(0));
process.on("SIGINT", () => undefined); // Ctrl-C reaches the whole group: the router decides when to stop
