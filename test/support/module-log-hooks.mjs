// Loader hooks (they run on their own thread): append the URL of each module loaded to the log file.
import { appendFileSync } from "node:fs";

let file = "";

/** Receives the log file from module-log-register.mjs. */
export function initialize(data) {
  file = data.file;
}

/** Logs the module, then loads it as usual. */
export async function load(url, context, next) {
  if (file) appendFileSync(file, `${url}\n`);
  return next(url, context);
}
