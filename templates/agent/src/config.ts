// The agent's settings, read once from the environment at start-up.
import { serviceUrl } from "../../_shared/discovery.js";
import { type Env, readInteger, readServiceName, readString } from "../../_shared/env.js";
import type { LlmConfig } from "./llm.js";

/** Everything the agent reads from its environment. */
export interface AgentConfig {
  name: string;
  /** Base URL of the memory service; undefined keeps conversations in this process. */
  memoryUrl: string | undefined;
  /** Base URL of the tools service; undefined means no tools. */
  toolsUrl: string | undefined;
  /** Set when LLM_BASE_URL is: answers come from an OpenAI-compatible endpoint. */
  llm: LlmConfig | undefined;
  /** Pause between streamed words of the built-in responder. */
  streamDelayMs: number;
  /** Timeout of each call to memory and tools. */
  callTimeoutMs: number;
  /** Messages of history kept per conversation. */
  historyTurns: number;
}

/** Reads the agent's configuration; throws a message naming the variable when one is malformed. */
export function readAgentConfig(env: Env): AgentConfig {
  const baseUrl = readString(env, "LLM_BASE_URL");
  return {
    name: readServiceName(env, "agent"),
    memoryUrl: serviceUrl(readString(env, "AGENT_MEMORY_SERVICE") ?? "memory", env),
    toolsUrl: serviceUrl(readString(env, "AGENT_TOOLS_SERVICE") ?? "tools", env),
    llm: baseUrl
      ? {
          baseUrl: baseUrl.replace(/\/+$/, ""),
          apiKey: readString(env, "LLM_API_KEY"),
          model: readString(env, "LLM_MODEL") ?? "gpt-4o-mini",
          timeoutMs: readInteger(env, "LLM_TIMEOUT_MS", 60_000, { min: 1 }),
          maxToolRounds: readInteger(env, "LLM_MAX_TOOL_ROUNDS", 4, { max: 50 }),
          toolsCacheMs: readInteger(env, "LLM_TOOLS_CACHE_MS", 10_000),
        }
      : undefined,
    streamDelayMs: readInteger(env, "AGENT_STREAM_DELAY_MS", 20, { max: 10_000 }),
    callTimeoutMs: readInteger(env, "AGENT_CALL_TIMEOUT_MS", 5_000, { min: 1 }),
    historyTurns: readInteger(env, "AGENT_HISTORY_TURNS", 20, { min: 2, max: 1_000 }),
  };
}
