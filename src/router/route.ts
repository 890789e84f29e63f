// Which service a request is for: `Host: <service>.localhost`, then `routes:` prefixes (kept in the
// path), then the first path segment (`/<service>/<path>`, stripped). Pure, so it is unit-tested alone.

/** A request's destination: the service and the path to send it with (query included). */
export interface RouteMatch {
  service: string;
  path: string;
}

/** One `routes:` entry: an external path prefix and the service that owns it. */
export interface RoutePrefix {
  prefix: string;
  service: string;
}

/** Sorts prefixes longest first, so /api/v2 wins over /api. */
export function routeTable(services: { name: string; routes: string[] }[]): RoutePrefix[] {
  const table: RoutePrefix[] = [];
  for (const service of services)
    for (const route of service.routes) {
      const prefix = route.length > 1 ? route.replace(/\/+$/, "") : route;
      table.push({ prefix: prefix.startsWith("/") ? prefix : `/${prefix}`, service: service.name });
    }
  return table.sort((a, b) => b.prefix.length - a.prefix.length);
}

/** Resolves a request; `service` is "" when the URL names none (`/`). */
export function resolveRoute(
  host: string | undefined,
  url: string,
  table: readonly RoutePrefix[],
): RouteMatch {
  if (host) {
    const name = serviceFromHost(host);
    if (name) return { service: name, path: url };
  }
  for (const entry of table) {
    const { prefix } = entry;
    if (url.startsWith(prefix)) {
      const next = url.charCodeAt(prefix.length);
      // The prefix must end at a segment boundary: /api matches /api, /api/x and /api?q, not /apix.
      if (prefix === "/" || Number.isNaN(next) || next === 47 || next === 63)
        return { service: entry.service, path: url };
    }
  }
  let end = 1;
  while (end < url.length) {
    const code = url.charCodeAt(end);
    if (code === 47 || code === 63) break;
    end++;
  }
  const service = safeDecode(url.slice(1, end));
  const rest = url.slice(end);
  return { service, path: rest === "" ? "/" : rest.charCodeAt(0) === 63 ? `/${rest}` : rest };
}

function serviceFromHost(host: string): string | undefined {
  const colon = host.lastIndexOf(":");
  const name = colon > 0 && !host.endsWith("]") ? host.slice(0, colon) : host;
  return name.endsWith(".localhost") ? name.slice(0, -10) : undefined;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
