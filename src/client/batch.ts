// Fanning many requests out through the router with a fixed number in flight, and summarising them:
// count, errors by status, p50/p99 latency.
import { type CallResponse, sendCall } from "./call.js";

/** One request of a batch, as read from a JSONL line. */
export interface BatchItem {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** What a batch run reports. */
export interface BatchSummary {
  count: number;
  ok: number;
  failed: number;
  /** Non-2xx answers by status, plus `error` for requests that got no answer. */
  errorsByStatus: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  totalMs: number;
  ratePerSecond: number;
}

/** Turns JSONL text into requests. A line with method/path/body/headers keys is a request; any
 * other JSON value is the body of a request with the defaults. */
export function parseBatch(text: string, defaults: BatchItem, source: string): BatchItem[] {
  const items: BatchItem[] = [];
  text.split("\n").forEach((line, index) => {
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new Error(
        `${source}:${index + 1}: expected one JSON value per line, got ${JSON.stringify(line.slice(0, 40))} (${(error as Error).message})`,
      );
    }
    const spec = value as Partial<Record<"method" | "path" | "body" | "headers", unknown>>;
    const isSpec =
      value !== null &&
      typeof value === "object" &&
      !Array.isArray(value) &&
      ["method", "path", "body", "headers"].some((key) => key in spec);
    if (!isSpec) {
      items.push({
        ...defaults,
        method: defaults.method === "GET" ? "POST" : defaults.method,
        body: JSON.stringify(value),
      });
      return;
    }
    const body =
      spec.body === undefined
        ? undefined
        : typeof spec.body === "string"
          ? spec.body
          : JSON.stringify(spec.body);
    items.push({
      method:
        typeof spec.method === "string"
          ? spec.method.toUpperCase()
          : body === undefined
            ? defaults.method
            : defaults.method === "GET"
              ? "POST"
              : defaults.method,
      path: typeof spec.path === "string" ? spec.path : defaults.path,
      headers: {
        ...defaults.headers,
        ...(spec.headers as Record<string, string> | undefined),
        ...(body !== undefined && !hasContentType(spec.headers) && !hasContentType(defaults.headers)
          ? { "content-type": "application/json" }
          : {}),
      },
      body,
    });
  });
  return items;
}

function hasContentType(headers: unknown): boolean {
  return Boolean(
    headers &&
      typeof headers === "object" &&
      Object.keys(headers).some((key) => key.toLowerCase() === "content-type"),
  );
}

/** Sends every item with `concurrency` in flight, calling `onProgress` after each. */
export async function runBatch(
  items: BatchItem[],
  options: {
    routerUrl: string;
    service: string;
    concurrency: number;
    timeoutMs: number;
    onProgress?: (done: number, total: number) => void;
  },
): Promise<BatchSummary> {
  const started = performance.now();
  const latencies: number[] = [];
  const errorsByStatus: Record<string, number> = {};
  let next = 0;
  let done = 0;
  let ok = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      let response: CallResponse | undefined;
      try {
        response = await sendCall({
          routerUrl: options.routerUrl,
          service: options.service,
          timeoutMs: options.timeoutMs,
          ...item,
        });
      } catch (error) {
        // The router itself went away: every other request would fail the same way.
        if ((error as { code?: string }).code === "E_NOT_RUNNING") throw error;
        errorsByStatus.error = (errorsByStatus.error ?? 0) + 1;
      }
      if (response) {
        latencies.push(response.ms);
        if (response.status >= 200 && response.status < 300) ok += 1;
        else errorsByStatus[String(response.status)] = (errorsByStatus[String(response.status)] ?? 0) + 1;
      }
      done += 1;
      options.onProgress?.(done, items.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, items.length)) }, worker));
  const totalMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  const at = (p: number) =>
    latencies.length
      ? latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]!
      : 0;
  return {
    count: items.length,
    ok,
    failed: items.length - ok,
    errorsByStatus,
    p50Ms: round(at(50)),
    p99Ms: round(at(99)),
    totalMs: round(totalMs),
    ratePerSecond: round(items.length / (totalMs / 1000)),
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
