// The tools the language model may call: the tools service's GET /tools/list, turned into the
// OpenAI-compatible `tools` array (`{type: "function", function: {name, description, parameters}}`)
// and cached for a short while. A missing or failing tools service is not an agent failure: the model
// is then asked without tools and a warning is logged.
import { callService } from "../../_shared/fetch-json.js";
import type { Logger } from "../../_shared/log.js";

/** One entry of the `tools` array of a chat completions request. */
export interface FunctionTool {
  type: "function";
  function: { name: string; description: string; parameters: JsonSchemaObject };
}

/** The JSON Schema of a tool's arguments: always an object. */
export interface JsonSchemaObject {
  type: "object";
  properties: Record<string, Record<string, unknown>>;
  required: string[];
  additionalProperties: false;
}

/** Where the model's tools come from. */
export interface ToolCatalogue {
  /** The tools to offer now ([] when there is no tools service or it cannot be reached). */
  list(requestId: string): Promise<FunctionTool[]>;
}

/** How long a failed /tools/list is remembered at most, so a tools service that starts late is found. */
const failureMemoryMs = 2_000;

/** A catalogue over the tools service at `baseUrl` (undefined: no tools), cached for `cacheMs`. */
export function createToolCatalogue(options: {
  baseUrl: string | undefined;
  timeoutMs: number;
  cacheMs: number;
  logger: Logger;
}): ToolCatalogue {
  const { baseUrl, timeoutMs, cacheMs, logger } = options;
  let cached: { tools: FunctionTool[]; until: number } | undefined;
  let pending: Promise<FunctionTool[]> | undefined;
  const load = async (requestId: string): Promise<FunctionTool[]> => {
    const url = `${baseUrl}/tools/list`;
    try {
      const answer = await callService<{ tools?: unknown }>(url, { timeoutMs, requestId });
      const tools = functionTools(answer?.tools, (problem) =>
        logger.warn("tool not offered to the model", { url, problem }),
      );
      cached = { tools, until: Date.now() + cacheMs };
      return tools;
    } catch (error) {
      logger.warn("tools service unavailable: asking the model without tools", {
        url,
        error: (error as Error).message,
        requestId,
      });
      cached = { tools: [], until: Date.now() + Math.min(cacheMs, failureMemoryMs) };
      return [];
    }
  };
  return {
    async list(requestId) {
      if (!baseUrl) return [];
      if (cached && Date.now() < cached.until) return cached.tools;
      pending ??= load(requestId).finally(() => {
        pending = undefined;
      });
      return pending;
    },
  };
}

// OpenAI's rule for function names; other endpoints accept at least these.
const namePattern = /^[a-zA-Z0-9_-]{1,64}$/;
// The JSON Schema keywords a parameter may carry over to the model; anything else stays behind.
const parameterKeywords = [
  "type",
  "description",
  "enum",
  "default",
  "minLength",
  "maxLength",
  "pattern",
  "format",
  "minimum",
  "maximum",
  "items",
] as const;

/** The `tools` array for a /tools/list answer; entries that cannot be offered are reported and skipped. */
export function functionTools(list: unknown, skipped: (problem: string) => void = () => {}): FunctionTool[] {
  if (!Array.isArray(list)) {
    skipped("the answer has no tools array");
    return [];
  }
  const tools: FunctionTool[] = [];
  for (const entry of list) {
    const spec = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
    const name = spec.name;
    if (typeof name !== "string" || !namePattern.test(name)) {
      skipped(`name ${JSON.stringify(name)} is not 1-64 letters, digits, "_" or "-"`);
      continue;
    }
    tools.push({
      type: "function",
      function: {
        name,
        description: typeof spec.description === "string" ? spec.description : "",
        parameters: parametersSchema(spec.parameters),
      },
    });
  }
  return tools;
}

/** A tool's parameter spec (`{properties: {name: {type, description, …}}, required}`) as JSON Schema. */
export function parametersSchema(spec: unknown): JsonSchemaObject {
  const source = (typeof spec === "object" && spec !== null ? spec : {}) as {
    properties?: unknown;
    required?: unknown;
  };
  const properties: Record<string, Record<string, unknown>> = {};
  if (typeof source.properties === "object" && source.properties !== null) {
    for (const [name, value] of Object.entries(source.properties)) {
      if (typeof value !== "object" || value === null || name === "__proto__") continue;
      const property: Record<string, unknown> = {};
      for (const keyword of parameterKeywords) {
        const given = (value as Record<string, unknown>)[keyword];
        if (given !== undefined) property[keyword] = given;
      }
      properties[name] = property;
    }
  }
  const required = Array.isArray(source.required)
    ? source.required.filter(
        (name): name is string => typeof name === "string" && Object.hasOwn(properties, name),
      )
    : [];
  // The tools service rejects parameters it does not know, so the model is told the same.
  return { type: "object", properties, required, additionalProperties: false };
}
