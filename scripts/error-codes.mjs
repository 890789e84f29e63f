// Regenerates the README's table of error codes from the catalogue (src/error-codes.ts, built to
// dist/), between the markers <!-- error-codes:start --> and <!-- error-codes:end -->. A test checks
// the README matches. Usage: npm run build && node scripts/error-codes.mjs [--check]
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const readme = fileURLToPath(new URL("../README.md", import.meta.url));
const start = "<!-- error-codes:start -->";
const end = "<!-- error-codes:end -->";

/** The README with its table of error codes replaced by `table`. */
export function withErrorCodes(text, table) {
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md lacks the ${start} … ${end} markers`);
  return `${text.slice(0, from + start.length)}\n\n${table}\n\n${text.slice(to)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { errorCodeTable } = await import("../dist/error-codes.js");
  const current = readFileSync(readme, "utf8");
  const next = withErrorCodes(current, errorCodeTable());
  if (process.argv.includes("--check")) {
    if (current !== next) {
      console.error("README.md error codes are out of date: run `npm run docs`");
      process.exit(1);
    }
  } else {
    writeFileSync(readme, next);
    console.log("README.md error codes updated");
  }
}
