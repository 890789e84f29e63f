// Restart backoff as Kubernetes' CrashLoopBackOff: 1s, doubling to a 30s cap; a replica that stayed
// ready for a minute starts again from 1s.

/** First delay after a failure. */
export const initialBackoffMs = 1_000;
/** The longest delay between restarts. */
export const maxBackoffMs = 30_000;
/** How long an instance must stay ready for its failure streak to be forgotten. */
export const backoffResetMs = 60_000;

/** The delay before restart number `streak + 1` of a failure streak (streak 0 → 1s). */
export function backoffDelay(streak: number): number {
  return Math.min(initialBackoffMs * 2 ** Math.max(0, streak), maxBackoffMs);
}

/** The failure streak to use now: reset when the instance had been ready for long enough. */
export function currentStreak(streak: number, readySince: number | undefined, now: number): number {
  return readySince !== undefined && now - readySince >= backoffResetMs ? 0 : streak;
}

/** Whether a policy restarts an instance that ended this way. */
export function policyRestarts(
  policy: "always" | "on-failure" | "never",
  ending: { exitCode?: number | null; unhealthy?: boolean },
): boolean {
  if (policy === "never") return false;
  if (policy === "always") return true;
  return ending.unhealthy === true || ending.exitCode !== 0;
}

/** Formats a delay for people: `8s`, `500ms`. */
export function formatDelay(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10}s` : `${ms}ms`;
}
