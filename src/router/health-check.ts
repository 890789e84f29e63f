// Active health checks: every interval, each ready instance's health path is asked over its own
// pool. A failed check opens the instance's breaker at once (no need to wait for user traffic to
// fail); a passing check lets an open breaker probe without waiting for the reset timeout.
import type { Target, TargetSet } from "./target.js";

/** Settings of the active checker. */
export interface HealthCheckOptions {
  intervalMs: number;
  timeoutMs: number;
  /** The health path of a service (its `health.path`, `/health` for services the project lacks). */
  pathFor(service: string): string;
  /** Told every result (router worker processes apply it to their own breakers). */
  onResult?(target: Target, healthy: boolean): void;
}

/** Starts checking; returns a function that stops it. */
export function startHealthChecks(targets: TargetSet, options: HealthCheckOptions): () => void {
  let running = false;
  const result = (target: Target, healthy: boolean) => {
    if (healthy) target.circuit.healthy();
    else target.circuit.trip();
    options.onResult?.(target, healthy);
  };
  const round = async () => {
    if (running) return;
    running = true;
    try {
      await Promise.all(
        targets
          .all()
          .filter((target) => target.instance.state === "ready")
          .map(async (target) => {
            try {
              const { statusCode, body } = await target.pool.request({
                path: options.pathFor(target.service),
                method: "GET",
                headersTimeout: options.timeoutMs,
                bodyTimeout: options.timeoutMs,
                headers: { "user-agent": "agentctl-router-health" },
              });
              await body.dump();
              result(target, statusCode < 500);
            } catch {
              result(target, false);
            }
          }),
      );
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void round(), options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
