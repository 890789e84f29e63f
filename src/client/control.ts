// The client of the supervisor's control API, used by ps, scale, restart and down from any terminal:
// it finds the supervisor through .agentctl/state.json and authenticates with the 0600 token file.
import { AgentctlError } from "../errors.js";
import { readControlToken } from "../project/state-files.js";
import { errorFromAnswer } from "../protocol/api-http.js";
import { readState, supervisorAlive } from "../runtime/state.js";
import type { InstanceView } from "../runtime/supervisor.js";

/** The control API's status document. */
export interface ControlStatus {
  project: string;
  phase: "starting" | "ready" | "failed" | "stopping";
  error?: string;
  supervisor: { pid: number; startedAt: string };
  services: { name: string; replicas: number; ready: boolean }[];
  instances: InstanceView[];
  [section: string]: unknown;
}

/** A connection to a running supervisor. */
export interface ControlClient {
  url: string;
  pid: number;
  status(): Promise<ControlStatus>;
  scale(service: string, replicas: number): Promise<void>;
  restart(service: string): Promise<void>;
  down(): Promise<void>;
}

/** Connects to the project's supervisor, or returns undefined when none is alive. */
export function connectControl(stateDir: string): ControlClient | undefined {
  const state = readState(stateDir);
  const url = state?.supervisor?.controlUrl;
  const token = readControlToken(stateDir);
  if (!state?.supervisor || !url || !token || !supervisorAlive(state)) return undefined;
  const call = async (method: "GET" | "POST", path: string, body?: unknown) => {
    let response: Response;
    try {
      response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new AgentctlError(
        "E_CONTROL",
        `the supervisor (pid ${state.supervisor!.pid}) does not answer at ${url}`,
        {
          cause: error,
          hint: "It may be starting or stopping; try again, or run `agentctl down`.",
        },
      );
    }
    const parsed = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (!response.ok || parsed === undefined) throw errorFromAnswer(parsed, response.status, "E_CONTROL");
    return parsed;
  };
  return {
    url,
    pid: state.supervisor.pid,
    status: async () => (await call("GET", "/v1/status")) as ControlStatus,
    scale: async (service, replicas) => void (await call("POST", "/v1/scale", { service, replicas })),
    restart: async (service) => void (await call("POST", "/v1/restart", { service })),
    down: async () => void (await call("POST", "/v1/down", {})),
  };
}

/** The error of client commands when no supervisor runs for the project. */
export function notRunning(): AgentctlError {
  return new AgentctlError("E_NOT_RUNNING", "nothing is running for this project", {
    hint: "Start it with `agentctl up` (or `agentctl up -d` to run it in the background).",
  });
}
