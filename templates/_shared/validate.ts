// Checks for request bodies whose messages name the field and what was found, so a client can fix
// its request from the 400 alone.
import { badRequest } from "./errors.js";

/** A short description of a JSON value's type, for messages. */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)}`.slice(0, 60);
}

/** The body as an object, or a 400. */
export function expectObject(value: unknown, what = "request body"): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw badRequest(`${what}: expected a JSON object, got ${describeType(value)}`);
  }
  return value as Record<string, unknown>;
}

/** A required non-empty string field, or a 400 naming it. */
export function requiredString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== "string" || value.trim() === "") {
    throw badRequest(
      `${field}: expected a non-empty string, got ${value === undefined ? "nothing" : describeType(value)}`,
      { field },
    );
  }
  return value;
}

/** An optional string field (absent or null → undefined), or a 400 naming it. */
export function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") {
    throw badRequest(`${field}: expected a string, got ${describeType(value)}`, { field });
  }
  return value;
}
