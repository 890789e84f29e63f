// Cost per request of the resilience policies on the hot path: cockatiel's CircuitBreakerPolicy and
// RetryPolicy wrapped around a call (as the library is meant to be used) versus the router's
// synchronous breaker (cockatiel's counting policies, our timing) and plain retry loop.
// Usage: npm run build && node bench/router/policy-overhead.mjs
import { ConsecutiveBreaker, circuitBreaker, handleAll, retry, wrap } from "cockatiel";
import { CircuitBreaker } from "../../dist/router/breaker.js";

const count = 1_000_000;
const options = { failures: 5, failureRate: 0.5, windowMs: 10_000, minRequests: 20, resetTimeoutMs: 10_000 };
const work = () => Promise.resolve(1);

async function time(name, body) {
  for (let i = 0; i < 50_000; i++) await body(); // warm-up
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await body();
  const ns = Number(process.hrtime.bigint() - started) / count;
  console.log(`${name.padEnd(52)} ${ns.toFixed(0).padStart(6)} ns/request`);
  return ns;
}

const policy = wrap(
  retry(handleAll, { maxAttempts: 2 }),
  circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) }),
);
const ours = new CircuitBreaker(options);
const base = await time("the call alone (await a resolved promise)", () => work());
const library = await time("cockatiel retry + circuit breaker around the call", () => policy.execute(work));
const router = await time("router breaker (allows, begin, success) + call", async () => {
  if (ours.allows()) {
    ours.begin();
    await work();
    ours.success();
  }
});
console.log(
  `overhead: cockatiel ${(library - base).toFixed(0)} ns, router ${(router - base).toFixed(0)} ns per request`,
);
