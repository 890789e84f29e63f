// A circuit breaker per instance. When to open is decided by cockatiel's breaker policies (consecutive
// failures, and a failure rate sampled over a window); the open → half-open → closed timing is kept
// here because the balancer must ask "may this instance take a request?" synchronously, before it
// picks, while cockatiel's CircuitBreakerPolicy answers only by rejecting a call already made (and
// wraps every call in promises on the hot path).
import { CircuitState, ConsecutiveBreaker, type IBreaker, SamplingBreaker } from "cockatiel";

/** A breaker's state as the registry, metrics and dashboard show it. */
export type BreakerState = "closed" | "open" | "half_open";

/** Breaker settings, as in `router.breaker` of agentctl.yaml (durations in milliseconds). */
export interface BreakerOptions {
  failures: number;
  failureRate: number;
  windowMs: number;
  minRequests: number;
  resetTimeoutMs: number;
}

/** The numeric value of each state in the Prometheus gauge. */
export const breakerStateValue: Record<BreakerState, number> = { closed: 0, open: 1, half_open: 2 };

/** Opens on N consecutive failures or a failure rate over a window; after the reset timeout one probe
 * goes through (half-open); the probe's success closes it, its failure opens it again. */
export class CircuitBreaker {
  state: BreakerState = "closed";
  openedAt = 0;
  /** How many times it has opened, for tests and the registry view. */
  opened = 0;
  readonly #resetTimeoutMs: number;
  readonly #policies: IBreaker[];
  #probing = false;
  readonly #now: () => number;

  constructor(options: BreakerOptions, now: () => number = Date.now) {
    this.#resetTimeoutMs = options.resetTimeoutMs;
    this.#now = now;
    this.#policies = [new ConsecutiveBreaker(options.failures)];
    // cockatiel's sampling breaker needs a threshold strictly between 0 and 1; a rate of 1 can never
    // be exceeded, so it is left out.
    if (options.failureRate > 0 && options.failureRate < 1 && options.windowMs > 0) {
      this.#policies.push(
        new SamplingBreaker({
          threshold: options.failureRate,
          duration: options.windowMs,
          minimumRps: options.minRequests / (options.windowMs / 1000),
        }),
      );
    }
  }

  /** Whether a request may go to this instance now (no side effect: the balancer filters with it). */
  allows(): boolean {
    if (this.state === "closed") return true;
    if (this.state === "open") return this.#now() - this.openedAt >= this.#resetTimeoutMs;
    return !this.#probing;
  }

  /** Called for the instance the balancer chose: turns an expired open breaker into a half-open probe. */
  begin(): void {
    if (this.state === "open" && this.#now() - this.openedAt >= this.#resetTimeoutMs) {
      this.state = "half_open";
    }
    if (this.state === "half_open") this.#probing = true;
  }

  /** Records a success (a response below 500). */
  success(): void {
    const state = this.#cockatielState();
    for (const policy of this.#policies) policy.success(state);
    if (this.state === "half_open") {
      this.state = "closed";
      this.#probing = false;
    }
  }

  /** Records a failure (connect error, timeout or 5xx). */
  failure(): void {
    const state = this.#cockatielState();
    let open = false;
    for (const policy of this.#policies) if (policy.failure(state)) open = true;
    if (this.state === "half_open" || (this.state === "closed" && open)) this.trip();
  }

  /** A request that ended without a verdict (the client went away): frees the probe slot. */
  release(): void {
    if (this.state === "half_open") this.#probing = false;
  }

  /** Opens the breaker now (an active health check failed, or the policies said so). */
  trip(): void {
    if (this.state !== "open") this.opened += 1;
    this.state = "open";
    this.openedAt = this.#now();
    this.#probing = false;
  }

  /** An active health check passed: an open breaker may probe at once instead of waiting. */
  healthy(): void {
    if (this.state === "open") this.openedAt = this.#now() - this.#resetTimeoutMs;
  }

  #cockatielState(): CircuitState {
    return this.state === "closed"
      ? CircuitState.Closed
      : this.state === "open"
        ? CircuitState.Open
        : CircuitState.HalfOpen;
  }
}
