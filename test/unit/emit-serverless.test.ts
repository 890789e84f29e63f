// serverless.yml specifics: one function per bundled service, httpApi events from routes (internal
// services under /_services/<name>), secrets as SSM references only, the memory table and the only
// IAM statement it needs.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { emitServerless } from "../../src/emit/serverless/index.js";
import { loadFixture } from "../support/deploy-fixtures.js";

function emitted(fixture: string, env?: string) {
  const [file] = emitServerless(loadFixture(fixture), { env });
  return { text: file!.contents, config: parse(file!.contents) };
}

describe("serverless output", () => {
  it("routes each service: its routes, or its internal prefix that the adapter strips", () => {
    const { config } = emitted("deploy-rich");
    expect(Object.keys(config.functions)).toEqual(["memory", "catalog", "agent", "gateway"]);
    expect(config.custom).toEqual({ agentctl: { notOnLambda: ["admin"] } });
    expect(config.functions.gateway.events).toEqual([
      { httpApi: { method: "*", path: "/api" } },
      { httpApi: { method: "*", path: "/api/{proxy+}" } },
    ]);
    expect(config.functions.gateway.environment.AGENTCTL_LAMBDA_STRIP_PREFIX).toBeUndefined();
    expect(config.functions.catalog.events[1]).toEqual({
      httpApi: { method: "*", path: "/_services/catalog/{proxy+}" },
    });
    expect(config.functions.catalog.environment.AGENTCTL_LAMBDA_STRIP_PREFIX).toBe("/_services/catalog");
    expect(config.provider.environment.AGENTCTL_SERVICE_CATALOG_URL).toEqual({
      "Fn::Join": ["", [{ "Fn::GetAtt": ["HttpApi", "ApiEndpoint"] }, "/_services/catalog"]],
    });
    expect(config.functions.gateway.package.patterns).toEqual(["!**", "gateway/**"]);
    expect(config.functions.gateway.handler).toBe("gateway/handler.handler");
  });

  it("passes secrets as SSM references under the project and stage, never values", () => {
    const { config } = emitted("deploy-rich");
    expect(config.functions.agent.environment.LLM_API_KEY).toBe(
      "${ssm:/shop-assistant/${sls:stage}/LLM_API_KEY}",
    );
    expect(config.functions.catalog.environment.CATALOG_DB_TOKEN).toBe(
      "${ssm:/shop-assistant/${sls:stage}/CATALOG_DB_TOKEN}",
    );
  });

  it("takes runtime, memory and timeout from the config, and the stage from --env", () => {
    const { config } = emitted("deploy-rich", "prod");
    expect(config.provider).toMatchObject({
      runtime: "nodejs20.x",
      region: "eu-west-1",
      stage: "prod",
      memorySize: 1024,
      timeout: 25,
    });
    expect(config.functions.agent.memorySize).toBe(512);
    expect(config.functions.memory.memorySize).toBe(128);
    expect(config.frameworkVersion).toBe("3");
    expect(config.configValidationMode).toBe("error");
  });

  it("gives the memory service a DynamoDB table and grants only item access on it", () => {
    const { config } = emitted("deploy-demo");
    expect(config.functions.memory.environment.MEMORY_TABLE).toEqual({ Ref: "MemoryTable" });
    expect(config.resources.Resources.MemoryTable.Type).toBe("AWS::DynamoDB::Table");
    expect(config.provider.iam.role.statements).toEqual([
      {
        Effect: "Allow",
        Action: ["dynamodb:DeleteItem", "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem"],
        Resource: [{ "Fn::GetAtt": ["MemoryTable", "Arn"] }],
      },
    ]);
  });
});
