// Conversation history per user: in the memory service (key `conversation:<user_id>` in the user's
// namespace) when one is configured, else in this process. Requests of one user are handled one at a
// time so two quick messages cannot overwrite each other's history.
import { callService, fetchJson, UpstreamError } from "../../_shared/fetch-json.js";
import type { Turn } from "./types.js";

/** Where conversations are kept. */
export interface ConversationStore {
  kind: "memory-service" | "in-process";
  load(userId: string, requestId: string): Promise<Turn[]>;
  save(userId: string, turns: Turn[], requestId: string): Promise<void>;
}

/** The memory key of a user's conversation (also returned as `conversation_id`). */
export function conversationKey(userId: string): string {
  return `conversation:${userId}`;
}

/** Conversations in the memory service at `baseUrl`. */
export function memoryServiceConversations(baseUrl: string, timeoutMs: number): ConversationStore {
  const keyPath = (userId: string) =>
    `${baseUrl}/memory/retrieve/${encodeURIComponent(conversationKey(userId))}?user_id=${encodeURIComponent(userId)}`;
  return {
    kind: "memory-service",
    async load(userId, requestId) {
      const answer = await fetchJson(keyPath(userId), { timeoutMs, requestId });
      if (answer.status === 404) return [];
      const body = answer.body as { success?: boolean; result?: { value?: { turns?: unknown } } } | null;
      if (!answer.ok || body?.success !== true) {
        throw new UpstreamError(
          502,
          `memory service answered ${answer.status} when loading the conversation`,
        );
      }
      return validTurns(body.result?.value?.turns);
    },
    async save(userId, turns, requestId) {
      await callService(`${baseUrl}/memory/store`, {
        body: { key: conversationKey(userId), value: { turns }, user_id: userId },
        timeoutMs,
        requestId,
      });
    },
  };
}

/** Conversations in a Map of this process (lost on restart; one replica only). */
export function inProcessConversations(): ConversationStore {
  const conversations = new Map<string, Turn[]>();
  return {
    kind: "in-process",
    load: async (userId) => [...(conversations.get(userId) ?? [])],
    save: async (userId, turns) => {
      conversations.set(userId, [...turns]);
    },
  };
}

/** Runs `work` after every earlier call for the same key has finished. */
export function createKeyedQueue(): <T>(key: string, work: () => Promise<T>) => Promise<T> {
  const tails = new Map<string, Promise<unknown>>();
  return (key, work) => {
    const previous = tails.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.catch(() => {});
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return result;
  };
}

function validTurns(value: unknown): Turn[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (turn): turn is Turn =>
      typeof turn === "object" &&
      turn !== null &&
      (turn.role === "user" || turn.role === "assistant") &&
      typeof turn.content === "string",
  );
}
