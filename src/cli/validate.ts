// `agentctl validate`: check agentctl.yaml and print `ok` or every problem, one per line.
import { ExitCode, formatDiagnostic } from "../errors.js";
import { defineCommand } from "./command.js";
import { writeJson, writeLines } from "./output.js";

export const validateCommand = defineCommand({
  usage: "validate",
  summary: "check agentctl.yaml and print ok or every problem found",
  description:
    "Parse, interpolate and validate the project file, then check the rules that span fields (references, cycles, ports). Prints every problem at once as file:line:col  field: message.",
  examples: [
    { command: "agentctl validate", description: "check ./agentctl.yaml" },
    { command: "agentctl validate -f demo/agentctl.yaml --json", description: "machine-readable result" },
  ],
  async run(_args, _options, context) {
    const { validate } = await import("../api/validate.js");
    const result = validate({ file: context.globals.file, cwd: context.cwd, env: context.env });
    const ok = result.errors.length === 0;
    if (context.globals.json) {
      writeJson(context, {
        ok,
        file: result.file,
        project: result.project?.name,
        errors: result.errors,
        warnings: result.warnings,
      });
    } else {
      for (const warning of result.warnings) writeLines(context.stderr, formatDiagnostic(warning));
      if (ok) writeLines(context.stdout, "ok");
      else {
        writeLines(context.stderr, result.errors.map(formatDiagnostic));
        const count = result.errors.length;
        writeLines(context.stderr, `${count} problem${count === 1 ? "" : "s"} in the project file`);
      }
    }
    return ok ? ExitCode.ok : ExitCode.usage;
  },
});
