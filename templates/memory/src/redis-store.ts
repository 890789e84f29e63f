// The Redis store: one string key per memory key, `<prefix>user:<id>:<key>` or `<prefix>shared:<key>`,
// holding the record as JSON.
import { namespaceLabel } from "./namespace.js";
import { createRespClient } from "./resp.js";
import type { MemoryStore, StoredRecord } from "./store.js";

/** A store on the Redis at `url`, keys under `prefix`. */
export function createRedisStore(url: string, prefix: string): MemoryStore {
  const client = createRespClient(url);
  const redisKey = (namespace: string, key: string) => `${prefix}${namespaceLabel(namespace)}:${key}`;
  return {
    kind: "redis",
    async get(namespace, key) {
      const reply = await client.command("GET", redisKey(namespace, key));
      if (reply === null) return undefined;
      return JSON.parse(String(reply)) as StoredRecord;
    },
    async set(namespace, key, record) {
      await client.command("SET", redisKey(namespace, key), JSON.stringify(record));
    },
    async delete(namespace, key) {
      return (await client.command("DEL", redisKey(namespace, key))) === 1;
    },
    async ping() {
      try {
        return (await client.command("PING")) === "PONG";
      } catch {
        return false;
      }
    },
    close: () => client.close(),
  };
}
