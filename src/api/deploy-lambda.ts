// Bundles each serverless function: the service's `createApp` (from the `app.ts` beside its entry)
// joined with the Lambda adapter, into <out>/<service>/handler.mjs. The AWS SDK stays external: the
// Lambda Node.js runtime provides it, and the memory service loads it only when MEMORY_TABLE is set.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { handlerFile } from "../emit/serverless/index.js";
import { UserError } from "../errors.js";
import type { ResolvedProject } from "../project/resolve.js";

/** templates/_lambda/adapter.ts of this agentctl (the same relative path from src/ and dist/). */
export const lambdaAdapterPath = fileURLToPath(
  new URL("../../templates/_lambda/adapter.ts", import.meta.url),
);

/** Bundles one handler per packaged function. */
export async function bundleLambdaHandlers(project: ResolvedProject, out: string): Promise<void> {
  const esbuild = await import("esbuild");
  for (const service of project.services) {
    if (!service.entry || service.image || service.replicas === 0) continue;
    const app = join(dirname(service.entry), "app.ts");
    if (!existsSync(app)) {
      throw new UserError("E_NO_APP", `service "${service.name}": ${app} does not exist`, {
        hint: "The serverless target needs an app.ts beside the entry that exports createApp(options).",
      });
    }
    const contents = [
      `import { createApp } from ${JSON.stringify(app)};`,
      `import { createLambdaHandler } from ${JSON.stringify(lambdaAdapterPath)};`,
      "export const handler = createLambdaHandler(createApp({ env: process.env }), {",
      "  stripPrefix: process.env.AGENTCTL_LAMBDA_STRIP_PREFIX,",
      "});",
    ].join("\n");
    await esbuild.build({
      stdin: { contents, resolveDir: project.root, sourcefile: `${service.name}-lambda.ts`, loader: "ts" },
      outfile: join(out, handlerFile(service)),
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      external: ["@aws-sdk/*"],
      logLevel: "silent",
      banner: {
        js: "import { createRequire as __agentctlRequire } from 'node:module'; const require = __agentctlRequire(import.meta.url);",
      },
    });
  }
}
