// The agent service: POST /agent/process, with conversation memory and tools from other services.
import { type Env, readInteger } from "../../_shared/env.js";
import { createLogger, parseLogLevel } from "../../_shared/log.js";
import { type App, createService } from "../../_shared/service.js";
import { builtinResponder } from "./builtin.js";
import { readAgentConfig } from "./config.js";
import { inProcessConversations, memoryServiceConversations } from "./conversation.js";
import { llmResponder } from "./llm.js";
import { processHandler } from "./process.js";
import { createToolCatalogue } from "./tool-catalogue.js";
import { createToolRunner } from "./tools-client.js";

/** Options of the agent service. */
export interface AgentAppOptions {
  env?: Env;
}

/** Builds the agent service (no listening, no side effects). */
export function createApp(options: AgentAppOptions = {}): App {
  const env = options.env ?? process.env;
  const config = readAgentConfig(env);
  const logger = createLogger(config.name, parseLogLevel(env.LOG_LEVEL));
  const runTool = createToolRunner(config.toolsUrl, config.callTimeoutMs);
  const responder = config.llm
    ? llmResponder(config.llm, {
        catalogue: createToolCatalogue({
          baseUrl: config.toolsUrl,
          timeoutMs: config.callTimeoutMs,
          cacheMs: config.llm.toolsCacheMs,
          logger,
        }),
        runTool,
        logger,
      })
    : builtinResponder(runTool, config.streamDelayMs);
  const conversations = config.memoryUrl
    ? memoryServiceConversations(config.memoryUrl, config.callTimeoutMs)
    : inProcessConversations();
  logger.info("configured", {
    responder: responder.kind,
    model: config.llm?.model,
    conversations: conversations.kind,
    tools: config.toolsUrl ?? null,
  });
  if (config.llm && !config.toolsUrl) {
    logger.warn(
      "no tools service is configured (AGENTCTL_SERVICE_TOOLS_URL is not set): the model gets no tools",
    );
  }
  return createService({
    name: config.name,
    logger,
    maxBodyBytes: readInteger(env, "MAX_BODY_BYTES", 1024 * 1024, { min: 1 }),
    logProbes: env.LOG_PROBES !== "0",
    routes: [
      {
        method: "POST",
        path: "/agent/process",
        handler: processHandler({ responder, conversations, historyTurns: config.historyTurns, logger }),
      },
    ],
  });
}
