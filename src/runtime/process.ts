// The process backend: each instance is a child in its own process group (execa with detached), so a
// signal to the group reaches its children and grandchildren too.
import { execa, type ResultPromise } from "execa";
import type { Backend, InstanceHandle, InstanceStatus, StartSpec } from "./backend.js";
import { processGroupMembers, processUsage, readProcessStat, usageByProcessGroup } from "./process-table.js";

interface Running {
  child: ResultPromise;
  exited?: { exitCode: number | null; signal: string | null };
  tail: string[];
}

const tailLines = 200;

/** Creates the process backend. */
export function createProcessBackend(): Backend {
  const running = new Map<string, Running>();
  let usageSample = { at: 0, groups: new Map<number, { cpuSeconds: number; memoryBytes: number }>() };

  // A group whose members are all zombies is gone for us: an orphaned zombie waits for init, which
  // may reap it late, and kill(-pgid, 0) still counts it.
  const groupAlive = (pgid: number) => {
    try {
      process.kill(-pgid, 0);
    } catch {
      return false;
    }
    return processGroupMembers(pgid).length > 0;
  };
  const signalGroup = (pgid: number, signal: NodeJS.Signals) => {
    try {
      process.kill(-pgid, signal);
    } catch {
      // The group is already gone.
    }
  };
  const waitGone = async (pgid: number, ms: number) => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (!groupAlive(pgid)) return true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return !groupAlive(pgid);
  };

  return {
    name: "process",
    async start(spec: StartSpec, port: number): Promise<InstanceHandle> {
      const options = {
        cwd: spec.cwd,
        env: spec.env,
        extendEnv: false,
        detached: true,
        cleanup: false,
        reject: false,
        buffer: false,
        stdin: "ignore",
        stdout: "pipe",
        stderr: "pipe",
      } as const;
      const child =
        typeof spec.command === "string"
          ? execa(spec.command, { ...options, shell: true })
          : execa(spec.command[0]!, spec.command.slice(1), options);
      const entry: Running = { child, tail: [] };
      running.set(spec.id, entry);
      const collect = (stream: "stdout" | "stderr") => {
        let pending = "";
        child[stream]?.on("data", (chunk: Buffer) => {
          pending += chunk.toString("utf8");
          const lines = pending.split("\n");
          pending = lines.pop() ?? "";
          for (const line of lines) emit(line, stream);
        });
        child[stream]?.on("end", () => {
          if (pending) emit(pending, stream);
          pending = "";
        });
      };
      const emit = (line: string, stream: "stdout" | "stderr") => {
        entry.tail.push(line);
        if (entry.tail.length > tailLines) entry.tail.shift();
        spec.onLine(line, stream);
      };
      collect("stdout");
      collect("stderr");
      child.then(
        (result) => {
          entry.exited = { exitCode: result.exitCode ?? null, signal: result.signal ?? null };
          // The leader is gone: whatever it left in its group (a shell's child, a grandchild) goes too,
          // so a restarted replica never meets its predecessor's orphan on its port.
          if (child.pid !== undefined) signalGroup(child.pid, "SIGKILL");
        },
        (error: unknown) => {
          entry.exited = { exitCode: null, signal: null };
          emit(`agentctl: could not start: ${(error as Error).message}`, "stderr");
        },
      );
      const pid = child.pid;
      if (pid === undefined) {
        await child.catch(() => undefined);
        return { id: spec.id, service: spec.service, replica: spec.replica, runtime: "process", port };
      }
      return {
        id: spec.id,
        service: spec.service,
        replica: spec.replica,
        runtime: "process",
        port,
        pid,
        startTime: readProcessStat(pid)?.startTime,
      };
    },

    async stop(handle, graceMs) {
      if (handle.pid === undefined) return;
      signalGroup(handle.pid, "SIGTERM");
      if (!(await waitGone(handle.pid, graceMs))) {
        signalGroup(handle.pid, "SIGKILL");
        await waitGone(handle.pid, 5_000);
      }
      await running.get(handle.id)?.child.catch(() => undefined);
    },

    async inspect(handle): Promise<InstanceStatus> {
      const entry = running.get(handle.id);
      if (!entry || handle.pid === undefined) return { running: false, exitCode: null, signal: null };
      if (entry.exited) return { running: false, ...entry.exited };
      // A whole instance is its process group (a shell and its node, a worker pool): one pass over
      // /proc per second serves every instance.
      if (Date.now() - usageSample.at > 1_000)
        usageSample = { at: Date.now(), groups: usageByProcessGroup() };
      const usage = usageSample.groups.get(handle.pid) ?? processUsage(handle.pid);
      return { running: true, ...usage };
    },

    logs(handle, lines) {
      return (running.get(handle.id)?.tail ?? []).slice(-lines);
    },

    async reap(handle) {
      // Without a recorded start time nothing can be proven ours.
      if (handle.pid === undefined || handle.startTime === undefined) return [];
      // A live leader with another start time means the pid was reused: nothing of that group is ours.
      // A dead leader's group id cannot be reused while any member lives, so its members are ours.
      const leader = readProcessStat(handle.pid);
      if (leader && leader.startTime !== handle.startTime) return [];
      const members = processGroupMembers(handle.pid, handle.startTime);
      if (members.length === 0) return [];
      for (const pid of members) {
        try {
          process.kill(pid, "SIGTERM");
        } catch {}
      }
      const deadline = Date.now() + 3_000;
      while (Date.now() < deadline && processGroupMembers(handle.pid, handle.startTime).length > 0)
        await new Promise((resolve) => setTimeout(resolve, 50));
      for (const pid of processGroupMembers(handle.pid, handle.startTime)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {}
      }
      return members;
    },
  };
}
