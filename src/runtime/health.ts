// Health: an HTTP GET of ready.path until the instance first answers 2xx/3xx (then it is ready), and
// of health.path after that (liveness: `retries` failures in a row make it unhealthy).
import { request } from "node:http";
import type { ResolvedProbe } from "../project/resolve.js";

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
