// Regenerates the README's command reference from the real `--help` output of the built CLI, between
// the markers <!-- commands:start --> and <!-- commands:end -->. A test checks the README matches, so
// the reference cannot drift. Usage: npm run build && node scripts/command-reference.mjs [--check]
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = `${root}bin/agentctl.js`;
const readme = `${root}README.md`;

/** The help text of the CLI and of each command, as printed to a pipe (plain text, 80 columns). */
export function helpSections() {
  const help = (args) =>
    execFileSync(process.execPath, [bin, ...args, "--help"], {
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    }).trimEnd();
  const top = help([]);
  const names = [...top.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]).filter((n) => n !== "help");
  return [
    { name: "agentctl", text: top },
    ...names.map((name) => ({ name: `agentctl ${name}`, text: help([name]) })),
  ];
}

/** The markdown of the reference section. */
export function referenceMarkdown() {
  return helpSections()
    .map((section) => `### \`${section.name}\`\n\n\`\`\`text\n${section.text}\n\`\`\`\n`)
    .join("\n");
}

const start = "<!-- commands:start -->";
const end = "<!-- commands:end -->";

/** The README with its reference section replaced by the current help text. */
export function updatedReadme(text) {
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md lacks the ${start} … ${end} markers`);
  return `${text.slice(0, from + start.length)}\n\n${referenceMarkdown()}\n${text.slice(to)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const current = readFileSync(readme, "utf8");
  const next = updatedReadme(current);
  if (process.argv.includes("--check")) {
    if (current !== next) {
      console.error("README.md command reference is out of date: run `npm run docs`");
      process.exit(1);
    }
  } else {
    writeFileSync(readme, next);
    console.log("README.md command reference updated");
  }
}
