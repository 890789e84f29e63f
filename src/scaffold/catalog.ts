// What each template contributes to agentctl.yaml when it is scaffolded as a service.
import type { TemplateName } from "../project/schema.js";

/** The services `agentctl init` creates, in order, with the template each comes from. */
export const initialServices: { name: string; template: TemplateName }[] = [
  { name: "memory", template: "memory" },
  { name: "tools", template: "tool" },
  { name: "agent", template: "agent" },
  { name: "gateway", template: "gateway" },
];

/** The agentctl.yaml entry of a service made from a template (paths relative to the project root). */
export function serviceEntry(
  template: TemplateName,
  name: string,
  existing: readonly string[] = [],
): Record<string, unknown> {
  const path = `services/${name}`;
  const base: Record<string, unknown> = { template, path, entry: `${path}/src/index.ts` };
  const present = (service: string) => existing.includes(service);
  switch (template) {
    case "agent":
      return {
        ...base,
        dependsOn: ["memory", "tools"].filter(present),
        env: { LLM_BASE_URL: "${LLM_BASE_URL:-}", LLM_MODEL: "${LLM_MODEL:-gpt-4o-mini}" },
        secrets: ["LLM_API_KEY"],
      };
    case "gateway":
      return {
        ...base,
        dependsOn: ["agent"].filter(present),
        routes: ["/api"],
        secrets: ["GATEWAY_API_KEYS"],
      };
    case "memory":
      return { ...base, env: { MEMORY_DIR: ".data/memory" } };
    case "worker":
      return { ...base, subscribe: ["events"] };
    case "tool":
      return base;
  }
}
