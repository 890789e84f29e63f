// Load-balancing strategies, found by name in a registry of `{ name, create }` objects. A balancer
// picks one of the candidates it is given; the candidates are already filtered (ready, breaker allows).
import type { Strategy } from "../project/schema.js";

/** Anything a balancer can choose between: it only needs the number of requests in flight. */
export interface Candidate {
  inflight: number;
}

/** Picks one candidate per request; holds whatever state its strategy needs (a cursor, say). */
export interface Balancer {
  pick<T extends Candidate>(candidates: readonly T[]): T | undefined;
}

/** A strategy: a name and a factory for one balancer per service. */
export interface StrategyDefinition {
  name: Strategy;
  create(random?: () => number): Balancer;
}

const roundRobin: StrategyDefinition = {
  name: "round_robin",
  create() {
    let cursor = 0;
    return {
      pick(candidates) {
        if (candidates.length === 0) return undefined;
        cursor = (cursor + 1) % 1_000_000_007;
        return candidates[cursor % candidates.length];
      },
    };
  },
};

const leastConnections: StrategyDefinition = {
  name: "least_connections",
  create() {
    // Ties are broken by a rotating start so equal replicas share the load instead of the first
    // one taking everything when nothing is in flight.
    let start = 0;
    return {
      pick(candidates) {
        const count = candidates.length;
        if (count === 0) return undefined;
        start = (start + 1) % count;
        let best = candidates[start]!;
        for (let offset = 1; offset < count; offset++) {
          const candidate = candidates[(start + offset) % count]!;
          if (candidate.inflight < best.inflight) best = candidate;
        }
        return best;
      },
    };
  },
};

const randomChoice: StrategyDefinition = {
  name: "random",
  create(random = Math.random) {
    return {
      pick(candidates) {
        if (candidates.length === 0) return undefined;
        return candidates[Math.floor(random() * candidates.length)];
      },
    };
  },
};

const powerOfTwoChoices: StrategyDefinition = {
  name: "p2c",
  create(random = Math.random) {
    return {
      pick(candidates) {
        const count = candidates.length;
        if (count <= 1) return candidates[0];
        const first = Math.floor(random() * count);
        // A second, distinct index: draw from the other count-1 slots.
        let second = Math.floor(random() * (count - 1));
        if (second >= first) second += 1;
        const a = candidates[first]!;
        const b = candidates[second]!;
        if (a.inflight === b.inflight) return random() < 0.5 ? a : b;
        return a.inflight < b.inflight ? a : b;
      },
    };
  },
};

/** Every strategy the router knows, by name. */
export const strategyRegistry: Record<Strategy, StrategyDefinition> = {
  round_robin: roundRobin,
  least_connections: leastConnections,
  random: randomChoice,
  p2c: powerOfTwoChoices,
};

/** Creates a balancer for a strategy name; unknown names are a bug (the schema only allows these). */
export function createBalancer(name: Strategy, random?: () => number): Balancer {
  const definition = strategyRegistry[name];
  if (!definition)
    throw new Error(
      `strategy ${JSON.stringify(name)} is not supported; expected one of ${Object.keys(strategyRegistry).join(", ")}`,
    );
  return definition.create(random);
}
