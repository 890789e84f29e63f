// Writes and edits agentctl.yaml as a YAML document, so comments, key order and formatting the user
// wrote survive `agentctl add`.
import { Document, isMap, parseDocument, type YAMLMap } from "yaml";
import { UserError } from "../errors.js";
import type { TemplateName } from "../project/schema.js";
import { serviceEntry } from "./catalog.js";

/** The schema line editors (yaml-language-server) read. */
export const schemaComment = " yaml-language-server: $schema=./agentctl.schema.json";

/** The agentctl.yaml text `init` writes for a new project. */
export function initialProjectFile(
  name: string,
  services: { name: string; template: TemplateName }[],
): string {
  const names = services.map((service) => service.name);
  const document = new Document({
    name,
    defaults: { runtime: "process", restart: "on-failure", gracePeriod: "10s" },
    services: Object.fromEntries(services.map((s) => [s.name, serviceEntry(s.template, s.name, names)])),
    router: { port: 4000, strategy: "round_robin" },
  });
  document.commentBefore = `${schemaComment}\n agentctl project file. Reference: agentctl schema, or the README.\n Values may use \${VAR} and \${VAR:-default}; they are read from the environment and .env.`;
  const servicesNode = document.get("services", true) as YAMLMap | undefined;
  if (servicesNode) {
    servicesNode.commentBefore =
      " Each service is bundled from its TypeScript entry (agentctl build) and runs as a process\n by default; set runtime: docker to run it in a container.";
  }
  const routerNode = document.get("router", true) as YAMLMap | undefined;
  if (routerNode) {
    routerNode.commentBefore =
      " One stable address per service: http://127.0.0.1:4000/<service>/..., load-balanced over replicas.";
  }
  return document.toString({ lineWidth: 0 });
}

/** Adds a service entry to existing agentctl.yaml text, keeping everything else as it was. */
export function addServiceToProjectFile(
  source: string,
  name: string,
  entry: Record<string, unknown>,
): string {
  const document = parseDocument(source);
  if (document.errors.length > 0)
    throw new UserError("E_CONFIG", `agentctl.yaml is not valid YAML: ${document.errors[0]!.message}`);
  const services = document.get("services", true);
  if (!isMap(services)) {
    document.set("services", document.createNode({ [name]: entry }));
  } else {
    services.set(document.createNode(name), document.createNode(entry));
  }
  return document.toString({ lineWidth: 0 });
}
