// Files agentctl keeps under `<project>/.agentctl/`, in one place so every part agrees on them.
// The control token guards the supervisor's control API and the router's admin API; it is 0600.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Paths of the files under a project's state folder. */
export function stateFiles(stateDir: string) {
  return {
    state: join(stateDir, "state.json"),
    lock: join(stateDir, "lock"),
    token: join(stateDir, "token"),
    router: join(stateDir, "router.json"),
    logs: join(stateDir, "logs"),
    build: join(stateDir, "build"),
  };
}

/** Reads the control token, creating it (32 random bytes, hex, mode 0600) when absent. */
export function ensureControlToken(stateDir: string): string {
  const file = stateFiles(stateDir).token;
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(stateDir, { recursive: true });
  const token = randomBytes(32).toString("hex");
  writeFileSync(file, `${token}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
  return token;
}

/** Reads the control token, or undefined when no supervisor ever ran here. */
export function readControlToken(stateDir: string): string | undefined {
  const file = stateFiles(stateDir).token;
  return existsSync(file) ? readFileSync(file, "utf8").trim() : undefined;
}
