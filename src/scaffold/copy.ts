// Copies a template folder into a project. Files are staged in a temporary sibling folder and renamed
// into place at the end, so a failure never leaves a half-written service behind.

import { existsSync } from "node:fs";
import { cp, mkdir, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The templates/ folder shipped with agentctl (beside dist/ and src/). */
export const templatesDir = fileURLToPath(new URL("../../templates/", import.meta.url));

/** Folder of one template's sources. */
export function templateDir(template: string): string {
  return join(templatesDir, template);
}

/** Copies `from` to `to` through a staging folder; `to` must not exist. */
export async function copyTree(from: string, to: string): Promise<void> {
  const staging = join(dirname(to), `.agentctl-staging-${process.pid}-${Date.now()}`);
  await mkdir(dirname(to), { recursive: true });
  try {
    await cp(from, staging, {
      recursive: true,
      filter: (source) => !/(^|\/)(node_modules|\.data|dist)(\/|$)/.test(source.slice(from.length)),
    });
    await rename(staging, to);
  } finally {
    if (existsSync(staging)) await rm(staging, { recursive: true, force: true });
  }
}

/** The shared kit every template imports from `../../_shared/`; copied once per project. */
export async function ensureSharedKit(projectRoot: string): Promise<boolean> {
  const target = join(projectRoot, "services", "_shared");
  if (existsSync(target)) return false;
  await copyTree(join(templatesDir, "_shared"), target);
  return true;
}
