// What the proxy paths need to route a request, built from the project and the live targets. Shared by
// the router process and its worker processes (router.workers), so both route by the same rules.
import type { ResolvedProject } from "../project/resolve.js";
import { type Balancer, createBalancer } from "./balancer.js";
import type { AccessLogEntry, ProxyContext } from "./proxy.js";
import type { Registry } from "./registry.js";
import { routeTable } from "./route.js";
import type { TargetSet } from "./target.js";

/** A proxy context over `targets`; `log` receives each access-log entry when given. */
export function createProxyContext(
  project: ResolvedProject,
  registry: Registry,
  targets: TargetSet,
  log?: (entry: AccessLogEntry) => void,
): ProxyContext {
  const services = new Map(project.services.map((service) => [service.name, service]));
  const balancers = new Map<string, Balancer>();
  const settings = new Map<string, { timeoutMs: number; retries: number }>();
  return {
    routes: routeTable(project.services),
    ready: (service) => targets.ready(service),
    balancer(service) {
      let balancer = balancers.get(service);
      if (!balancer) {
        balancer = createBalancer(services.get(service)?.strategy ?? project.router.strategy);
        balancers.set(service, balancer);
      }
      return balancer;
    },
    settings(service) {
      let found = settings.get(service);
      if (!found) {
        found = {
          timeoutMs: services.get(service)?.timeoutMs ?? project.router.timeoutMs,
          retries: project.router.retries,
        };
        settings.set(service, found);
      }
      return found;
    },
    knownServices: () => [...new Set([...services.keys(), ...registry.services()])].sort(),
    maxBodyBytes: project.router.maxBodyBytes,
    unrouted: new Map(),
    log,
  };
}
