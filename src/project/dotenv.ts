// The project's `.env` file: values for `${VAR}` interpolation and for secrets. The environment wins
// over the file, as in Compose. Parsing uses Node's own util.parseEnv (Node >= 20.12).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnv } from "node:util";

/** Reads `<root>/.env` if present; an absent file is an empty map. */
export function readDotenv(root: string): Record<string, string> {
  const file = join(root, ".env");
  if (!existsSync(file)) return {};
  return parseEnv(readFileSync(file, "utf8")) as Record<string, string>;
}

/** The variables interpolation and secrets see: `.env` overlaid by the process environment. */
export function projectVariables(
  root: string,
  environment: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const merged: Record<string, string> = { ...readDotenv(root) };
  for (const [key, value] of Object.entries(environment)) if (value !== undefined) merged[key] = value;
  return merged;
}
