// `agentctl registry`: the router's instances with their state, breaker and in-flight requests.
import { defineCommand } from "./command.js";
import { formatTable, writeJson, writeLines } from "./output.js";

export const registryCommand = defineCommand({
  usage: "registry",
  summary: "list the instances the router knows, with state, breaker and in-flight requests",
  description:
    "Ask the running router's admin API (with the control token in .agentctl/token) for every registered instance: the ones the supervisor started and the ones that joined from outside through POST /_agentctl/instances. Shows each one's state, circuit breaker, requests in flight and totals.",
  examples: [
    { command: "agentctl registry", description: "a table of instances" },
    { command: "agentctl registry --json", description: "the router's address and instances as JSON" },
  ],
  async run(_args, _options, context) {
    const { registry } = await import("../api/registry.js");
    const listing = await registry({ file: context.globals.file, cwd: context.cwd });
    if (context.globals.json) {
      writeJson(context, listing);
      return 0;
    }
    writeLines(context.stdout, `router ${listing.router.url} (pid ${listing.router.pid})`);
    if (listing.instances.length === 0) {
      writeLines(context.stdout, "no instances registered");
      return 0;
    }
    const rows = listing.instances.map((instance) => [
      instance.service,
      instance.id,
      instance.state,
      instance.breaker,
      String(instance.inflight),
      String(instance.requests),
      String(instance.errors),
      instance.source,
      instance.url,
    ]);
    writeLines(
      context.stdout,
      formatTable(
        ["SERVICE", "INSTANCE", "STATE", "BREAKER", "INFLIGHT", "REQUESTS", "ERRORS", "SOURCE", "URL"],
        rows,
      ),
    );
    return 0;
  },
});
