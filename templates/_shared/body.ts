// Bounded JSON request bodies: a client cannot make a service buffer more than `limit` bytes, and
// each way a body can be wrong has its own status (415 not JSON, 413 too large, 400 malformed).
import type { IncomingMessage } from "node:http";
import { HttpError } from "./errors.js";

/** The default body limit: 1 MiB. */
export const defaultBodyLimit = 1024 * 1024;

/** Whether a Content-Type names JSON (`application/json`, `application/*+json`). */
export function isJsonContentType(value: string | undefined): boolean {
  const type = (value ?? "").split(";")[0]!.trim().toLowerCase();
  return type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
}

/** Reads and parses the request's JSON body, refusing more than `limit` bytes. */
export async function readJsonBody(request: IncomingMessage, limit = defaultBodyLimit): Promise<unknown> {
  const type = request.headers["content-type"];
  if (!isJsonContentType(type)) {
    throw new HttpError(415, `expected Content-Type: application/json, got ${type ? `"${type}"` : "none"}`);
  }
  const declared = Number(request.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(request, limit);
  const text = await readText(request, limit);
  if (text.trim() === "") throw new HttpError(400, "request body is empty; expected a JSON document");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `request body is not valid JSON: ${(error as Error).message}`);
  }
}

function readText(request: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onError);
      request.off("close", onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(tooLarge(request, limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks).toString("utf8"));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new HttpError(400, `could not read the request body: ${error.message}`));
    };
    const onClose = () => {
      if (!request.complete) onError(new Error("the client closed the connection"));
    };
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", onError);
    request.on("close", onClose);
  });
}

// The rest of an oversized body is drained (not buffered) so the client can read the 413 before the
// connection closes; Connection: close keeps that socket from being reused.
function tooLarge(request: IncomingMessage, limit: number): HttpError {
  request.resume();
  return new HttpError(413, `request body is larger than the limit of ${limit} bytes`, {
    details: { limit },
    headers: { connection: "close" },
  });
}
