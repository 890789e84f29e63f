// The gateway: the public entry of the system. /api/chat goes to the agent, /api/health reports every
// service, API keys guard both when GATEWAY_API_KEYS is set. /api/v1/* are aliases of /api/*.
import { discoverServices, serviceUrl } from "../../_shared/discovery.js";
import { type Env, readInteger, readList, readServiceName, readString } from "../../_shared/env.js";
import { createLogger, parseLogLevel } from "../../_shared/log.js";
import { sendJson } from "../../_shared/respond.js";
import type { Route } from "../../_shared/router.js";
import { type App, createService } from "../../_shared/service.js";
import { apiKeyAuthorizer } from "./auth.js";
import { chatHandler } from "./chat.js";
import { aggregateHealth } from "./health.js";

/** Options of the gateway. */
export interface GatewayAppOptions {
  env?: Env;
}

/** Builds the gateway (no listening, no side effects). */
export function createApp(options: GatewayAppOptions = {}): App {
  const env = options.env ?? process.env;
  const name = readServiceName(env, "gateway");
  const agentName = readString(env, "GATEWAY_AGENT_SERVICE") ?? "agent";
  const healthTimeoutMs = readInteger(env, "GATEWAY_HEALTH_TIMEOUT_MS", 2_000, { min: 1 });
  const chat = chatHandler({
    agentName,
    agentUrl: serviceUrl(agentName, env),
    timeoutMs: readInteger(env, "GATEWAY_TIMEOUT_MS", 90_000, { min: 1 }),
  });
  const routes: Route[] = [];
  for (const prefix of ["/api", "/api/v1"]) {
    routes.push({ method: "POST", path: `${prefix}/chat`, handler: chat });
    routes.push({
      method: "GET",
      path: `${prefix}/health`,
      handler: async (context) => {
        const health = await aggregateHealth(discoverServices(env), healthTimeoutMs, context.requestId);
        sendJson(context.response, health.status === "healthy" ? 200 : 503, { service: name, ...health });
      },
    });
  }
  return createService({
    name,
    logger: createLogger(name, parseLogLevel(env.LOG_LEVEL)),
    maxBodyBytes: readInteger(env, "MAX_BODY_BYTES", 1024 * 1024, { min: 1 }),
    logProbes: env.LOG_PROBES !== "0",
    authorize: apiKeyAuthorizer(readList(env, "GATEWAY_API_KEYS")),
    routes,
  });
}
