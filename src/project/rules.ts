// Cross-field rules that a schema cannot express: references exist, no cycles, names are DNS labels,
// fixed ports are unique, every service can run on its runtime.
import type { Diagnostic, SourceLocation } from "../errors.js";
import { closestName } from "./describe.js";
import { formatPath } from "./issues.js";
import { dnsLabelPattern, type ProjectFile } from "./schema.js";

type PathSegment = string | number;
type Locate = (path: readonly PathSegment[], options?: { key?: boolean }) => SourceLocation | undefined;

/** Checks the rules that span fields; returns one diagnostic per broken rule. */
export function checkProjectRules(project: ProjectFile, locate: Locate): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const report = (path: PathSegment[], message: string, key = false) =>
    diagnostics.push({ severity: "error", path: formatPath(path), message, location: locate(path, { key }) });

  const serviceNames = Object.keys(project.services);
  const resourceNames = Object.keys(project.resources);
  if (serviceNames.length === 0) report(["services"], "expected at least one service, got none");

  for (const [kind, names] of [
    ["services", serviceNames],
    ["resources", resourceNames],
  ] as const) {
    for (const name of names) {
      if (!dnsLabelPattern.test(name) || name.length > 63) {
        report(
          [kind, name],
          `"${name}" is not a valid name; expected lower-case letters, digits and '-', starting with a letter (a DNS-1123 label, at most 63 characters)`,
          true,
        );
      }
    }
  }
  for (const name of resourceNames) {
    if (project.services[name])
      report(["resources", name], `"${name}" is both a service and a resource`, true);
  }

  for (const [name, service] of Object.entries(project.services)) {
    service.dependsOn.forEach((target, index) => {
      if (target === name)
        report(["services", name, "dependsOn", index], `service "${name}" cannot depend on itself`);
      else if (!project.services[target] && !project.resources[target]) {
        report(
          ["services", name, "dependsOn", index],
          unknownName(target, "service or resource", [...serviceNames, ...resourceNames]),
        );
      }
    });
    service.uses.forEach((target, index) => {
      if (!project.resources[target]) {
        report(["services", name, "uses", index], unknownName(target, "resource", resourceNames));
      }
    });
    const runtime = service.runtime ?? project.defaults.runtime;
    if (runtime === "process" && !service.entry && !service.command) {
      report(
        ["services", name],
        `cannot run on the process runtime: expected "entry" or "command", got neither`,
        true,
      );
    }
    if (runtime === "docker" && !service.build && !service.image && !service.entry) {
      report(
        ["services", name],
        `cannot run on the docker runtime: expected "build", "image" or "entry", got none`,
        true,
      );
    }
    if (service.autoscale && service.autoscale.min > service.autoscale.max) {
      report(
        ["services", name, "autoscale", "min"],
        `expected min <= max (${service.autoscale.max}), got ${service.autoscale.min}`,
      );
    }
  }

  const cycle = findCycle(project);
  if (cycle) {
    report(["services", cycle[0]!, "dependsOn"], `dependency cycle: ${cycle.join(" → ")}`);
  }

  checkPorts(project, report);
  return diagnostics;
}

function unknownName(name: string, what: string, known: string[]): string {
  const suggestion = closestName(name, known);
  if (suggestion) return `unknown ${what} "${name}"; did you mean "${suggestion}"?`;
  return `unknown ${what} "${name}"; known: ${known.length ? known.join(", ") : "none"}`;
}

function checkPorts(project: ProjectFile, report: (path: PathSegment[], message: string) => void): void {
  const claimed = new Map<number, string>();
  const claim = (port: number | undefined, owner: string, path: PathSegment[]) => {
    if (!port) return;
    const previous = claimed.get(port);
    if (previous) report(path, `port ${port} is already claimed by ${previous}`);
    else claimed.set(port, owner);
  };
  claim(project.router.port, "the router", ["router", "port"]);
  for (const [name, service] of Object.entries(project.services)) {
    claim(service.port, `service "${name}"`, ["services", name, "port"]);
  }
  for (const [name, resource] of Object.entries(project.resources)) {
    if (!resource.external) claim(resource.port, `resource "${name}"`, ["resources", name, "port"]);
  }
}

/** A dependency cycle as a list of names that starts and ends with the same name, if there is one. */
export function findCycle(project: ProjectFile): string[] | undefined {
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    state.set(name, "visiting");
    stack.push(name);
    for (const next of project.services[name]?.dependsOn ?? []) {
      if (!project.services[next]) continue;
      if (state.get(next) === "visiting") return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(name, "done");
    return undefined;
  };
  for (const name of Object.keys(project.services)) {
    if (!state.has(name)) {
      const found = visit(name);
      if (found) return found;
    }
  }
  return undefined;
}
