// `call`: send a request (or a batch of them) to a service through the project's running router.
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { type BatchSummary, parseBatch, runBatch } from "../client/batch.js";
import { type CallResponse, sendCall } from "../client/call.js";
import { readRouterFile } from "../client/router-file.js";
import { UserError } from "../errors.js";
import { findProjectFile } from "../project/load.js";
import { parseDuration } from "../project/units.js";

/** Options shared by one call and a batch. */
export interface CallOptions {
  /** The project file (or the folder to search upward from, with `cwd`). */
  file?: string;
  cwd?: string;
  /** The project's state folder; found from the project file when omitted. */
  stateDir?: string;
  service: string;
  path?: string;
  method?: string;
  /** JSON text, or `@file` to read it from a file. */
  data?: string;
  /** `name: value` strings, as given to -H. */
  headers?: string[];
  /** A duration like `5s` or milliseconds. */
  timeout?: string | number;
  onChunk?: (chunk: Buffer) => void;
}

/** Sends one request through the router and returns the answer with its timing. */
export async function call(options: CallOptions): Promise<CallResponse> {
  const prepared = prepare(options);
  return sendCall({ ...prepared, onChunk: options.onChunk });
}

/** Options of a batch: the JSONL file, how many requests in flight, and progress. */
export interface CallBatchOptions extends CallOptions {
  batch: string;
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Sends every request of a JSONL file with `concurrency` in flight and returns a summary. */
export async function callBatch(options: CallBatchOptions): Promise<BatchSummary> {
  const prepared = prepare(options);
  const file = resolve(options.cwd ?? process.cwd(), options.batch);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new UserError("E_BATCH_FILE", `cannot read the batch file ${file}: ${(error as Error).message}`);
  }
  let items: ReturnType<typeof parseBatch>;
  try {
    items = parseBatch(
      text,
      { method: prepared.method, path: prepared.path, headers: prepared.headers, body: prepared.body },
      file,
    );
  } catch (error) {
    throw new UserError("E_BATCH_FILE", (error as Error).message, {
      hint: 'Each line is a JSON body, or a request like {"method":"POST","path":"/chat","body":{...}}.',
    });
  }
  const concurrency = options.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new UserError("E_USAGE", `--concurrency expects a whole number >= 1, got ${options.concurrency}`);
  return runBatch(items, {
    routerUrl: prepared.routerUrl,
    service: options.service,
    concurrency,
    timeoutMs: prepared.timeoutMs,
    onProgress: options.onProgress,
  });
}

function prepare(options: CallOptions) {
  const stateDir =
    options.stateDir ?? join(dirname(findProjectFile({ file: options.file, cwd: options.cwd })), ".agentctl");
  const timeoutMs = parseTimeout(options.timeout);
  const headers: Record<string, string> = {};
  for (const line of options.headers ?? []) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw new UserError("E_USAGE", `-H expects "name: value", got ${JSON.stringify(line)}`);
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body = options.data === undefined ? undefined : readData(options.data, options.cwd ?? process.cwd());
  if (body !== undefined && !headers["content-type"]) headers["content-type"] = "application/json";
  const method = (options.method ?? (body === undefined ? "GET" : "POST")).toUpperCase();
  const router = readRouterFile(stateDir);
  return {
    routerUrl: router.url,
    service: options.service,
    path: options.path ?? "/",
    method,
    headers,
    body,
    timeoutMs,
  };
}

function parseTimeout(timeout: string | number | undefined): number {
  if (timeout === undefined) return 30_000;
  if (typeof timeout === "number") return timeout;
  try {
    return /^\d+$/.test(timeout) ? Number(timeout) * 1000 : parseDuration(timeout);
  } catch {
    throw new UserError(
      "E_USAGE",
      `--timeout expects a duration like 500ms, 5s or 1m, got ${JSON.stringify(timeout)}`,
    );
  }
}

function readData(data: string, cwd: string): string {
  let text = data;
  let where = "-d";
  if (data.startsWith("@")) {
    const file = resolve(cwd, data.slice(1));
    where = file;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw new UserError("E_USAGE", `cannot read ${file} for -d: ${(error as Error).message}`);
    }
  }
  try {
    JSON.parse(text);
  } catch (error) {
    throw new UserError(
      "E_USAGE",
      `${where} expects JSON, got ${JSON.stringify(text.slice(0, 40))} (${(error as Error).message})`,
    );
  }
  return text;
}
