#!/usr/bin/env node
// Thin shim: the CLI lives in dist/. Only this file ends the process: it waits for stdout and stderr
// to drain (pipes are asynchronous) and then exits, so a lingering keep-alive socket cannot hang the CLI.
// `agentctl --version` alone is answered here, before commander and the command definitions load:
// start-up is a feature (bench/startup.mjs), and this is the one question that needs none of them.
import { readFileSync } from "node:fs";

const args = process.argv.slice(2);
let code = 0;
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  process.stdout.write(`${manifest.version}\n`);
} else {
  const { run } = await import("../dist/cli/main.js");
  code = await run(process.argv);
}
process.exitCode = code;
let pending = 2;
const done = () => {
  pending -= 1;
  if (pending === 0) process.exit(code);
};
process.stdout.write("", done);
process.stderr.write("", done);
