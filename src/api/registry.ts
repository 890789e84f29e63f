// `registry`: what the running router knows — every instance with its state, breaker and in-flight count.
import { dirname, join } from "node:path";
import { request } from "undici";
import {
  isConnectionRefused,
  nothingRunning,
  type RouterAddress,
  readRouterFile,
} from "../client/router-file.js";
import { AgentctlError } from "../errors.js";
import { findProjectFile } from "../project/load.js";
import { readControlToken } from "../project/state-files.js";
import { errorFromAnswer } from "../protocol/api-http.js";
import type { InstanceView } from "../router/admin.js";

/** The router's address and its instances. */
export interface RegistryListing {
  router: RouterAddress;
  instances: InstanceView[];
}

/** Where `registry` finds the project: its file (or a folder to search upward from) or its state folder. */
export interface RegistryOptions {
  file?: string;
  cwd?: string;
  stateDir?: string;
}

/** Asks the running router's admin API (with the control token) for its instances. */
export async function registry(options: RegistryOptions = {}): Promise<RegistryListing> {
  const stateDir =
    options.stateDir ?? join(dirname(findProjectFile({ file: options.file, cwd: options.cwd })), ".agentctl");
  const router = readRouterFile(stateDir);
  const token = readControlToken(stateDir);
  if (!token) throw nothingRunning(`no control token in ${stateDir}`);
  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(`${router.adminUrl}/instances`, {
      headers: { authorization: `Bearer ${token}` },
      headersTimeout: 5_000,
      bodyTimeout: 5_000,
    });
  } catch (error) {
    if (isConnectionRefused(error))
      throw nothingRunning(`the router at ${router.url} does not answer`, error);
    throw error;
  }
  const body = (await response.body.json().catch(() => undefined)) as unknown;
  if (response.statusCode !== 200) {
    const refused = errorFromAnswer(body, response.statusCode, "E_ROUTER_ADMIN");
    throw new AgentctlError("E_ROUTER_ADMIN", `the router refused: ${refused.message}`, {
      hint: refused.hint,
    });
  }
  return { router, instances: body as InstanceView[] };
}
