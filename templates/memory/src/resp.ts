// A minimal Redis client: RESP2 over node:net (or node:tls for rediss://), because templates take no
// dependencies. Commands are pipelined on one connection and answered in order; the connection is
// opened on first use and again after it drops. Supports AUTH (password or user:password) and SELECT.
import { connect as connectTcp, type Socket } from "node:net";
import { connect as connectTls } from "node:tls";

/** A reply: simple strings and bulk strings as text, integers, nulls, arrays. */
export type RespValue = string | number | null | RespValue[];

/** An error reply from Redis (`-ERR …`). */
export class RedisError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RedisError";
  }
}

interface Pending {
  resolve(value: RespValue): void;
  reject(error: Error): void;
}

/** A connection to one Redis server. */
export interface RespClient {
  command(...args: string[]): Promise<RespValue>;
  close(): Promise<void>;
}

/** A client for `redis://[[user]:password@]host[:port][/db]`; nothing connects until the first command. */
export function createRespClient(url: string, options: { timeoutMs?: number } = {}): RespClient {
  const target = new URL(url);
  if (target.protocol !== "redis:" && target.protocol !== "rediss:") {
    throw new Error(`REDIS_URL must start with redis:// or rediss://, got "${target.protocol}"`);
  }
  const timeoutMs = options.timeoutMs ?? 5_000;
  const host = target.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1";
  const port = Number(target.port || 6379);
  const password = decodeURIComponent(target.password);
  const username = decodeURIComponent(target.username);
  const database = target.pathname.replace(/^\//, "");
  let socket: Socket | undefined;
  let pending: Pending[] = [];
  let buffer: Buffer = Buffer.alloc(0);
  let closed = false;

  const failAll = (error: Error) => {
    const waiting = pending;
    pending = [];
    for (const entry of waiting) entry.reject(error);
  };

  const onData = (chunk: Buffer) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    for (;;) {
      let parsed: ReturnType<typeof parseReply>;
      try {
        parsed = parseReply(buffer, 0);
      } catch (error) {
        socket?.destroy(error as Error);
        return;
      }
      if (!parsed) return;
      buffer = buffer.subarray(parsed.next);
      const entry = pending.shift();
      if (!entry) continue;
      if (parsed.value instanceof RedisError) entry.reject(parsed.value);
      else entry.resolve(parsed.value);
    }
  };

  const open = (): Socket => {
    const fresh =
      target.protocol === "rediss:"
        ? connectTls({ host, port, servername: host })
        : connectTcp({ host, port });
    fresh.setNoDelay(true);
    fresh.setTimeout(timeoutMs);
    fresh.on("data", onData);
    // An idle connection is fine; a command without an answer for timeoutMs is not.
    fresh.on("timeout", () => {
      if (pending.length > 0) {
        fresh.destroy(new Error(`no answer from Redis at ${host}:${port} within ${timeoutMs}ms`));
      }
    });
    fresh.on("error", (error) => failAll(error));
    fresh.on("close", () => {
      if (socket === fresh) socket = undefined;
      buffer = Buffer.alloc(0);
      failAll(new Error(`connection to Redis at ${host}:${port} closed`));
    });
    socket = fresh;
    // The handshake rides ahead of the first command on the same pipeline.
    if (password)
      void send(fresh, username ? ["AUTH", username, password] : ["AUTH", password]).catch(() => {});
    if (database) void send(fresh, ["SELECT", database]).catch(() => {});
    return fresh;
  };

  const send = (connection: Socket, args: string[]): Promise<RespValue> =>
    new Promise((resolve, reject) => {
      pending.push({ resolve, reject });
      connection.write(encodeCommand(args));
    });

  return {
    command(...args) {
      if (closed) return Promise.reject(new Error("Redis client is closed"));
      return send(socket ?? open(), args);
    },
    async close() {
      closed = true;
      const current = socket;
      if (!current) return;
      await new Promise<void>((resolve) => {
        current.once("close", () => resolve());
        current.end();
        setTimeout(() => current.destroy(), 1_000).unref();
      });
    },
  };
}

/** One command as a RESP array of bulk strings. */
export function encodeCommand(args: string[]): Buffer {
  const parts = [`*${args.length}\r\n`];
  for (const arg of args) parts.push(`$${Buffer.byteLength(arg)}\r\n${arg}\r\n`);
  return Buffer.from(parts.join(""));
}

/** Parses one reply starting at `offset`; undefined when the buffer does not hold all of it yet. */
export function parseReply(
  buffer: Buffer,
  offset: number,
): { value: RespValue | RedisError; next: number } | undefined {
  const end = buffer.indexOf("\r\n", offset);
  if (end === -1) return undefined;
  const type = String.fromCharCode(buffer[offset]!);
  const line = buffer.toString("utf8", offset + 1, end);
  const next = end + 2;
  switch (type) {
    case "+":
      return { value: line, next };
    case "-":
      return { value: new RedisError(line), next };
    case ":":
      return { value: Number(line), next };
    case "$": {
      const length = Number(line);
      if (length < 0) return { value: null, next };
      if (buffer.length < next + length + 2) return undefined;
      return { value: buffer.toString("utf8", next, next + length), next: next + length + 2 };
    }
    case "*": {
      const count = Number(line);
      if (count < 0) return { value: null, next };
      const items: RespValue[] = [];
      let cursor = next;
      for (let index = 0; index < count; index += 1) {
        const item = parseReply(buffer, cursor);
        if (!item) return undefined;
        if (item.value instanceof RedisError) throw item.value;
        items.push(item.value);
        cursor = item.next;
      }
      return { value: items, next: cursor };
    }
    default:
      throw new RedisError(`unexpected reply type "${type}" from Redis`);
  }
}
