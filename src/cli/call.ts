// `agentctl call`: send a request to a service through the router and show what came back; with
// --batch, fan a JSONL file of requests out and summarise them.
import { ExitCode } from "../errors.js";
import { type CommandContext, defineCommand } from "./command.js";
import { colourEnabled, painter, writeJson, writeLines } from "./output.js";

export const callCommand = defineCommand({
  usage: "call <service> [path]",
  summary: "send a request to a service through the router and print the answer",
  description:
    "Send an HTTP request to a service through the running router (the same path other services use), print the status, time and serving instance, and pretty-print a JSON answer; server-sent events are printed as they arrive. Exits 0 for a 2xx answer, 1 otherwise. With --batch, send every request of a JSONL file with --concurrency in flight and print count, errors by status and p50/p99 latency.",
  examples: [
    { command: "agentctl call agent /health", description: "GET agent's /health" },
    { command: `agentctl call agent /chat -d '{"message":"hi"}'`, description: "POST JSON" },
    {
      command: "agentctl call agent /chat -d @message.json -H 'x-user: ada' -i",
      description: "body from a file, a header, show headers",
    },
    { command: "agentctl call agent /stream --timeout 2m", description: "stream server-sent events" },
    {
      command: "agentctl call agent /chat --batch requests.jsonl --concurrency 16",
      description: "send many requests and summarise",
    },
  ],
  options: [
    { flags: "-X, --method <method>", description: "HTTP method (default: GET, or POST with -d)" },
    { flags: "-d, --data <json>", description: "JSON request body, or @file to read it from a file" },
    {
      flags: "-H, --header <header>",
      description: "request header 'name: value' (repeatable)",
      repeatable: true,
    },
    { flags: "-i, --include", description: "print the response headers before the body" },
    {
      flags: "--timeout <duration>",
      description: "time to wait for an answer (and between streamed chunks)",
      defaultValue: "30s",
    },
    {
      flags: "--batch <file>",
      description: "send every request of a JSONL file (one JSON body or request per line)",
    },
    { flags: "--concurrency <n>", description: "requests in flight with --batch", defaultValue: "8" },
  ],
  async run(args, options, context) {
    const { call, callBatch } = await import("../api/call.js");
    const [service, path] = args as [string, string | undefined];
    const common = {
      file: context.globals.file,
      cwd: context.cwd,
      service,
      path,
      method: options.method as string | undefined,
      data: options.data as string | undefined,
      headers: (options.header as string[] | undefined) ?? [],
      timeout: options.timeout as string,
    };
    const paint = painter(colourEnabled(context));
    if (options.batch) {
      const progress = progressWriter(context);
      const summary = await callBatch({
        ...common,
        batch: options.batch as string,
        concurrency: Number(options.concurrency),
        onProgress: progress,
      });
      if (context.globals.json) writeJson(context, summary);
      else {
        const errors = Object.entries(summary.errorsByStatus).map(([status, count]) => `${status}×${count}`);
        writeLines(context.stdout, [
          `requests  ${summary.count} (${paint("green", `${summary.ok} ok`)}, ${summary.failed ? paint("red", `${summary.failed} failed`) : "0 failed"})`,
          `errors    ${errors.length ? errors.join("  ") : "none"}`,
          `latency   p50 ${summary.p50Ms.toFixed(1)} ms  p99 ${summary.p99Ms.toFixed(1)} ms`,
          `time      ${(summary.totalMs / 1000).toFixed(2)} s (${Math.round(summary.ratePerSecond)} req/s)`,
        ]);
      }
      return summary.failed === 0 ? ExitCode.ok : ExitCode.failure;
    }
    const streamToStdout = !context.globals.json;
    const response = await call({
      ...common,
      onChunk: streamToStdout ? (chunk) => context.stdout.write(chunk) : undefined,
    });
    const ok = response.status >= 200 && response.status < 300;
    const { STATUS_CODES } = await import("node:http");
    if (context.globals.json) {
      writeJson(context, {
        status: response.status,
        ok,
        ms: Math.round(response.ms * 100) / 100,
        instance: response.instance,
        requestId: response.requestId,
        headers: response.headers,
        body: parseMaybe(response.body),
      });
      return ok ? ExitCode.ok : ExitCode.failure;
    }
    const line = `${paint(ok ? "green" : "red", `${response.status} ${STATUS_CODES[response.status] ?? ""}`.trim())}  ${formatMs(response.ms)}  ${paint("dim", `${response.instance ?? "?"}  ${response.requestId ?? ""}`.trim())}`;
    writeLines(context.stderr, line);
    if (options.include) {
      const lines = Object.entries(response.headers).flatMap(([name, value]) =>
        (Array.isArray(value) ? value : [value]).map((item) => `${name}: ${item}`),
      );
      writeLines(context.stdout, [...lines, ""]);
    }
    if (!response.streamed && response.body !== "") {
      const parsed = parseMaybe(response.body);
      writeLines(context.stdout, typeof parsed === "string" ? parsed : JSON.stringify(parsed, null, 2));
    }
    return ok ? ExitCode.ok : ExitCode.failure;
  },
});

function parseMaybe(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** A progress bar redrawn in place on a TTY; on a pipe, a plain line at every tenth. */
function progressWriter(context: CommandContext): ((done: number, total: number) => void) | undefined {
  if (context.globals.json) return undefined;
  const stream = context.stderr;
  let lastTenth = -1;
  return (done, total) => {
    if (stream.isTTY) {
      const width = 30;
      const filled = Math.round((done / total) * width);
      stream.write(
        `\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total}${done === total ? "\n" : ""}`,
      );
      return;
    }
    const tenth = Math.floor((done / total) * 10);
    if (tenth !== lastTenth) {
      lastTenth = tenth;
      stream.write(`progress ${done}/${total}\n`);
    }
  };
}
