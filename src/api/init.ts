// `init`: scaffold a project — agentctl.yaml, the agent/tools/memory/gateway services from templates/,
// the shared service kit, .gitignore, .env.example and the JSON Schema for editors.
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { UserError } from "../errors.js";
import { projectFileName } from "../project/load.js";
import { dnsLabelPattern, projectJsonSchema } from "../project/schema.js";
import { initialServices } from "../scaffold/catalog.js";
import { copyTree, ensureSharedKit, templateDir } from "../scaffold/copy.js";
import { initialProjectFile } from "../scaffold/project-file.js";

/** Options of `init`. */
export interface InitOptions {
  /** Folder to create the project in (created when absent). */
  dir: string;
  /** Project name; defaults to the folder's name made into a DNS label. */
  name?: string;
  /** Allow a non-empty folder; existing service folders are kept, agentctl.yaml is backed up. */
  force?: boolean;
}

/** What `init` created. */
export interface InitResult {
  root: string;
  file: string;
  name: string;
  services: string[];
  created: string[];
  kept: string[];
}

const ignoredLines = [".agentctl/", ".env", ".data/", "node_modules/"];

/** Scaffolds a new project. */
export async function init(options: InitOptions): Promise<InitResult> {
  const root = resolve(options.dir);
  const name = options.name ?? toProjectName(basename(root));
  if (!dnsLabelPattern.test(name) || name.length > 63) {
    throw new UserError("E_BAD_NAME", `"${name}" is not a valid project name`, {
      hint: "Use lower-case letters, digits and '-', starting with a letter; pass one with --name.",
    });
  }
  const existing = existsSync(root) ? await readdir(root) : [];
  const visible = existing.filter((entry) => entry !== ".git");
  if (visible.length > 0 && !options.force) {
    throw new UserError(
      "E_NOT_EMPTY",
      `${root} is not empty (${visible.slice(0, 5).join(", ")}${visible.length > 5 ? ", …" : ""})`,
      {
        hint: "Pick an empty or new folder, or pass --force to scaffold into it anyway (existing service folders are kept).",
      },
    );
  }
  await mkdir(root, { recursive: true });
  const created: string[] = [];
  const kept: string[] = [];
  if (await ensureSharedKit(root)) created.push("services/_shared/");
  for (const service of initialServices) {
    const target = join(root, "services", service.name);
    if (existsSync(target)) {
      kept.push(`services/${service.name}/`);
      continue;
    }
    await copyTree(templateDir(service.template), target);
    created.push(`services/${service.name}/`);
  }
  const file = join(root, projectFileName);
  if (existsSync(file)) {
    await rename(file, `${file}.bak`);
    kept.push(`${projectFileName}.bak`);
  }
  await writeAtomically(file, initialProjectFile(name, initialServices));
  created.push(projectFileName);
  await writeAtomically(
    join(root, "agentctl.schema.json"),
    `${JSON.stringify(projectJsonSchema(), null, 2)}\n`,
  );
  created.push("agentctl.schema.json");
  if (await mergeGitignore(join(root, ".gitignore"))) created.push(".gitignore");
  if (!existsSync(join(root, ".env.example"))) {
    await writeFile(join(root, ".env.example"), envExample);
    created.push(".env.example");
  }
  return { root, file, name, services: initialServices.map((s) => s.name), created, kept };
}

const envExample = `# Copy to .env (git-ignored) and fill in. The environment wins over .env.
# The agent answers with a built-in offline responder unless an OpenAI-compatible endpoint is set:
# LLM_BASE_URL=https://api.openai.com/v1
# LLM_MODEL=gpt-4o-mini
# LLM_API_KEY=
# Comma-separated API keys the gateway accepts (no auth when unset):
# GATEWAY_API_KEYS=
`;

/** Turns a folder name into a project name: `My Demo` → `my-demo`. */
export function toProjectName(folder: string): string {
  const name = folder
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^[^a-z]+/, "")
    .replace(/-+$/, "")
    .slice(0, 63);
  return name || "agents";
}

async function mergeGitignore(file: string): Promise<boolean> {
  const current = existsSync(file) ? await readFile(file, "utf8") : "";
  const present = new Set(current.split("\n").map((line) => line.trim()));
  const missing = ignoredLines.filter((line) => !present.has(line));
  if (missing.length === 0) return false;
  const prefix = current === "" || current.endsWith("\n") ? current : `${current}\n`;
  await writeAtomically(file, `${prefix}${missing.join("\n")}\n`);
  return true;
}

/** Writes through a temporary file and a rename, so a crash never leaves half a file. */
export async function writeAtomically(file: string, contents: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, contents);
  await rename(temporary, file);
}
