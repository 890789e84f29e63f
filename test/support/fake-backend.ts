// A backend that starts nothing: it records what the supervisor asked for and lets a test end
// instances, so supervisor behaviour is checked without processes.
import type { Backend, InstanceHandle, InstanceStatus } from "../../src/runtime/backend.js";

/** A fake backend and the controls a test uses on it. */
export interface FakeBackend extends Backend {
  started: string[];
  stopped: string[];
  /** Makes an instance look like it exited. */
  exit(id: string, exitCode: number | null, signal?: string): void;
}

/** Creates a fake backend; pids count up from 100000. */
export function createFakeBackend(): FakeBackend {
  const statuses = new Map<string, InstanceStatus>();
  let nextPid = 100_000;
  const fake: FakeBackend = {
    name: "process",
    started: [],
    stopped: [],
    async start(spec, port): Promise<InstanceHandle> {
      fake.started.push(spec.id);
      statuses.set(spec.id, { running: true });
      spec.onLine(`${spec.id} started on ${port}`, "stdout");
      return {
        id: spec.id,
        service: spec.service,
        replica: spec.replica,
        runtime: "process",
        port,
        pid: nextPid++,
      };
    },
    async stop(handle) {
      fake.stopped.push(handle.id);
      statuses.set(handle.id, { running: false, exitCode: null, signal: "SIGTERM" });
    },
    async inspect(handle) {
      return statuses.get(handle.id) ?? { running: false };
    },
    logs: () => [],
    reap: async () => [],
    exit(id, exitCode, signal) {
      statuses.set(id, { running: false, exitCode, signal: signal ?? null });
    },
  };
  return fake;
}
