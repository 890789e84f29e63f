// `npm run bench`: runs each benchmark script in sequence (add a line to add one).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const scripts = ["startup.mjs", "up.mjs", "deploy.mjs", "router.mjs"];

let failed = 0;
for (const script of scripts) {
  console.log(`\n== bench/${script}`);
  const result = spawnSync(process.execPath, [fileURLToPath(new URL(script, import.meta.url))], {
    stdio: "inherit",
  });
  if (result.status !== 0) failed += 1;
}
process.exitCode = failed > 0 ? 1 : 0;
