import { describe, expect, it } from "vitest";
import { projectJsonSchema } from "../../src/project/schema.js";

describe("generated JSON Schema", () => {
  // The schema for editors is generated from the zod schema; the committed copy is locked to it, so a
  // change to the zod schema shows up as a reviewed change to schema/agentctl.schema.json
  // (update with `npx vitest run test/unit/json-schema.test.ts -u`).
  it("matches the committed schema file", async () => {
    await expect(`${JSON.stringify(projectJsonSchema(), null, 2)}\n`).toMatchFileSnapshot(
      "../../schema/agentctl.schema.json",
    );
  });

  it("describes every top-level field and forbids unknown ones", () => {
    const schema = projectJsonSchema() as {
      properties: Record<string, unknown>;
      additionalProperties: unknown;
    };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(["name", "defaults", "services", "resources", "router", "targets"]),
    );
    expect(schema.additionalProperties).toBe(false);
  });
});
