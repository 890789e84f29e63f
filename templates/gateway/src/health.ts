// GET /api/health: asks every service found in the environment (AGENTCTL_SERVICE_*_URL) for its
// /health, all at once, each with a timeout, and reports each one's state and latency.
import type { DiscoveredService } from "../../_shared/discovery.js";
import { requestIdHeader } from "../../_shared/request-id.js";

/** One service's state as the gateway saw it. */
export interface ServiceHealth {
  name: string;
  url: string;
  status: "healthy" | "unhealthy" | "unreachable";
  latency_ms: number;
  http_status?: number;
  error?: string;
}

/** The aggregate: healthy only when every service is. */
export interface AggregateHealth {
  status: "healthy" | "degraded";
  services: ServiceHealth[];
}

/** Checks all services in parallel. */
export async function aggregateHealth(
  services: readonly DiscoveredService[],
  timeoutMs: number,
  requestId: string,
): Promise<AggregateHealth> {
  const results = await Promise.all(services.map((service) => checkService(service, timeoutMs, requestId)));
  return {
    status: results.every((result) => result.status === "healthy") ? "healthy" : "degraded",
    services: results,
  };
}

async function checkService(
  service: DiscoveredService,
  timeoutMs: number,
  requestId: string,
): Promise<ServiceHealth> {
  const started = performance.now();
  const latency = () => Math.round((performance.now() - started) * 10) / 10;
  try {
    const response = await fetch(`${service.url}/health`, {
      headers: { accept: "application/json", [requestIdHeader]: requestId },
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.arrayBuffer();
    return {
      name: service.name,
      url: service.url,
      status: response.ok ? "healthy" : "unhealthy",
      latency_ms: latency(),
      http_status: response.status,
    };
  } catch (error) {
    const failure = error as Error & { cause?: { code?: string } };
    const reason =
      failure.name === "TimeoutError"
        ? `no answer within ${timeoutMs}ms`
        : (failure.cause?.code ?? failure.message);
    return {
      name: service.name,
      url: service.url,
      status: "unreachable",
      latency_ms: latency(),
      error: reason,
    };
  }
}
