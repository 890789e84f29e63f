// Request bodies with a size limit: read whole (when a retry may need to send them again) or passed
// through with a byte count (when they stream).
import type { IncomingMessage } from "node:http";
import { Transform } from "node:stream";

/** Reads a body up to `limit` bytes; undefined when it is larger. */
export function readBounded(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.removeAllListeners("data");
        request.resume();
        resolve(undefined);
      } else chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks, size)));
    request.on("error", reject);
  });
}

/** Passes bytes through until `limit`, then fails with E_BODY_TOO_LARGE. */
export function limitBytes(limit: number): Transform {
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > limit) {
        const error = Object.assign(new Error(`request body is over the limit of ${limit} bytes`), {
          code: "E_BODY_TOO_LARGE",
        });
        callback(error);
      } else callback(null, chunk);
    },
  });
}
