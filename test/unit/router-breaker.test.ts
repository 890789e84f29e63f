import { describe, expect, it } from "vitest";
import { CircuitBreaker } from "../../src/router/breaker.js";

const options = { failures: 3, failureRate: 0.5, windowMs: 10_000, minRequests: 10, resetTimeoutMs: 1_000 };

function clock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe("circuit breaker", () => {
  it("opens after N consecutive failures, and a success in between resets the count", () => {
    const time = clock();
    const breaker = new CircuitBreaker(options, time.now);
    breaker.failure();
    breaker.failure();
    breaker.success();
    breaker.failure();
    breaker.failure();
    expect(breaker.state).toBe("closed");
    breaker.failure();
    expect(breaker.state).toBe("open");
    expect(breaker.allows()).toBe(false);
  });

  it("opens when the failure rate over the window passes the threshold with enough requests", () => {
    const time = clock();
    const breaker = new CircuitBreaker({ ...options, failures: 1000 }, time.now);
    // Never 3 failures in a row, but 2 of every 3 calls fail: a 67% rate over the window.
    for (let i = 0; i < 3; i++) {
      breaker.failure();
      breaker.failure();
      breaker.success();
    }
    // 9 calls are below minRequests (10), so the rate alone does not open it yet.
    expect(breaker.state).toBe("closed");
    breaker.failure();
    expect(breaker.state).toBe("open");
  });

  it("does not open on a failure rate under the threshold", () => {
    const breaker = new CircuitBreaker({ ...options, failures: 1000 }, clock().now);
    for (let i = 0; i < 50; i++) {
      breaker.failure();
      breaker.success();
      breaker.success();
    }
    expect(breaker.state).toBe("closed");
  });

  it("after the reset timeout lets exactly one probe through; its success closes the breaker", () => {
    const time = clock();
    const breaker = new CircuitBreaker(options, time.now);
    for (let i = 0; i < 3; i++) breaker.failure();
    time.advance(999);
    expect(breaker.allows()).toBe(false);
    time.advance(1);
    expect(breaker.allows()).toBe(true);
    breaker.begin();
    expect(breaker.state).toBe("half_open");
    expect(breaker.allows()).toBe(false); // the probe is in flight
    breaker.success();
    expect(breaker.state).toBe("closed");
    expect(breaker.allows()).toBe(true);
  });

  it("a failed probe opens it again for another reset timeout", () => {
    const time = clock();
    const breaker = new CircuitBreaker(options, time.now);
    for (let i = 0; i < 3; i++) breaker.failure();
    time.advance(1_000);
    breaker.begin();
    breaker.failure();
    expect(breaker.state).toBe("open");
    expect(breaker.opened).toBe(2);
    time.advance(500);
    expect(breaker.allows()).toBe(false);
  });

  it("a passing health check lets an open breaker probe at once; a failing one trips it", () => {
    const time = clock();
    const breaker = new CircuitBreaker(options, time.now);
    breaker.trip();
    expect(breaker.allows()).toBe(false);
    breaker.healthy();
    expect(breaker.allows()).toBe(true);
  });
});
