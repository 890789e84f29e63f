// `deploy --env NAME`: an environment name. It suffixes the k8s namespace and the compose project, is the
// serverless stage, and `<project>/.env.NAME` (when present) adds values for ${VAR} interpolation and for
// secrets at apply time — under the process environment, which wins as it does over `.env`.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseEnv } from "node:util";
import { UserError } from "../errors.js";
import { findProjectFile } from "../project/load.js";

/** The variables a deploy to environment `name` sees: `.env.NAME` overlaid by `environment`. */
export function deployEnvironment(
  name: string | undefined,
  options: { file?: string; cwd?: string; environment: NodeJS.ProcessEnv },
): NodeJS.ProcessEnv {
  if (name === undefined) return options.environment;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 20) {
    throw new UserError(
      "E_DEPLOY_ENV",
      `--env expects a short lower-case name like "staging", got ${JSON.stringify(name)}`,
      {
        hint: "It becomes part of the Kubernetes namespace and the serverless stage.",
      },
    );
  }
  const file = join(dirname(findProjectFile({ file: options.file, cwd: options.cwd })), `.env.${name}`);
  const values = existsSync(file) ? (parseEnv(readFileSync(file, "utf8")) as Record<string, string>) : {};
  return { ...values, ...options.environment };
}
