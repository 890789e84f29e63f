#!/usr/bin/env node
// Thin shim: the CLI lives in dist/. Only this file ends the process: it waits for stdout and stderr
// to drain (pipes are asynchronous) and then exits, so a lingering keep-alive socket cannot hang the CLI.
import { run } from "../dist/cli/main.js";

const code = await run(process.argv);
process.exitCode = code;
let pending = 2;
const done = () => {
  pending -= 1;
  if (pending === 0) process.exit(code);
};
process.stdout.write("", done);
process.stderr.write("", done);
