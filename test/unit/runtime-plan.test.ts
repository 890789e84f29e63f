import { describe, expect, it } from "vitest";
import {
  type DesiredService,
  type ObservedInstance,
  planReconcile,
  planShutdown,
} from "../../src/runtime/plan.js";
import { backoffDelay, currentStreak, policyRestarts } from "../../src/runtime/restart.js";

const service = (name: string, extra: Partial<DesiredService> = {}): DesiredService => ({
  name,
  replicas: 1,
  dependsOn: [],
  restart: "on-failure",
  ...extra,
});
const instance = (id: string, extra: Partial<ObservedInstance> = {}): ObservedInstance => {
  const [name, replica] = [id.slice(0, id.lastIndexOf("-")), Number(id.slice(id.lastIndexOf("-") + 1))];
  return { id, service: name, replica, state: "ready", streak: 0, ...extra };
};

describe("planReconcile", () => {
  const desired = [
    service("db"),
    service("api", { dependsOn: ["db"] }),
    service("web", { dependsOn: ["api"] }),
  ];

  it("starts only what has its dependencies ready", () => {
    expect(planReconcile(desired, [], 0).toString()).toBe(
      ["start db-0 (new replica)", "wait api-0 (waiting for db)", "wait web-0 (waiting for api)"].join("\n"),
    );
    const dbStarting = [instance("db-0", { state: "starting" })];
    expect(planReconcile(desired, dbStarting, 0).toString()).toBe(
      ["wait api-0 (waiting for db)", "wait web-0 (waiting for api)"].join("\n"),
    );
    expect(planReconcile(desired, [instance("db-0")], 0).toString()).toBe(
      ["start api-0 (new replica)", "wait web-0 (waiting for api)"].join("\n"),
    );
  });

  it("waits for every replica of a dependency", () => {
    const two = [service("db", { replicas: 2 }), service("api", { dependsOn: ["db"] })];
    const plan = planReconcile(two, [instance("db-0"), instance("db-1", { state: "starting" })], 0);
    expect(plan.toString()).toBe("wait api-0 (waiting for db)");
    expect(plan.empty).toBe(true);
  });

  it("scales up and down", () => {
    const three = [service("agent", { replicas: 3 })];
    expect(planReconcile(three, [instance("agent-0")], 0).toString()).toBe(
      "start agent-1 (new replica)\nstart agent-2 (new replica)",
    );
    const one = [service("agent", { replicas: 1 })];
    expect(
      planReconcile(one, [instance("agent-0"), instance("agent-1"), instance("agent-2")], 0).toString(),
    ).toBe("stop agent-1 (scaled to 1)\nstop agent-2 (scaled to 1)");
  });

  it("backs off crashed instances 1s, 2s, 4s … capped at 30s", () => {
    const crashed = (streak: number) => [
      instance("api-0", { exited: { exitCode: 1, signal: null }, streak }),
    ];
    const desiredApi = [service("api")];
    expect(planReconcile(desiredApi, crashed(0), 0).toString()).toBe(
      "restart api-0 in 1s (exited with code 1)",
    );
    expect(planReconcile(desiredApi, crashed(3), 0).toString()).toBe(
      "restart api-0 in 8s (exited with code 1)",
    );
    expect(planReconcile(desiredApi, crashed(9), 0).toString()).toBe(
      "restart api-0 in 30s (exited with code 1)",
    );
    const action = planReconcile(desiredApi, crashed(2), 0).actions[0];
    expect(action).toMatchObject({ kind: "restart-later", delayMs: 4000, streak: 3 });
  });

  it("forgets the streak after a minute of being ready", () => {
    const observed = [instance("api-0", { exited: { exitCode: 1, signal: null }, streak: 5, readySince: 0 })];
    expect(planReconcile([service("api")], observed, 61_000).toString()).toBe(
      "restart api-0 in 1s (exited with code 1)",
    );
    expect(planReconcile([service("api")], observed, 30_000).toString()).toBe(
      "restart api-0 in 30s (exited with code 1)",
    );
  });

  it("starts a restarting instance when its backoff is over", () => {
    const observed = [instance("api-0", { state: "restarting", restartAt: 5000 })];
    expect(planReconcile([service("api")], observed, 4000).toString()).toBe("");
    expect(planReconcile([service("api")], observed, 5000).toString()).toBe("start api-0 (backoff over)");
  });

  it("follows the restart policy", () => {
    const clean = [instance("job-0", { exited: { exitCode: 0, signal: null } })];
    expect(planReconcile([service("job")], clean, 0).toString()).toBe(
      "leave job-0 stopped (exited with code 0; restart policy on-failure)",
    );
    expect(planReconcile([service("job", { restart: "always" })], clean, 0).toString()).toBe(
      "restart job-0 in 1s (exited with code 0)",
    );
    const killed = [instance("job-0", { exited: { exitCode: null, signal: "SIGKILL" } })];
    expect(planReconcile([service("job", { restart: "never" })], killed, 0).toString()).toBe(
      "leave job-0 stopped (killed by SIGKILL; restart policy never)",
    );
    expect(planReconcile([service("job")], killed, 0).toString()).toBe(
      "restart job-0 in 1s (killed by SIGKILL)",
    );
    const sick = [instance("job-0", { state: "unhealthy" })];
    expect(planReconcile([service("job")], sick, 0).toString()).toBe("restart job-0 in 1s (unhealthy)");
    expect(planReconcile([service("job", { restart: "never" })], sick, 0).toString()).toBe("");
  });

  it("stops instances of removed services", () => {
    expect(planReconcile([], [instance("old-0")], 0).toString()).toBe("stop old-0 (service removed)");
  });
});

describe("planShutdown", () => {
  it("stops dependents first, replicas of one service together", () => {
    const desired = [
      service("db"),
      service("api", { dependsOn: ["db"] }),
      service("web", { dependsOn: ["api"] }),
    ];
    const observed = [instance("db-0"), instance("api-0"), instance("api-1"), instance("web-0")];
    expect(planShutdown(desired, observed)).toEqual([["web-0"], ["api-0", "api-1"], ["db-0"]]);
  });
});

describe("restart policy helpers", () => {
  it("doubles from 1s to a 30s cap", () => {
    expect([0, 1, 2, 3, 4, 5, 6].map(backoffDelay)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });
  it("resets the streak after 60s ready", () => {
    expect(currentStreak(4, 0, 59_999)).toBe(4);
    expect(currentStreak(4, 0, 60_000)).toBe(0);
    expect(currentStreak(4, undefined, 999_999)).toBe(4);
  });
  it("restarts per policy", () => {
    expect(policyRestarts("on-failure", { exitCode: 0 })).toBe(false);
    expect(policyRestarts("on-failure", { exitCode: 2 })).toBe(true);
    expect(policyRestarts("on-failure", { exitCode: 0, unhealthy: true })).toBe(true);
    expect(policyRestarts("always", { exitCode: 0 })).toBe(true);
    expect(policyRestarts("never", { exitCode: 1 })).toBe(false);
  });
});
