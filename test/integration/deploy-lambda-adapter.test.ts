// The Lambda adapter with real API Gateway v2 (HTTP API, payload 2.0) event shapes — GET with a query,
// POST with a JSON body, a base64 body, cookies — against a real handler, then the handler `deploy`
// bundles for the serverless target (tool template + adapter in one file), imported and invoked.

import { mkdtempSync, rmSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { deploy } from "../../src/api/deploy.js";
import { loadProjectOrThrow } from "../../src/project/load.js";
import { type ApiGatewayV2Event, appPath, createLambdaHandler } from "../../templates/_lambda/adapter.js";
import { materializeFixture } from "../support/deploy-fixtures.js";

const temp = mkdtempSync(join(tmpdir(), "agentctl-lambda-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** An event as API Gateway sends it (fields as in the AWS documentation's payload 2.0 example). */
function event(method: string, rawPath: string, extra: Partial<ApiGatewayV2Event> = {}): ApiGatewayV2Event {
  return {
    version: "2.0",
    routeKey: `${method} ${rawPath}`,
    rawPath,
    rawQueryString: "",
    headers: {
      accept: "*/*",
      host: "abc123.execute-api.eu-west-1.amazonaws.com",
      "user-agent": "curl/8.5.0",
      "x-forwarded-proto": "https",
    },
    requestContext: {
      accountId: "123456789012",
      apiId: "abc123",
      domainName: "abc123.execute-api.eu-west-1.amazonaws.com",
      http: { method, path: rawPath, protocol: "HTTP/1.1", sourceIp: "203.0.113.7", userAgent: "curl/8.5.0" },
      requestId: "JKJaXmPLvHcESHA=",
      stage: "$default",
      time: "24/Nov/2026:10:00:00 +0000",
      timeEpoch: 1795600800000,
    },
    isBase64Encoded: false,
    ...extra,
  } as ApiGatewayV2Event;
}

// A real handler that reports what it received and answers with cookies or binary when asked.
async function echo(request: IncomingMessage, response: ServerResponse) {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  if (request.url === "/binary") {
    response.writeHead(200, { "content-type": "application/octet-stream" });
    response.end(Buffer.from([0, 1, 2, 255]));
    return;
  }
  response.setHeader("set-cookie", ["session=abc; HttpOnly", "theme=dark"]);
  response.writeHead(201, { "content-type": "application/json", "x-echo": "1" });
  response.end(
    JSON.stringify({
      method: request.method,
      url: request.url,
      cookie: request.headers.cookie,
      contentType: request.headers["content-type"],
      requestId: request.headers["x-request-id"],
      bodyHex: body.toString("hex"),
    }),
  );
}

describe("Lambda adapter", () => {
  const handler = createLambdaHandler({ handle: echo });

  it("passes a GET with a query string and cookies, and returns Set-Cookie as cookies", async () => {
    const result = await handler(
      event("GET", "/api/items", { rawQueryString: "q=red%20shoes&page=2", cookies: ["a=1", "b=2"] }),
    );
    expect(result.statusCode).toBe(201);
    expect(result.isBase64Encoded).toBe(false);
    expect(result.cookies).toEqual(["session=abc; HttpOnly", "theme=dark"]);
    expect(result.headers["x-echo"]).toBe("1");
    expect(JSON.parse(result.body)).toMatchObject({
      method: "GET",
      url: "/api/items?q=red%20shoes&page=2",
      cookie: "a=1; b=2",
      requestId: "JKJaXmPLvHcESHA=",
      bodyHex: "",
    });
  });

  it("passes a POST with a JSON body", async () => {
    const body = JSON.stringify({ user_id: "u1", message: "héllo" });
    const result = await handler(
      event("POST", "/api/chat", {
        body,
        headers: { "content-type": "application/json", "content-length": "999" },
      }),
    );
    const seen = JSON.parse(result.body);
    expect(seen.method).toBe("POST");
    expect(seen.contentType).toBe("application/json");
    expect(Buffer.from(seen.bodyHex, "hex").toString("utf8")).toBe(body);
  });

  it("decodes a base64 body and encodes a binary answer", async () => {
    const bytes = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00]);
    const posted = await handler(
      event("PUT", "/upload", { body: bytes.toString("base64"), isBase64Encoded: true }),
    );
    expect(JSON.parse(posted.body).bodyHex).toBe("deadbeef00");
    const binary = await handler(event("GET", "/binary"));
    expect(binary.isBase64Encoded).toBe(true);
    expect(Buffer.from(binary.body, "base64")).toEqual(Buffer.from([0, 1, 2, 255]));
  });

  it("strips the /_services/<name> prefix of internal services", async () => {
    expect(appPath("/_services/tools/tools/list", "/_services/tools")).toBe("/tools/list");
    expect(appPath("/_services/tools", "/_services/tools")).toBe("/");
    expect(appPath("/api/chat", undefined)).toBe("/api/chat");
    const internal = createLambdaHandler({ handle: echo }, { stripPrefix: "/_services/tools" });
    const result = await internal(event("GET", "/_services/tools/tools/list", { rawQueryString: "x=1" }));
    expect(JSON.parse(result.body).url).toBe("/tools/list?x=1");
  });
});

describe("serverless packaging", () => {
  it("bundles each service with the adapter into a handler that answers API Gateway events", async () => {
    const file = materializeFixture("deploy-demo", join(temp, "project"));
    const project = loadProjectOrThrow({ file, env: {} });
    const out = join(temp, "serverless");
    await deploy(project, { target: "serverless", out });
    const tools = (await import(pathToFileURL(join(out, "tools", "handler.mjs")).href)) as {
      handler: (event: ApiGatewayV2Event) => Promise<{ statusCode: number; body: string }>;
    };
    const result = await tools.handler(
      event("POST", "/tools/execute", {
        body: JSON.stringify({ tool_name: "calculator", parameters: { expression: "6*7" } }),
        headers: { "content-type": "application/json" },
      }),
    );
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body).result).toMatchObject({ tool_name: "calculator", output: { value: 42 } });
  }, 60_000);
});
