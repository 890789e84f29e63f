// Finding the running router of a project: `.agentctl/router.json`, written by the router while it
// listens. Its absence (or a router that does not answer) means nothing is running here.
import { existsSync, readFileSync } from "node:fs";
import { AgentctlError } from "../errors.js";
import { stateFiles } from "../project/state-files.js";

/** Where the router listens, as written in router.json. */
export interface RouterAddress {
  url: string;
  port: number;
  pid: number;
  adminUrl: string;
}

/** The error every client command gives when no router runs for the project. */
export function nothingRunning(detail: string, cause?: unknown): AgentctlError {
  return new AgentctlError("E_NOT_RUNNING", `nothing is running for this project: ${detail}`, {
    hint: "Start it with `agentctl up` (the router writes .agentctl/router.json while it listens).",
    cause,
  });
}

/** Reads `<stateDir>/router.json`, or throws E_NOT_RUNNING. */
export function readRouterFile(stateDir: string): RouterAddress {
  const file = stateFiles(stateDir).router;
  if (!existsSync(file)) throw nothingRunning(`no router found (${file} is missing)`);
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as RouterAddress;
    if (typeof parsed.url !== "string") throw new Error("no url");
    return parsed;
  } catch (error) {
    throw nothingRunning(`${file} is unreadable (${(error as Error).message})`, error);
  }
}

/** Whether an error means the router's port did not answer at all. */
export function isConnectionRefused(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return code === "ECONNREFUSED" || code === "UND_ERR_CONNECT_TIMEOUT" || code === "ECONNRESET";
}
