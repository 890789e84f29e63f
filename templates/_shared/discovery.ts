// Service discovery: every runtime and deploy target sets AGENTCTL_SERVICE_<NAME>_URL for each
// service; only the values differ (the local router, or http://<service>:<port> in Compose/Kubernetes).
import type { Env } from "./env.js";

/** A service found in the environment. */
export interface DiscoveredService {
  name: string;
  url: string;
}

/** The variable for a name: `tool-runner` → `AGENTCTL_SERVICE_TOOL_RUNNER_URL`. */
export function serviceVariable(name: string): string {
  return `AGENTCTL_SERVICE_${name.toUpperCase().replace(/-/g, "_")}_URL`;
}

/** The base URL of a service (no trailing slash), or undefined when it is not configured. */
export function serviceUrl(name: string, env: Env = process.env): string | undefined {
  const value = env[serviceVariable(name)]?.trim();
  return value ? value.replace(/\/+$/, "") : undefined;
}

/** Every service with a discovery variable, sorted by name (`TOOL_RUNNER` → `tool-runner`). */
export function discoverServices(env: Env = process.env): DiscoveredService[] {
  const found: DiscoveredService[] = [];
  for (const [key, value] of Object.entries(env)) {
    const match = /^AGENTCTL_SERVICE_([A-Z0-9_]+)_URL$/.exec(key);
    if (!match || !value?.trim()) continue;
    found.push({ name: match[1]!.toLowerCase().replace(/_/g, "-"), url: value.trim().replace(/\/+$/, "") });
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}
