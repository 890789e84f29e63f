// The worker: handles events of the topics it subscribes to (SUBSCRIBE, comma-separated; "*" for
// all), delivered as POST /events/{topic}, and reports what it received at GET /events/stats.
// Delivery itself (the embedded broker pushing to this endpoint) is wired by agentctl's events work;
// until then anything can POST events here, e.g. `agentctl call <worker> /events/<topic>`.
import { randomUUID } from "node:crypto";
import { type Env, readInteger, readList, readServiceName } from "../../_shared/env.js";
import { badRequest, notFound } from "../../_shared/errors.js";
import { createLogger, parseLogLevel } from "../../_shared/log.js";
import { type App, createService } from "../../_shared/service.js";
import { expectObject } from "../../_shared/validate.js";
import { EventLedger } from "./events.js";
import { handleEvent } from "./handler.js";

/** Options of the worker. */
export interface WorkerAppOptions {
  env?: Env;
}

const topicPattern = /^[A-Za-z0-9._-]{1,128}$/;

/** Builds the worker (no listening, no side effects). */
export function createApp(options: WorkerAppOptions = {}): App {
  const env = options.env ?? process.env;
  const name = readServiceName(env, "worker");
  const logger = createLogger(name, parseLogLevel(env.LOG_LEVEL));
  const subscriptions = readList(env, "SUBSCRIBE");
  const everything = subscriptions.includes("*");
  const ledger = new EventLedger();
  if (subscriptions.length === 0)
    logger.warn("subscribed to no topics; set SUBSCRIBE (comma-separated, or *)");
  return createService({
    name,
    logger,
    maxBodyBytes: readInteger(env, "MAX_BODY_BYTES", 1024 * 1024, { min: 1 }),
    logProbes: env.LOG_PROBES !== "0",
    routes: [
      { method: "GET", path: "/events/stats", handler: () => ledger.snapshot(subscriptions) },
      {
        method: "POST",
        path: "/events/{topic}",
        handler: async (context) => {
          const topic = context.params.topic ?? "";
          if (!topicPattern.test(topic)) throw badRequest(`topic "${topic}" is not a valid topic name`);
          if (!everything && !subscriptions.includes(topic)) {
            const list = subscriptions.length > 0 ? subscriptions.join(", ") : "none (set SUBSCRIBE)";
            throw notFound(`not subscribed to "${topic}"; subscribed topics: ${list}`, { subscriptions });
          }
          const payload = expectObject(await context.body(), "event");
          const id = typeof payload.id === "string" && payload.id !== "" ? payload.id : randomUUID();
          if (!ledger.claim(topic, id)) return { topic, id, duplicate: true };
          try {
            const handled = await handleEvent({ topic, id, payload }, logger);
            ledger.handled(topic, id);
            return { topic, id, duplicate: false, handled };
          } catch (error) {
            ledger.failed(topic, id);
            throw error;
          }
        },
      },
    ],
  });
}
