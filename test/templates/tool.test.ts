// The tool template, bundled and run as `agentctl build` would: its contract over real HTTP (the
// shared kit's own behaviour is tested through this service in service-kit.test.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestJson, type TemplateService, templateWorld } from "../support/template-service.js";

const world = templateWorld();
let tools: TemplateService;

beforeAll(async () => {
  tools = await world.start("tool", { name: "tools" });
});
afterAll(() => world.close());

const execute = (tool_name: unknown, parameters?: unknown) =>
  requestJson(`${tools.url}/tools/execute`, { body: { tool_name, parameters } });

describe("tool template: contract", () => {
  it("lists its tools with descriptions and parameter schemas", async () => {
    const { status, body } = await requestJson(`${tools.url}/tools/list`);
    expect(status).toBe(200);
    expect(body.success).toBe(true);
    const names = body.result.tools.map((tool: { name: string }) => tool.name);
    expect(names).toEqual(["calculator", "time", "text_stats", "text_transform"]);
    const calculator = body.result.tools[0];
    expect(calculator.description).toMatch(/arithmetic/);
    expect(calculator.parameters).toMatchObject({
      type: "object",
      properties: { expression: { type: "string" } },
      required: ["expression"],
    });
  });

  it.each([
    ["2+3*4", 14],
    ["(2 + 3) * 4", 20],
    ["-2^2", -4],
    ["2^3^2", 512],
    ["2^-1", 0.5],
    ["10 % 4", 2],
    ["7 / 2", 3.5],
    ["-(3 - 5) * -1", -2],
    ["0.1 + 0.2", 0.3],
    [".5 + 2e2", 200.5],
    ["sqrt(16) + abs(-3)", 7],
    ["max(1, 5, 3) - min(4, 2)", 3],
    ["round(pi * 100) / 100", 3.14],
  ])("calculator: %s = %d", async (expression, value) => {
    const { status, body } = await execute("calculator", { expression });
    expect(status).toBe(200);
    expect(body).toEqual({
      success: true,
      result: { tool_name: "calculator", output: { expression, value } },
    });
  });

  it.each([
    ["2 +", 4, /expected a number.*found the end/],
    ["2 + * 3", 5, /expected a number.*found "\*"/],
    ["(1 + 2", 7, /expected "\)"/],
    ["1 / 0", 3, /division by zero/],
    ["2 $ 3", 3, /unexpected character "\$"/],
    ["process.exit(1)", 8, /unexpected "\."/],
    ["constructor(1)", 1, /unknown name "constructor"/],
    ["sqrt(1, 2)", 1, /sqrt takes 1 argument/],
    ["1 2", 3, /expected an operator/],
  ])("calculator rejects %j at position %d", async (expression, position, message) => {
    const { status, body } = await execute("calculator", { expression });
    expect(status).toBe(400);
    expect(body.success).toBe(false);
    expect(body.error.status).toBe(400);
    expect(body.error.message).toMatch(message);
    expect(body.error.message).toContain(`at position ${position}`);
    expect(body.error.position).toBe(position);
  });

  it("time: the current time in an IANA zone, and UTC by default", async () => {
    const before = Date.now();
    const tokyo = await execute("time", { timezone: "Asia/Tokyo" });
    expect(tokyo.status).toBe(200);
    const output = tokyo.body.result.output;
    expect(output).toMatchObject({ timezone: "Asia/Tokyo", utc_offset: "+09:00" });
    expect(output.local).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$/);
    expect(Math.abs(Date.parse(output.local) - before)).toBeLessThan(5_000);
    expect(Math.abs(Date.parse(output.iso) - before)).toBeLessThan(5_000);
    const utc = await execute("time", {});
    expect(utc.body.result.output).toMatchObject({ timezone: "UTC", utc_offset: "+00:00" });
  });

  it("time: an unknown zone is a 400 naming it", async () => {
    const { status, body } = await execute("time", { timezone: "Mars/Olympus_Mons" });
    expect(status).toBe(400);
    expect(body.error.message).toContain('unknown timezone "Mars/Olympus_Mons"');
    expect(body.error.parameter).toBe("timezone");
  });

  it("text_stats counts graphemes, words, lines and sentences", async () => {
    const text = "Hello world. How are you?\nFine 👍🏽";
    const { status, body } = await execute("text_stats", { text });
    expect(status).toBe(200);
    expect(body.result.output).toEqual({
      characters: 32,
      characters_without_spaces: 26,
      words: 6,
      lines: 2,
      sentences: 3,
      bytes: Buffer.byteLength(text),
    });
  });

  it.each([
    ["upper", "Hello Wörld", "HELLO WÖRLD"],
    ["lower", "Hello Wörld", "hello wörld"],
    ["reverse", "añb👍🏽", "👍🏽bña"],
    ["slug", "  Héllo, Wörld! Ça va?  ", "hello-world-ca-va"],
    ["title", "the QUICK brown fox", "The Quick Brown Fox"],
  ])("text_transform %s", async (operation, text, expected) => {
    const { status, body } = await execute("text_transform", { text, operation });
    expect(status).toBe(200);
    expect(body.result.output).toEqual({ operation, text: expected });
  });
});

describe("tool template: argument checks", () => {
  it.each([
    ["calculator", {}, /missing required parameter "expression"/],
    ["calculator", { expression: 42 }, /parameter "expression" must be a string, got number 42/],
    ["calculator", { expression: "1", precision: 2 }, /unknown parameter "precision"/],
    [
      "text_transform",
      { text: "x", operation: "rot13" },
      /parameter "operation" must be one of upper, lower/,
    ],
    ["text_stats", { text: null }, /missing required parameter "text"/],
  ])("%s %j → 400", async (tool, parameters, message) => {
    const { status, body } = await execute(tool, parameters);
    expect(status).toBe(400);
    expect(body.error.message).toMatch(message);
  });

  it("parameters must be an object and tool_name a string", async () => {
    const list = await execute("calculator", [1]);
    expect(list.status).toBe(400);
    expect(list.body.error.message).toMatch(/^parameters: expected a JSON object, got an array/);
    const missing = await requestJson(`${tools.url}/tools/execute`, { body: { parameters: {} } });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/^tool_name: expected a non-empty string, got nothing/);
  });

  it("an unknown tool is a 404 listing the known ones", async () => {
    const { status, body } = await execute("weather", {});
    expect(status).toBe(404);
    expect(body.error.message).toBe(
      'unknown tool "weather"; tools: calculator, time, text_stats, text_transform',
    );
    expect(body.error.tools).toEqual(["calculator", "time", "text_stats", "text_transform"]);
  });
});
