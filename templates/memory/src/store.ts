// Where memory lives, behind one small interface so another backend (DynamoDB, Postgres…) is one more
// file and one more branch in `createStore`. Namespaces keep users apart; the shared namespace is "".
import type { Env } from "../../_shared/env.js";
import { readString } from "../../_shared/env.js";
import { createDynamoDbStore } from "./dynamodb-store.js";
import { createFileStore } from "./file-store.js";
import { createRedisStore } from "./redis-store.js";

/** What is stored under a key. */
export interface StoredRecord {
  value: unknown;
  updated_at: string;
}

/** A key-value store with namespaces. */
export interface MemoryStore {
  /** "file", "redis" …, shown in /memory answers and logs. */
  readonly kind: string;
  get(namespace: string, key: string): Promise<StoredRecord | undefined>;
  set(namespace: string, key: string, record: StoredRecord): Promise<void>;
  /** True when something was deleted. */
  delete(namespace: string, key: string): Promise<boolean>;
  /** Whether the store can serve requests now (drives /ready). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** The store the environment asks for: DynamoDB with MEMORY_TABLE, Redis with REDIS_URL, else files under MEMORY_DIR. */
export function createStore(env: Env): MemoryStore {
  const table = readString(env, "MEMORY_TABLE");
  if (table) return createDynamoDbStore(table);
  const redisUrl = readString(env, "REDIS_URL");
  if (redisUrl) {
    return createRedisStore(redisUrl, readString(env, "REDIS_KEY_PREFIX") ?? "agentctl:memory:");
  }
  return createFileStore(readString(env, "MEMORY_DIR") ?? "./.data/memory");
}
