// The memory service: JSON values under keys, per user. A user is named by `user_id` in the body,
// `?user_id=` or the X-User-Id header (in that order); without one, keys live in a shared namespace.
import { type Env, readInteger, readServiceName } from "../../_shared/env.js";
import { badRequest, HttpError, notFound } from "../../_shared/errors.js";
import { createLogger, parseLogLevel } from "../../_shared/log.js";
import type { RequestContext } from "../../_shared/router.js";
import { type App, createService } from "../../_shared/service.js";
import { describeType, expectObject, optionalString, requiredString } from "../../_shared/validate.js";
import { createStore, type MemoryStore } from "./store.js";

/** Options of the memory service. */
export interface MemoryAppOptions {
  env?: Env;
  /** A store to use instead of the one the environment selects. */
  store?: MemoryStore;
}

const maxKeyLength = 512;
const maxUserLength = 256;

/** Builds the memory service (the store connects or creates its folder on first use). */
export function createApp(options: MemoryAppOptions = {}): App {
  const env = options.env ?? process.env;
  const name = readServiceName(env, "memory");
  const store = options.store ?? createStore(env);
  const guarded = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw new HttpError(503, `the ${store.kind} store failed: ${(error as Error).message}`);
    }
  };
  return createService({
    name,
    logger: createLogger(name, parseLogLevel(env.LOG_LEVEL)),
    maxBodyBytes: readInteger(env, "MAX_BODY_BYTES", 1024 * 1024, { min: 1 }),
    logProbes: env.LOG_PROBES !== "0",
    isReady: () => store.ping(),
    onClose: () => store.close(),
    routes: [
      {
        method: "POST",
        path: "/memory/store",
        handler: async (context) => {
          const body = expectObject(await context.body());
          const key = checkKey(requiredString(body, "key"));
          if (!("value" in body)) throw badRequest("value: required (any JSON value)", { field: "value" });
          const user = userOf(context, optionalString(body, "user_id"));
          const updated_at = new Date().toISOString();
          await guarded(() => store.set(user, key, { value: body.value, updated_at }));
          return { key, user_id: user || null, stored: true, updated_at };
        },
      },
      {
        method: "GET",
        path: "/memory/retrieve/{key}",
        handler: async (context) => {
          const key = checkKey(context.params.key ?? "");
          const user = userOf(context);
          const record = await guarded(() => store.get(user, key));
          if (!record) throw notFound(`no value stored under "${key}"${user ? ` for user "${user}"` : ""}`);
          return { key, user_id: user || null, value: record.value, updated_at: record.updated_at };
        },
      },
      {
        method: "DELETE",
        path: "/memory/delete/{key}",
        handler: async (context) => {
          const key = checkKey(context.params.key ?? "");
          const user = userOf(context);
          const deleted = await guarded(() => store.delete(user, key));
          if (!deleted) throw notFound(`no value stored under "${key}"${user ? ` for user "${user}"` : ""}`);
          return { key, user_id: user || null, deleted: true };
        },
      },
    ],
  });
}

function checkKey(key: string): string {
  if (key === "" || key.length > maxKeyLength) {
    throw badRequest(`key: expected 1 to ${maxKeyLength} characters, got ${key.length}`, { field: "key" });
  }
  return key;
}

function userOf(context: RequestContext, fromBody?: string): string {
  const header = context.request.headers["x-user-id"];
  const user = fromBody ?? context.query.get("user_id") ?? (Array.isArray(header) ? header[0] : header) ?? "";
  if (typeof user !== "string" || user.length > maxUserLength) {
    throw badRequest(`user_id: expected at most ${maxUserLength} characters, got ${describeType(user)}`, {
      field: "user_id",
    });
  }
  return user;
}
