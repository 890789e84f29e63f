// Checks a tool call's arguments against the tool's parameter schema before the tool runs, so every
// tool gets the same precise 400s: which parameter, what was expected, what was found.
import { badRequest } from "../../_shared/errors.js";
import { describeType } from "../../_shared/validate.js";
import type { ParametersSchema } from "./tool.js";

/** The arguments as a checked object, or a 400 naming the first bad parameter. */
export function checkArguments(
  toolName: string,
  schema: ParametersSchema,
  given: unknown,
): Record<string, unknown> {
  const args = given ?? {};
  if (typeof args !== "object" || Array.isArray(args)) {
    throw badRequest(`parameters: expected a JSON object, got ${describeType(args)}`);
  }
  const values = args as Record<string, unknown>;
  for (const name of schema.required) {
    if (values[name] === undefined || values[name] === null) {
      throw badRequest(`${toolName}: missing required parameter "${name}"`, { parameter: name });
    }
  }
  for (const [name, value] of Object.entries(values)) {
    const property = schema.properties[name];
    if (!property) {
      const known = Object.keys(schema.properties).join(", ");
      throw badRequest(`${toolName}: unknown parameter "${name}" (parameters: ${known})`, {
        parameter: name,
      });
    }
    if (value === undefined || value === null) continue;
    const problem =
      mismatch(property.type, value) ??
      (property.enum && !property.enum.includes(value as string)
        ? `one of ${property.enum.join(", ")}, got ${describeType(value)}`
        : undefined) ??
      (property.maxLength !== undefined && typeof value === "string" && value.length > property.maxLength
        ? `at most ${property.maxLength} characters, got ${value.length}`
        : undefined);
    if (problem) throw badRequest(`${toolName}: parameter "${name}" must be ${problem}`, { parameter: name });
  }
  return values;
}

function mismatch(type: string, value: unknown): string | undefined {
  const ok =
    type === "integer"
      ? Number.isInteger(value)
      : type === "number"
        ? typeof value === "number" && Number.isFinite(value)
        : typeof value === type;
  return ok ? undefined : `a${type === "integer" ? "n" : ""} ${type}, got ${describeType(value)}`;
}
