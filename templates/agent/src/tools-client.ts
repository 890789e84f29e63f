// Calls to the tools service. A failed call is not an agent failure: it becomes a ToolCall with an
// error, which the reply then explains.

import { HttpError } from "../../_shared/errors.js";
import { callService } from "../../_shared/fetch-json.js";
import type { ToolCall } from "./types.js";

/** Runs one tool and records what happened. */
export type ToolRunner = (
  tool: string,
  parameters: Record<string, unknown>,
  requestId: string,
  signal?: AbortSignal,
) => Promise<ToolCall>;

/** A runner over the tools service at `baseUrl`, or one that explains that none is configured. */
export function createToolRunner(baseUrl: string | undefined, timeoutMs: number): ToolRunner {
  return async (tool, parameters, requestId, signal) => {
    if (!baseUrl) {
      return {
        tool,
        parameters,
        error: {
          status: 503,
          message: "no tools service is configured (AGENTCTL_SERVICE_TOOLS_URL is not set)",
        },
      };
    }
    try {
      const answer = await callService<{ output: unknown }>(`${baseUrl}/tools/execute`, {
        body: { tool_name: tool, parameters },
        timeoutMs,
        requestId,
        signal,
      });
      return { tool, parameters, result: answer.output };
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 500;
      return { tool, parameters, error: { status, message: (error as Error).message } };
    }
  };
}
