// Helpers for tests that load project files from strings.
import { loadProjectSource } from "../../src/project/load.js";

/** Loads YAML text as `agentctl.yaml` in /virtual, with a fixed environment. */
export function loadText(text: string, env: NodeJS.ProcessEnv = {}) {
  return loadProjectSource(text, "/virtual/agentctl.yaml", { cwd: "/virtual", env });
}

/** The `file:line:col  path: message` lines of a load, for exact comparisons. */
export function errorLines(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  return loadText(text, env).errors.map(
    (d) => `${d.location ? `${d.location.line}:${d.location.col}` : "?"}  ${d.path}: ${d.message}`,
  );
}

/** A minimal valid project with one service, plus extra YAML for that service indented below it. */
export function oneService(extra = "", top = ""): string {
  const indented = extra
    .split("\n")
    .filter(Boolean)
    .map((line) => `    ${line}`)
    .join("\n");
  return `name: demo\nservices:\n  agent:\n    entry: services/agent/src/index.ts\n${indented}\n${top}`;
}
