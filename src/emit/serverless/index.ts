// Serverless target (Serverless Framework, AWS Lambda): one function per HTTP service, packaged from the
// service's esbuild bundle joined with the Lambda adapter (templates/_lambda), with httpApi events for
// its routes. Services without routes are reached by the others under /_services/<name>/, a prefix the
// adapter strips (AGENTCTL_LAMBDA_STRIP_PREFIX). Secrets are ${ssm:…} references, never values.
import { identityEnvironment } from "../../project/environment.js";
import type { ResolvedProject, ResolvedService } from "../../project/resolve.js";
import type { EmitOptions, EmittedFile } from "../files.js";
import { yamlFile } from "../files.js";

/** The CloudFormation logical id of the memory table. */
export const memoryTableId = "MemoryTable";

/** The path prefix under which a service without routes is reachable. */
export function internalPrefix(service: ResolvedService): string {
  return `/_services/${service.name}`;
}

/** The handler file a function runs, relative to the output folder (bundled by `deploy`). */
export function handlerFile(service: ResolvedService): string {
  return `${service.name}/handler.mjs`;
}

/** Emits serverless.yml. */
export function emitServerless(project: ResolvedProject, options: EmitOptions = {}): EmittedFile[] {
  const settings = project.targets.serverless;
  const stage = options.env ?? settings.stage;
  // Lambda runs zip packages or ECR images only; services that are a prebuilt image elsewhere are listed
  // under custom.agentctl.notOnLambda instead of failing the whole target.
  const services = project.services.filter(
    (service) => service.replicas > 0 && service.entry && !service.image,
  );
  const skipped = project.services.filter((service) => service.replicas > 0 && !services.includes(service));
  const memory = services.find((service) => service.template === "memory");
  const functions: Record<string, unknown> = {};
  for (const service of services) functions[service.name] = lambdaFunction(project, service);
  const document = {
    service: project.name,
    frameworkVersion: "3",
    configValidationMode: "error",
    provider: {
      name: "aws",
      runtime: settings.runtime,
      region: settings.region,
      stage,
      memorySize: settings.memorySize,
      timeout: settings.timeout,
      logRetentionInDays: 14,
      // Discovery is the same for every function: set once here rather than in each function.
      environment: discoveryVariables(services),
      iam: memory
        ? {
            role: {
              statements: [
                {
                  Effect: "Allow",
                  Action: [
                    "dynamodb:DeleteItem",
                    "dynamodb:DescribeTable",
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                  ],
                  Resource: [{ "Fn::GetAtt": [memoryTableId, "Arn"] }],
                },
              ],
            },
          }
        : undefined,
    },
    package: { individually: true },
    custom:
      skipped.length > 0 ? { agentctl: { notOnLambda: skipped.map((service) => service.name) } } : undefined,
    functions,
    resources: memory
      ? {
          Resources: {
            [memoryTableId]: {
              Type: "AWS::DynamoDB::Table",
              Properties: {
                BillingMode: "PAY_PER_REQUEST",
                AttributeDefinitions: [
                  { AttributeName: "pk", AttributeType: "S" },
                  { AttributeName: "sk", AttributeType: "S" },
                ],
                KeySchema: [
                  { AttributeName: "pk", KeyType: "HASH" },
                  { AttributeName: "sk", KeyType: "RANGE" },
                ],
                PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
              },
            },
          },
        }
      : undefined,
  };
  return [yamlFile(project, "serverless.yml", [document])];
}

function lambdaFunction(project: ResolvedProject, service: ResolvedService): Record<string, unknown> {
  const routed = service.routes.length > 0;
  const environment: Record<string, unknown> = {
    ...identityEnvironment(project, service),
    NODE_OPTIONS: "--enable-source-maps",
  };
  if (!routed) environment.AGENTCTL_LAMBDA_STRIP_PREFIX = internalPrefix(service);
  if (service.template === "memory") environment.MEMORY_TABLE = { Ref: memoryTableId };
  for (const [key, value] of Object.entries(service.env)) environment[key] = value;
  for (const secret of service.secrets)
    environment[secret] = `\${ssm:/${project.name}/\${sls:stage}/${secret}}`;
  const paths = routed
    ? service.routes.flatMap(routePaths)
    : [internalPrefix(service), `${internalPrefix(service)}/{proxy+}`];
  const memorySize = service.resources.limits.memoryBytes
    ? Math.max(128, Math.round(service.resources.limits.memoryBytes / (1024 * 1024)))
    : undefined;
  return {
    handler: `${service.name}/handler.handler`,
    memorySize,
    package: { patterns: ["!**", `${service.name}/**`] },
    environment,
    events: paths.map((path) => ({ httpApi: { method: "*", path } })),
  };
}

/** Each service's URL on the shared HTTP API (internal services under their prefix). */
function discoveryVariables(services: ResolvedService[]): Record<string, unknown> {
  const environment: Record<string, unknown> = {};
  for (const service of services) {
    environment[service.discoveryVariable] = {
      "Fn::Join": [
        "",
        [
          { "Fn::GetAtt": ["HttpApi", "ApiEndpoint"] },
          service.routes.length > 0 ? "" : internalPrefix(service),
        ],
      ],
    };
  }
  return environment;
}

/** `/api` → `/api` and `/api/{proxy+}`; `/` → the catch-all route. */
function routePaths(route: string): string[] {
  const trimmed = route.replace(/\/+$/, "");
  if (trimmed === "") return ["*"];
  return [trimmed, `${trimmed}/{proxy+}`];
}
