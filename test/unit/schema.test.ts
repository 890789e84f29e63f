import { describe, expect, it } from "vitest";
import { errorLines, loadText, oneService } from "../support/project-source.js";

// Line 5 is the first extra line of oneService(); a value written as `key: value` starts at column
// 5 + key length + 2.
describe("service fields: accepted and rejected forms", () => {
  const accepted: [string, string][] = [
    ["replicas", "replicas: 0"],
    ["replicas", "replicas: 3"],
    ["port", "port: 8080"],
    ["command as string", "command: node server.js"],
    ["command as list", "command: [python3, -m, app]"],
    ["env", "env: { A: x, B: 2, C: true }"],
    ["secrets", "secrets: [OPENAI_API_KEY, db_password]"],
    ["health", "health: { path: /healthz, interval: 500ms, timeout: 1s, retries: 5, startPeriod: 1m }"],
    ["ready", "ready: { path: /ready }"],
    ["resources", "resources: { requests: { cpu: 250m, memory: 128Mi }, limits: { cpu: 1, memory: 1Gi } }"],
    ["cpu as number", "resources: { limits: { cpu: 0.5 } }"],
    ["autoscale", "autoscale: { min: 2, max: 10, targetCpu: 60 }"],
    ["routes", "routes: [/api, /v2]"],
    ["restart", "restart: always"],
    ["runtime", "runtime: process"],
    ["strategy", "strategy: p2c"],
    ["timeout", "timeout: 1.5s"],
    ["build", "build: { context: ., dockerfile: Dockerfile, args: { NODE_ENV: production } }"],
    ["template", "template: agent"],
    ["subscribe and publish", "subscribe: [orders]\npublish: [events]"],
  ];
  for (const [name, yaml] of accepted) {
    it(`accepts ${name}`, () => {
      const result = loadText(oneService(yaml));
      expect(result.errors).toEqual([]);
      expect(result.project).toBeDefined();
    });
  }

  const rejected: [string, string, string][] = [
    [
      "replicas: three",
      "replicas: three",
      '5:15  services.agent.replicas: expected a whole number >= 0, got "three"',
    ],
    ["replicas: -1", "replicas: -1", "5:15  services.agent.replicas: expected a whole number >= 0, got -1"],
    [
      "replicas: 1.5",
      "replicas: 1.5",
      "5:15  services.agent.replicas: expected a whole number >= 0, got 1.5",
    ],
    [
      "port: 70000",
      "port: 70000",
      "5:11  services.agent.port: expected a whole number from 1 to 65535, got 70000",
    ],
    [
      "restart: sometimes",
      "restart: sometimes",
      '5:14  services.agent.restart: expected one of always, on-failure, never, got "sometimes"',
    ],
    ["runtime: vm", "runtime: vm", '5:14  services.agent.runtime: expected one of process, docker, got "vm"'],
    [
      "timeout: 5",
      "timeout: 5",
      'services.agent.timeout: expected a duration like "250ms", "5s", "1m" or "1h", got 5',
    ],
    [
      "timeout: 5 sec",
      "timeout: 5 sec",
      '5:14  services.agent.timeout: expected a duration like "250ms", "5s", "1m" or "1h", got "5 sec"',
    ],
    [
      "memory: 512MB",
      "resources: { limits: { memory: 512MB } }",
      'services.agent.resources.limits.memory: expected a memory size like "256Mi" or "1Gi", got "512MB"',
    ],
    [
      "cpu: lots",
      "resources: { limits: { cpu: lots } }",
      'services.agent.resources.limits.cpu: expected a CPU amount like "500m" or 0.5, got "lots"',
    ],
    [
      "secrets: bad name",
      "secrets: [my-key]",
      'services.agent.secrets[0]: expected an environment variable name like OPENAI_API_KEY, got "my-key"',
    ],
    [
      "routes without slash",
      "routes: [api]",
      'services.agent.routes[0]: expected a path prefix starting with "/", got "api"',
    ],
    ["env as list", "env: [A=1]", "5:10  services.agent.env: expected a map, got a list"],
    [
      "autoscale without max",
      "autoscale: { min: 2 }",
      "services.agent.autoscale.max: expected a whole number >= 1, got nothing (the field is required)",
    ],
    [
      "health interval",
      "health: { interval: soon }",
      'services.agent.health.interval: expected a duration like "250ms", "5s", "1m" or "1h", got "soon"',
    ],
    [
      "template unknown",
      "template: robot",
      'services.agent.template: expected one of agent, tool, memory, gateway, worker, got "robot"',
    ],
  ];
  for (const [name, yaml, expected] of rejected) {
    it(`rejects ${name}`, () => {
      const lines = errorLines(oneService(yaml));
      expect(lines.some((line) => line.endsWith(expected) || line === expected)).toBe(true);
      if (/^\d+:\d+ {2}/.test(expected)) expect(lines).toContain(expected);
    });
  }
});

describe("unknown keys", () => {
  it("suggests the closest field with its exact position", () => {
    expect(errorLines(oneService("replcas: 2"))).toEqual([
      '5:5  services.agent.replcas: unknown field "replcas"; did you mean "replicas"?',
    ]);
  });
  it("lists the known fields when nothing is close", () => {
    const [line] = errorLines("name: demo\nservices: {}\nzzzzzz: 1\n");
    expect(line).toMatch(
      /^3:1 {2}zzzzzz: unknown field "zzzzzz"; known fields: \$schema, name, defaults, services/,
    );
  });
  it("works inside nested maps", () => {
    expect(
      errorLines("name: demo\nservices:\n  a:\n    command: x\nrouter:\n  breaker:\n    failurs: 3\n"),
    ).toEqual(['7:5  router.breaker.failurs: unknown field "failurs"; did you mean "failures"?']);
  });
});

describe("all problems at once", () => {
  it("reports every schema problem in one pass", () => {
    const lines = errorLines(
      "name: Demo_1\nservices:\n  agent:\n    command: x\n    replicas: many\n    port: 0\nrouter:\n  strategy: fastest\n",
    );
    expect(lines).toEqual([
      `1:7  name: expected a lower-case name of letters, digits and '-' (a DNS-1123 label), got "Demo_1"`,
      '5:15  services.agent.replicas: expected a whole number >= 0, got "many"',
      "6:11  services.agent.port: expected a whole number from 1 to 65535, got 0",
      '8:13  router.strategy: expected one of round_robin, least_connections, random, p2c, got "fastest"',
    ]);
  });
  it("reports YAML syntax errors with their position", () => {
    const lines = errorLines("name: demo\nservices:\n  agent: [\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^4:1 {2}: invalid YAML/);
  });
  it("rejects duplicate keys", () => {
    expect(errorLines("name: demo\nname: again\nservices: {}\n")[0]).toMatch(
      /^2:1 {2}: invalid YAML: Map keys must be unique/,
    );
  });
});

describe("cross-field rules", () => {
  it("requires dependsOn and uses to name something that exists, with a suggestion", () => {
    const lines = errorLines(
      "name: demo\nservices:\n  agent:\n    command: x\n    dependsOn: [memroy]\n    uses: [cache]\n  memory:\n    command: y\n",
    );
    expect(lines).toEqual([
      '5:17  services.agent.dependsOn[0]: unknown service or resource "memroy"; did you mean "memory"?',
      '6:12  services.agent.uses[0]: unknown resource "cache"; known: none',
    ]);
  });
  it("prints a dependency cycle", () => {
    const lines = errorLines(
      "name: demo\nservices:\n  a:\n    command: x\n    dependsOn: [b]\n  b:\n    command: x\n    dependsOn: [c]\n  c:\n    command: x\n    dependsOn: [a]\n",
    );
    expect(lines).toEqual(["5:16  services.a.dependsOn: dependency cycle: a → b → c → a"]);
  });
  it("requires DNS-1123 service names", () => {
    expect(errorLines("name: demo\nservices:\n  My_Agent:\n    command: x\n")[0]).toMatch(
      /^3:3 {2}services\.My_Agent: "My_Agent" is not a valid name/,
    );
  });
  it("refuses two claims on one fixed port, including the router's", () => {
    const lines = errorLines(
      "name: demo\nservices:\n  a:\n    command: x\n    port: 4000\n  b:\n    command: x\n    port: 5000\n  c:\n    command: x\n    port: 5000\n",
    );
    expect(lines).toEqual([
      "5:11  services.a.port: port 4000 is already claimed by the router",
      '11:11  services.c.port: port 5000 is already claimed by service "b"',
    ]);
  });
  it("checks each service can run on its runtime", () => {
    const lines = errorLines(
      "name: demo\nservices:\n  a:\n    port: 5000\n  b:\n    runtime: docker\n    command: x\n",
    );
    expect(lines).toEqual([
      '3:3  services.a: cannot run on the process runtime: expected "entry" or "command", got neither',
      '5:3  services.b: cannot run on the docker runtime: expected "build", "image" or "entry", got none',
    ]);
  });
  it("requires at least one service", () => {
    expect(errorLines("name: demo\nservices: {}\n")).toEqual([
      "2:11  services: expected at least one service, got none",
    ]);
  });
});

describe("interpolation", () => {
  it("substitutes ${VAR} and ${VAR:-default} from the environment", () => {
    const result = loadText(oneService("env:\n  MODEL: ${MODEL:-small}\n  KEY: ${KEY}\n  LITERAL: $$HOME"), {
      KEY: "k1",
    });
    const service = result.project!.services[0]!;
    expect(service.env).toEqual({ MODEL: "small", KEY: "k1", LITERAL: "$HOME" });
  });
  it("warns about an unset variable and uses an empty string", () => {
    const result = loadText(oneService("env:\n  KEY: ${MISSING}"));
    expect(result.errors).toEqual([]);
    expect(result.warnings.map((w) => w.message)).toEqual([
      "variable MISSING is not set (in the environment or .env); using an empty string",
    ]);
    expect(result.warnings[0]!.location).toMatchObject({ line: 6, col: 12 });
  });
  it("validates the interpolated value", () => {
    expect(errorLines(oneService("replicas: ${REPLICAS}"), { REPLICAS: "two" })).toEqual([
      '5:15  services.agent.replicas: expected a whole number >= 0, got "two"',
    ]);
  });
});

describe("resolution", () => {
  it("applies defaults, parses quantities and orders services by dependency", () => {
    const result = loadText(
      "name: demo\ndefaults:\n  gracePeriod: 3s\nservices:\n  gateway:\n    command: x\n    dependsOn: [agent]\n  agent:\n    command: y\n    resources: { limits: { cpu: 500m, memory: 256Mi } }\n    ready: { path: /ready, interval: 250ms }\n",
    );
    const project = result.project!;
    expect(project.services.map((s) => s.name)).toEqual(["agent", "gateway"]);
    const agent = project.services[0]!;
    expect(agent.runtime).toBe("process");
    expect(agent.restart).toBe("on-failure");
    expect(agent.gracePeriodMs).toBe(3000);
    expect(agent.discoveryVariable).toBe("AGENTCTL_SERVICE_AGENT_URL");
    expect(agent.resources.limits).toMatchObject({ cpuMillis: 500, memoryBytes: 256 * 1024 * 1024 });
    expect(agent.ready).toMatchObject({ path: "/ready", intervalMs: 250 });
    expect(agent.health).toMatchObject({ path: "/health", intervalMs: 2000, timeoutMs: 1000, retries: 3 });
    const gateway = project.services[1]!;
    expect(gateway.ready.path).toBe("/health");
    expect(project.router).toMatchObject({
      port: 4000,
      strategy: "round_robin",
      maxBodyBytes: 10 * 1024 * 1024,
    });
  });
});
