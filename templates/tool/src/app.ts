// The tool service: lists its tools with their parameter schemas and runs them on request.

import { type Env, readInteger, readServiceName } from "../../_shared/env.js";
import { notFound } from "../../_shared/errors.js";
import { createLogger, parseLogLevel } from "../../_shared/log.js";
import { type App, createService } from "../../_shared/service.js";
import { expectObject, requiredString } from "../../_shared/validate.js";
import { checkArguments } from "./arguments.js";
import type { Tool } from "./tool.js";
import { builtinTools } from "./tools.js";

/** Options of the tool service. */
export interface ToolAppOptions {
  env?: Env;
  tools?: readonly Tool[];
}

/** Builds the tool service (no listening, no side effects). */
export function createApp(options: ToolAppOptions = {}): App {
  const env = options.env ?? process.env;
  const name = readServiceName(env, "tools");
  const tools = options.tools ?? builtinTools;
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  return createService({
    name,
    logger: createLogger(name, parseLogLevel(env.LOG_LEVEL)),
    maxBodyBytes: readInteger(env, "MAX_BODY_BYTES", 1024 * 1024, { min: 1 }),
    logProbes: env.LOG_PROBES !== "0",
    routes: [
      {
        method: "GET",
        path: "/tools/list",
        handler: () => ({
          tools: tools.map(({ name, description, parameters }) => ({ name, description, parameters })),
        }),
      },
      {
        method: "POST",
        path: "/tools/execute",
        handler: async (context) => {
          const body = expectObject(await context.body());
          const toolName = requiredString(body, "tool_name");
          const tool = byName.get(toolName);
          if (!tool) {
            const known = [...byName.keys()];
            throw notFound(`unknown tool "${toolName}"; tools: ${known.join(", ")}`, { tools: known });
          }
          const args = checkArguments(tool.name, tool.parameters, body.parameters);
          return { tool_name: tool.name, output: await tool.run(args) };
        },
      },
    ],
  });
}
