// Reading configuration from environment variables with messages that say what was expected, so a
// typo in agentctl.yaml fails at start-up instead of at the first request.

/** The environment a service reads (process.env, or a plain object in tests). */
export type Env = Readonly<Record<string, string | undefined>>;

/** A whole number from `name`, or `fallback` when unset or empty. */
export function readInteger(
  env: Env,
  name: string,
  fallback: number,
  limits: { min?: number; max?: number } = {},
): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  const min = limits.min ?? 0;
  const max = limits.max ?? Number.MAX_SAFE_INTEGER;
  if (!/^-?\d+$/.test(raw) || value < min || value > max) {
    throw new Error(`${name} must be a whole number between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

/** A comma-separated list from `name`, trimmed, without empty items. */
export function readList(env: Env, name: string): string[] {
  return (env[name] ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/** A non-empty string from `name`, or undefined. */
export function readString(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

/** The service's name: AGENTCTL_SERVICE (set by every runtime and deploy target), or `fallback`. */
export function readServiceName(env: Env, fallback: string): string {
  return readString(env, "AGENTCTL_SERVICE") ?? fallback;
}
