// Health: an HTTP GET of ready.path until the instance first answers 2xx/3xx (then it is ready), and
// of health.path after that (liveness: `retries` failures in a row make it unhealthy). Backing
// resources speak no HTTP: their probe is a short exchange in their own protocol over TCP.
import { request } from "node:http";
import { connect } from "node:net";
import type { ResolvedProbe } from "../project/resolve.js";
import { postgresRole } from "./resource-servers.js";

/** How often readiness is probed before an instance is first ready (faster than `interval`). */
export const readyPollMs = 250;

/** One GET; true for a 2xx or 3xx answer within the timeout. */
export function probe(url: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { method: "GET", timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 400);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve(false));
    req.end();
  });
}

/** The TCP probe kinds: one per resource protocol. */
export type TcpProbeKind = "redis" | "postgres" | "nats";

/** Probe settings of a resource: the services' defaults (2 s, 1 s, 3 retries), no start period. */
export const resourceProbe: ResolvedProbe = {
  path: "",
  intervalMs: 2_000,
  timeoutMs: 1_000,
  retries: 3,
  startPeriodMs: 0,
};

/**
 * One protocol-level check of a server on 127.0.0.1:<port>: redis answers PING with +PONG; nats
 * greets with its INFO line; postgres completes a startup handshake for the agentctl role and
 * database (AuthenticationOk … ReadyForQuery), so it is false while the server is still starting.
 */
export function probeTcp(kind: TcpProbeKind, port: number, timeoutMs: number): Promise<boolean> {
  switch (kind) {
    case "redis":
      return exchange(port, timeoutMs, Buffer.from("*1\r\n$4\r\nPING\r\n"), (received) =>
        lineOf(received, (line) => line === "+PONG"),
      );
    case "nats":
      return exchange(port, timeoutMs, undefined, (received) =>
        lineOf(received, (line) => line.startsWith("INFO ")),
      );
    case "postgres":
      return exchange(
        port,
        timeoutMs,
        postgresStartup(postgresRole, postgresRole),
        postgresReady,
        postgresTerminate,
      );
  }
}

/** A postgres StartupMessage (protocol 3.0) for a user and database. */
export function postgresStartup(user: string, database: string): Buffer {
  const body = Buffer.from(`user\0${user}\0database\0${database}\0\0`);
  const message = Buffer.alloc(8 + body.length);
  message.writeInt32BE(message.length, 0);
  message.writeInt32BE(196608, 4);
  body.copy(message, 8);
  return message;
}

const postgresTerminate = Buffer.from([0x58, 0, 0, 0, 4]);

// Walks the server's messages: an error ends it (false), ReadyForQuery after AuthenticationOk is ready.
function postgresReady(received: Buffer): boolean | undefined {
  let offset = 0;
  let authenticated = false;
  while (offset + 5 <= received.length) {
    const type = String.fromCharCode(received[offset]!);
    const length = received.readInt32BE(offset + 1);
    if (offset + 1 + length > received.length) return undefined;
    if (type === "E") return false;
    if (type === "R") {
      if (received.readInt32BE(offset + 5) !== 0) return false;
      authenticated = true;
    }
    if (type === "Z") return authenticated;
    offset += 1 + length;
  }
  return undefined;
}

// undefined while the first line is incomplete, then whether it passes.
function lineOf(received: Buffer, passes: (line: string) => boolean): boolean | undefined {
  const end = received.indexOf("\r\n");
  return end < 0 ? undefined : passes(received.subarray(0, end).toString("latin1"));
}

// Connects, optionally sends, and reads until `verdict` decides (undefined: read on), within timeoutMs.
function exchange(
  port: number,
  timeoutMs: number,
  send: Buffer | undefined,
  verdict: (received: Buffer) => boolean | undefined,
  goodbye?: Buffer,
): Promise<boolean> {
  return new Promise((resolve) => {
    let received = Buffer.alloc(0);
    let settled = false;
    const socket = connect({ host: "127.0.0.1", port });
    const finish = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (ok && goodbye) socket.end(goodbye);
      else socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on("connect", () => {
      if (send) socket.write(send);
    });
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const ok = verdict(received);
      if (ok !== undefined) finish(ok);
    });
    socket.on("error", () => finish(false));
    socket.on("close", () => finish(false));
  });
}

/** What the supervisor remembers of an instance's probes. */
export interface HealthState {
  ready: boolean;
  /** Liveness failures in a row since the last success. */
  failures: number;
  unhealthy: boolean;
  nextProbeAt: number;
}

/** The state of a freshly started instance: probes begin after the readiness start period. */
export function initialHealth(ready: ResolvedProbe, now: number): HealthState {
  return { ready: false, failures: 0, unhealthy: false, nextProbeAt: now + ready.startPeriodMs };
}

/** The path to probe next: readiness until first ready, liveness after. */
export function probePath(state: HealthState, probes: { ready: ResolvedProbe; health: ResolvedProbe }) {
  return state.ready ? probes.health : probes.ready;
}

/** Folds one probe result into the health state. */
export function applyProbe(
  state: HealthState,
  ok: boolean,
  probes: { ready: ResolvedProbe; health: ResolvedProbe },
  now: number,
): HealthState {
  if (!state.ready) {
    return ok
      ? { ready: true, failures: 0, unhealthy: false, nextProbeAt: now + probes.health.intervalMs }
      : { ...state, nextProbeAt: now + Math.min(readyPollMs, probes.ready.intervalMs) };
  }
  const failures = ok ? 0 : state.failures + 1;
  return {
    ready: true,
    failures,
    unhealthy: failures >= probes.health.retries,
    nextProbeAt: now + probes.health.intervalMs,
  };
}
