// The single source of truth for agentctl.yaml. TypeScript types are inferred from it, the JSON Schema
// for editors is generated from it (`agentctl schema`), and the docs list its fields from it.
import { z } from "zod";
import { describeValue } from "./describe.js";
import { templateNames } from "./template-names.js";

const durationPattern = /^\d+(\.\d+)?(ms|s|m|h)$/;
const memoryPattern = /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|K|M|G|T|k)?$/;
const cpuPattern = /^(\d+m|\d+(\.\d+)?)$/;
const envNamePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Names that Kubernetes, DNS and Compose all accept: DNS-1123 labels. */
export const dnsLabelPattern = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Balancing strategies the router knows. */
export const strategies = ["round_robin", "least_connections", "random", "p2c"] as const;
/** Runtimes a service can run on. */
export const runtimes = ["process", "docker"] as const;
/** Restart policies, as in Compose and Kubernetes. */
export const restartPolicies = ["always", "on-failure", "never"] as const;
export { type TemplateName, templateNames } from "./template-names.js";
/** Kinds of backing store agentctl knows how to run and emit. */
export const resourceKinds = ["redis", "postgres", "nats", "kafka"] as const;

const got = (input: unknown) => `, got ${describeValue(input)}`;

function wholeNumber(min: number, max?: number) {
  const range = max === undefined ? `>= ${min}` : `from ${min} to ${max}`;
  const error = (iss: { input?: unknown }) => `expected a whole number ${range}${got(iss.input)}`;
  const base = z.number({ error }).int({ error }).min(min, { error });
  return max === undefined ? base : base.max(max, { error });
}

function fraction() {
  const error = (iss: { input?: unknown }) => `expected a number from 0 to 1${got(iss.input)}`;
  return z.number({ error }).min(0, { error }).max(1, { error });
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: (iss) => `expected one of ${values.join(", ")}${got(iss.input)}` });
}

function text(what = "a string") {
  return z.string({ error: (iss) => `expected ${what}${got(iss.input)}` });
}

function matching(pattern: RegExp, what: string) {
  const error = (iss: { input?: unknown }) => `expected ${what}${got(iss.input)}`;
  return z.string({ error }).regex(pattern, { error });
}

function list<T extends z.ZodType>(item: T, what: string) {
  return z.array(item, { error: (iss) => `expected a list of ${what}${got(iss.input)}` });
}

/** A duration such as `250ms`, `5s`, `1m` or `1h`. */
export const duration = () => matching(durationPattern, 'a duration like "250ms", "5s", "1m" or "1h"');
/** A memory quantity such as `512Mi` or `1Gi`. */
export const memory = () => matching(memoryPattern, 'a memory size like "256Mi" or "1Gi"');
/** A CPU quantity: millicores (`500m`) or cores (`0.5`, `2`). */
export const cpu = () =>
  z
    .union([z.number(), z.string()], {
      error: (iss) => `expected a CPU amount like "500m" or 0.5${got(iss.input)}`,
    })
    .refine((v) => cpuPattern.test(String(v)), {
      error: (iss) => `expected a CPU amount like "500m" or 0.5${got(iss.input)}`,
    });

const envValue = z.union([z.string(), z.number(), z.boolean()], {
  error: (iss) => `expected a string, number or boolean${got(iss.input)}`,
});

const envName = () => matching(envNamePattern, "an environment variable name like OPENAI_API_KEY");

const probe = (defaultPath: string) =>
  z.strictObject({
    path: matching(/^\//, 'a path starting with "/"').default(defaultPath),
    interval: duration().default("2s"),
    timeout: duration().default("1s"),
    retries: wholeNumber(1).default(3),
    startPeriod: duration().default("0s"),
  });

const quantities = z.strictObject({ cpu: cpu().optional(), memory: memory().optional() });

const breaker = z.strictObject({
  failures: wholeNumber(1).default(5),
  failureRate: fraction().default(0.5),
  window: duration().default("10s"),
  minRequests: wholeNumber(1).default(20),
  resetTimeout: duration().default("10s"),
});

/** One service of the system: how to build it, run it, check it and route to it. */
export const serviceSchema = z.strictObject({
  template: oneOf(templateNames).optional().describe("the template the service was scaffolded from"),
  path: text("a folder path")
    .optional()
    .describe("folder of the service (default services/<name>); its build context when none is given"),
  entry: text("a TypeScript or JavaScript file path")
    .optional()
    .describe("TypeScript/JavaScript entry that agentctl bundles with esbuild and runs with node"),
  command: z
    .union([text(), list(text(), "strings")], {
      error: (iss) => `expected a command string or a list of strings${got(iss.input)}`,
    })
    .optional(),
  build: z
    .strictObject({
      context: text("a folder path").default("."),
      dockerfile: text("a file path").optional(),
      args: z.record(z.string(), envValue).default({}),
    })
    .optional(),
  image: text("an image reference")
    .optional()
    .describe("a prebuilt container image (docker runtime and deploy targets)"),
  runtime: oneOf(runtimes).optional().describe("where the service runs locally; overrides defaults.runtime"),
  port: wholeNumber(1, 65535)
    .optional()
    .describe("fixed port for replica 0 (others get free ports); default: a free port"),
  replicas: wholeNumber(0).default(1).describe("number of instances"),
  env: z.record(z.string(), envValue).default({}).describe("environment variables (non-secret)"),
  secrets: list(envName(), "environment variable names")
    .default([])
    .describe("names of secret variables; values come from the environment or .env, never from this file"),
  health: probe("/health")
    .default(probe("/health").parse({}))
    .describe("liveness probe: an HTTP GET that must answer 2xx"),
  ready: probe("/ready").optional().describe("readiness probe; falls back to health when absent"),
  dependsOn: list(text(), "service names")
    .default([])
    .describe("services or resources that must be ready before this one starts"),
  uses: list(text(), "resource names").default([]).describe("backing resources this service talks to"),
  resources: z.strictObject({ requests: quantities.optional(), limits: quantities.optional() }).optional(),
  autoscale: z
    .strictObject({
      min: wholeNumber(1).default(1),
      max: wholeNumber(1),
      targetCpu: wholeNumber(1, 100).default(70),
    })
    .optional(),
  routes: list(matching(/^\//, 'a path prefix starting with "/"'), "path prefixes")
    .default([])
    .describe("external path prefixes the router (and ingress) send to this service"),
  restart: oneOf(restartPolicies).optional().describe("restart policy; overrides defaults.restart"),
  strategy: oneOf(strategies).optional().describe("load-balancing strategy; overrides router.strategy"),
  timeout: duration().optional().describe("per-request timeout at the router; overrides router.timeout"),
  gracePeriod: duration()
    .optional()
    .describe("time between SIGTERM and SIGKILL; overrides defaults.gracePeriod"),
  subscribe: list(text(), "topics").default([]).describe("topics this service consumes"),
  publish: list(text(), "topics").default([]).describe("topics this service produces"),
});

/** A backing store: run locally by agentctl, or `external` at a URL. */
export const resourceSchema = z.strictObject({
  kind: oneOf(resourceKinds),
  version: z.union([text(), z.number()]).optional(),
  external: matching(/^[a-z][a-z0-9+.-]*:\/\//i, "a URL like redis://host:6379").optional(),
  port: wholeNumber(1, 65535)
    .optional()
    .describe("fixed port for replica 0 (others get free ports); default: a free port"),
  storage: memory().optional(),
});

/** The local router: one stable address per service, load-balanced over its replicas. */
export const routerSchema = z.strictObject({
  port: wholeNumber(0, 65535).default(4000),
  host: text("a host address").default("127.0.0.1"),
  strategy: oneOf(strategies).default("round_robin"),
  timeout: duration().default("30s"),
  retries: wholeNumber(0).default(2),
  maxBodySize: memory().default("10Mi"),
  breaker: breaker.default(breaker.parse({})),
  workers: wholeNumber(1, 64)
    .default(1)
    .describe("router processes serving connections; above 1, a worker process each (a worker per core)"),
});

/** Per-target settings for `agentctl deploy`. */
export const targetsSchema = z.strictObject({
  compose: z
    .strictObject({ projectName: matching(dnsLabelPattern, "a lower-case name").optional() })
    .default({}),
  k8s: z
    .strictObject({
      namespace: matching(dnsLabelPattern, "a DNS-1123 label").optional(),
      registry: text("an image registry").optional(),
      tag: text("an image tag").optional(),
      ingressHost: text("a host name").optional(),
      ingressClass: text("an ingress class name").optional(),
      expose: oneOf(["ingress", "loadbalancer"]).default("ingress"),
    })
    .default({ expose: "ingress" }),
  serverless: z
    .strictObject({
      provider: oneOf(["aws"]).default("aws"),
      region: text("an AWS region").default("us-east-1"),
      runtime: oneOf(["nodejs20.x", "nodejs22.x", "nodejs24.x"]).default("nodejs20.x"),
      stage: text("a stage name").default("dev"),
      memorySize: wholeNumber(128, 10240).default(512),
      timeout: wholeNumber(1, 900).default(29),
    })
    .default({
      provider: "aws",
      region: "us-east-1",
      runtime: "nodejs20.x",
      stage: "dev",
      memorySize: 512,
      timeout: 29,
    }),
});

/** The whole agentctl.yaml. */
export const projectSchema = z.strictObject({
  $schema: text().optional(),
  name: matching(dnsLabelPattern, "a lower-case name of letters, digits and '-' (a DNS-1123 label)"),
  defaults: z
    .strictObject({
      runtime: oneOf(runtimes).default("process"),
      baseImage: text("an image reference").default("node:20-slim"),
      restart: oneOf(restartPolicies).default("on-failure"),
      gracePeriod: duration().default("10s"),
    })
    .default({ runtime: "process", baseImage: "node:20-slim", restart: "on-failure", gracePeriod: "10s" }),
  services: z.record(z.string(), serviceSchema, {
    error: (iss) => `expected a map of service names to services${got(iss.input)}`,
  }),
  resources: z.record(z.string(), resourceSchema).default({}),
  router: routerSchema.default(routerSchema.parse({})),
  targets: targetsSchema.default(targetsSchema.parse({})),
});

/** agentctl.yaml as written, with defaults filled in by the schema. */
export type ProjectFile = z.output<typeof projectSchema>;
/** One service entry as written, with schema defaults. */
export type ServiceConfig = z.output<typeof serviceSchema>;
/** One backing resource entry. */
export type ResourceConfig = z.output<typeof resourceSchema>;
/** Per-target deploy settings. */
export type TargetsConfig = z.output<typeof targetsSchema>;
/** A health or readiness probe as written. */
export type ProbeConfig = z.output<ReturnType<typeof probe>>;
/** A balancing strategy name. */
export type Strategy = (typeof strategies)[number];
/** A runtime name. */
export type RuntimeName = (typeof runtimes)[number];
/** A restart policy name. */
export type RestartPolicy = (typeof restartPolicies)[number];

/** The JSON Schema (draft 2020-12) of agentctl.yaml, for editors. */
export function projectJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(projectSchema, { io: "input", unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
  return {
    ...schema,
    $id: "https://agentctl.dev/schema/agentctl.schema.json",
    title: "agentctl project file (agentctl.yaml)",
  };
}
