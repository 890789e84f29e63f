// Turns zod issues into diagnostics a person can act on: field path, position, expected vs found,
// and "did you mean" for unknown keys (the known keys are read from the schema itself).
import type { z } from "zod";
import type { Diagnostic, SourceLocation } from "../errors.js";
import { closestName, describeValue } from "./describe.js";
import { projectSchema } from "./schema.js";

type PathSegment = string | number;
type Locate = (path: readonly PathSegment[], options?: { key?: boolean }) => SourceLocation | undefined;

/** Dotted form of a field path: `services.agent.replicas`, `services.agent.routes[0]`. */
export function formatPath(path: readonly PathSegment[]): string {
  return path
    .map((segment, index) =>
      typeof segment === "number" ? `[${segment}]` : `${index === 0 ? "" : "."}${segment}`,
    )
    .join("");
}

/** Converts every zod issue into one or more diagnostics. */
export function diagnosticsFromIssues(issues: readonly z.core.$ZodIssue[], locate: Locate): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((p): p is PathSegment => typeof p !== "symbol");
    if (issue.code === "unrecognized_keys") {
      const known = knownKeysAt(path);
      for (const key of issue.keys) {
        const suggestion = closestName(key, known);
        const hint = suggestion ? `; did you mean "${suggestion}"?` : `; known fields: ${known.join(", ")}`;
        diagnostics.push({
          severity: "error",
          path: formatPath([...path, key]),
          message: `unknown field "${key}"${hint}`,
          location: locate([...path, key], { key: true }),
        });
      }
      continue;
    }
    diagnostics.push({
      severity: "error",
      path: formatPath(path),
      message: messageOf(issue),
      location: locate(path),
    });
  }
  return diagnostics;
}

function messageOf(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  if (issue.message.startsWith("Invalid input: expected")) {
    const expected = "expected" in issue ? String(issue.expected) : "another value";
    return `expected ${article(expected)}, got ${describeValue(input)}`;
  }
  if (issue.code === "invalid_union" && issue.message === "Invalid input") {
    return `unexpected value ${describeValue(input)}`;
  }
  return issue.message;
}

function article(type: string): string {
  if (type === "object" || type === "record") return "a map";
  if (type === "array") return "a list";
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

interface SchemaDef {
  type: string;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  valueType?: unknown;
  element?: unknown;
  in?: unknown;
}

function defOf(schema: unknown): SchemaDef | undefined {
  return (schema as { _zod?: { def?: SchemaDef } } | undefined)?._zod?.def;
}

function unwrap(schema: unknown): unknown {
  let current = schema;
  for (let def = defOf(current); def; def = defOf(current)) {
    if (def.innerType) current = def.innerType;
    else if (def.type === "pipe" && def.in) current = def.in;
    else break;
  }
  return current;
}

/** The field names the schema allows at a path, for suggestions. */
export function knownKeysAt(path: readonly PathSegment[]): string[] {
  let schema: unknown = projectSchema;
  for (const segment of path) {
    const def = defOf(unwrap(schema));
    if (!def) return [];
    if (def.type === "object" && def.shape) schema = def.shape[String(segment)];
    else if (def.type === "record") schema = def.valueType;
    else if (def.type === "array") schema = def.element;
    else return [];
  }
  const def = defOf(unwrap(schema));
  return def?.type === "object" && def.shape ? Object.keys(def.shape) : [];
}
