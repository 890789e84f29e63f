// Foreground `up` on a TTY: runs the project and keeps the dashboard current; keys pick a service's
// logs (←/→), restart it (r) and quit (q or Ctrl-C). Loaded only when up runs on a TTY.
import { render, useApp, useInput } from "ink";
import { useEffect, useState } from "react";
import { up } from "../../api/up.js";
import type { ResolvedProject } from "../../project/resolve.js";
import type { HostedProject } from "../../runtime/host.js";
import type { CommandContext } from "../command.js";
import { Dashboard, type DashboardData } from "./dashboard.js";

/** A tiny store: the runner writes, the component re-renders on every write (at most every 200 ms). */
export class DashboardStore {
  data: DashboardData;
  private listeners = new Set<() => void>();
  constructor(project: string) {
    this.data = {
      project,
      phase: "building",
      progress: [],
      instances: [],
      traffic: {},
      logLines: [],
      now: Date.now(),
    };
  }
  update(change: Partial<DashboardData>): void {
    this.data = { ...this.data, ...change, now: Date.now() };
    for (const listener of this.listeners) listener();
  }
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The interactive dashboard bound to a store. */
export function DashboardApp(props: {
  store: DashboardStore;
  onRestart(service: string): void;
  onQuit(): void;
}) {
  const [data, setData] = useState(props.store.data);
  const { exit } = useApp();
  useEffect(() => props.store.subscribe(() => setData(props.store.data)), [props.store]);
  useInput((input, key) => {
    if (input === "q" || (key.ctrl && input === "c")) {
      props.onQuit();
      exit();
      return;
    }
    // The store, not the last rendered frame: renders are throttled, keys may come faster.
    const current = props.store.data;
    const services = [...new Set(current.instances.map((i) => i.service))];
    const selected = current.selectedService;
    const index = selected ? services.indexOf(selected) : -1;
    if (key.rightArrow || key.tab) props.store.update({ selectedService: services[index + 1] });
    if (key.leftArrow) props.store.update({ selectedService: index <= 0 ? undefined : services[index - 1] });
    if (input === "r" && selected) props.onRestart(selected);
  });
  return <Dashboard data={data} />;
}

/** Runs the project with the dashboard until quit, Ctrl-C, SIGTERM or `agentctl down`. */
export async function runDashboard(
  project: ResolvedProject,
  context: CommandContext & { readyTimeoutMs: number; keepGoing: boolean; accessLog?: string },
): Promise<number> {
  const store = new DashboardStore(project.name);
  const signal = context.signal;
  let hosted: HostedProject | undefined;
  let quit!: () => void;
  const quitting = new Promise<void>((resolve) => {
    quit = resolve;
  });
  signal.addEventListener("abort", () => quit(), { once: true });
  const app = render(
    <DashboardApp
      store={store}
      onQuit={() => quit()}
      onRestart={(service) => void hosted?.supervisor.restart(service)}
    />,
    { stdout: context.stdout as NodeJS.WriteStream, stdin: context.stdin, exitOnCtrlC: false },
  );
  // Asked for now: ink settles this promise only if it exists when the app unmounts, and `q` unmounts
  // it (useApp().exit) long before the services have stopped; asked for later, it would never settle
  // and node would end with exit code 13 (an unsettled top-level await).
  const exited = app.waitUntilExit().catch(() => undefined);
  const refresh = () =>
    hosted && store.update({ instances: hosted.supervisor.list(), traffic: hosted.trafficFigures?.() ?? {} });
  const timer = setInterval(refresh, 1000);
  const abort = new AbortController();
  void quitting.then(() => abort.abort());
  try {
    hosted = await up(project, {
      env: context.env,
      signal: abort.signal,
      keepGoing: context.keepGoing,
      readyTimeoutMs: context.readyTimeoutMs,
      accessLog: context.accessLog,
      onProgress: (message) =>
        store.update({
          progress: [...store.data.progress, message],
          phase: message.startsWith("waiting") ? "starting" : store.data.phase,
        }),
      onLine: (line) => store.update({ logLines: [...store.data.logLines.slice(-499), line] }),
      onInstanceChange: () => setImmediate(refresh),
      // Rows appear as instances start, not only once everything is ready.
      onHosted: (running) => {
        hosted = running;
        store.update({ routerUrl: running.routerUrl });
      },
    }).catch((error: unknown) => {
      // --keep-going: the error names the service that never got ready; the rest stays on screen.
      const kept = (error as { hosted?: HostedProject }).hosted;
      if (!kept) throw error;
      store.update({
        progress: [...store.data.progress, `error: ${(error as Error).message.split("\n")[0]}`],
      });
      return kept;
    });
    store.update({ phase: "ready", routerUrl: hosted.routerUrl });
    await Promise.race([quitting, hosted.closed]);
    store.update({ phase: "stopping" });
    await hosted.shutdown();
    return 0;
  } finally {
    clearInterval(timer);
    app.unmount();
    await exited;
  }
}
