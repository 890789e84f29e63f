// The router of a running project: started by `up` before any service, fed by the supervisor's
// instance events, and closed after the last instance stopped. Services find each other through it
// (AGENTCTL_SERVICE_<NAME>_URL = <router>/<service>), so every replica sits behind one stable address.
import { createWriteStream, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Writable } from "node:stream";
import type { ResolvedProject, ResolvedService } from "../project/resolve.js";
import { ensureControlToken } from "../project/state-files.js";
import type { RunningRouter } from "../router/server.js";
import type { TrafficFigures } from "../runtime/host.js";
import type { InstanceView } from "../runtime/supervisor.js";

/** The seams `up` hands to the supervisor, backed by one running router. */
export interface ProjectRouter {
  router: RunningRouter;
  discoveryUrl(service: ResolvedService): string;
  onInstanceChange(instance: InstanceView): void;
  onInstanceStopping(instance: InstanceView): void;
  statusSections(): Record<string, unknown>;
  trafficFigures(): Record<string, TrafficFigures>;
  close(): Promise<void>;
}

/** Options of `startProjectRouter`. */
export interface ProjectRouterOptions {
  /** A JSON line per proxied request: appended to this file, to this stream, or to stdout when `true`. */
  accessLog?: string | Writable | boolean;
}

/** Starts the project's router on 127.0.0.1:<router.port> and returns the supervisor's seams into it. */
export async function startProjectRouter(
  project: ResolvedProject,
  options: ProjectRouterOptions = {},
): Promise<ProjectRouter> {
  const { startRouter } = await import("../router/server.js");
  const file = typeof options.accessLog === "string" ? openAccessLog(options.accessLog) : undefined;
  let router: RunningRouter;
  try {
    router = await startRouter({
      project,
      token: ensureControlToken(project.stateDir),
      stateDir: project.stateDir,
      accessLog: file ?? (options.accessLog as Writable | boolean | undefined),
    });
  } catch (error) {
    file?.end();
    throw error;
  }
  const { registry } = router;
  // Errors per second come from the growth of the error count between two dashboard refreshes.
  let previous: { at: number; errors: Map<string, number> } | undefined;
  let closing: Promise<void> | undefined;
  return {
    router,
    discoveryUrl: (service) => `${router.url}/${service.name}`,
    onInstanceChange(instance) {
      // Backing resources (redis, postgres …) speak their own protocols: services reach them directly.
      if (instance.kind === "resource") return;
      if (instance.state === "restarting" || instance.state === "stopped") {
        registry.deregister(instance.id);
        return;
      }
      registry.register({
        id: instance.id,
        service: instance.service,
        replica: instance.replica,
        url: instance.url,
        state: instance.state,
        source: "supervisor",
      });
    },
    onInstanceStopping(instance) {
      if (instance.kind === "resource") return;
      registry.update(instance.id, { state: "draining" });
    },
    statusSections: () => ({
      router: {
        url: router.url,
        port: router.port,
        instances: registry.list().length,
        workerPids: router.workerPids(),
      },
    }),
    trafficFigures() {
      const now = Date.now();
      const figures: Record<string, TrafficFigures> = {};
      const errors = new Map<string, number>();
      for (const service of router.snapshot()) {
        errors.set(service.service, service.errors);
        const before = previous?.errors.get(service.service);
        const seconds = previous ? (now - previous.at) / 1000 : 0;
        figures[service.service] = {
          requestsPerSecond: service.ratePerSecond,
          errorsPerSecond:
            before !== undefined && seconds > 0 ? Math.max(0, service.errors - before) / seconds : 0,
        };
      }
      previous = { at: now, errors };
      return figures;
    },
    close: () => {
      closing ??= router
        .close()
        .then(() => new Promise<void>((resolve) => (file ? file.end(resolve) : resolve())));
      return closing;
    },
  };
}

function openAccessLog(path: string): Writable {
  mkdirSync(dirname(path), { recursive: true });
  return createWriteStream(path, { flags: "a", mode: 0o600 });
}
