// `add`: scaffold one more service from a template into an existing project, editing agentctl.yaml in
// place (comments and order kept). Either both the files and the yaml entry land, or neither does.
import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { join, relative } from "node:path";
import { ConfigError, UserError } from "../errors.js";
import { findProjectFile, loadProjectSource } from "../project/load.js";
import { dnsLabelPattern, type TemplateName, templateNames } from "../project/schema.js";
import { serviceEntry } from "../scaffold/catalog.js";
import { copyTree, ensureSharedKit, templateDir } from "../scaffold/copy.js";
import { addServiceToProjectFile } from "../scaffold/project-file.js";
import { writeAtomically } from "./init.js";

/** Options of `add`. */
export interface AddOptions {
  name: string;
  template: string;
  file?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** What `add` changed. */
export interface AddResult {
  service: string;
  template: TemplateName;
  file: string;
  folder: string;
}

/** Adds a service made from a template. */
export async function add(options: AddOptions): Promise<AddResult> {
  const template = options.template as TemplateName;
  if (!templateNames.includes(template)) {
    throw new UserError(
      "E_UNKNOWN_TEMPLATE",
      `unknown template "${options.template}"; templates are: ${templateNames.join(", ")}`,
    );
  }
  if (!dnsLabelPattern.test(options.name) || options.name.length > 63) {
    throw new UserError("E_BAD_NAME", `"${options.name}" is not a valid service name`, {
      hint: "Use lower-case letters, digits and '-', starting with a letter (a DNS-1123 label).",
    });
  }
  const file = findProjectFile({ file: options.file, cwd: options.cwd });
  const root = join(file, "..");
  const source = await readFile(file, "utf8");
  const before = loadProjectSource(source, file, { cwd: options.cwd, env: options.env });
  if (!before.project)
    throw new ConfigError([...before.errors, ...before.warnings], {
      hint: "Fix the project file before adding a service.",
    });
  const existing = before.project.services.map((service) => service.name);
  if (existing.includes(options.name) || before.project.resources.some((r) => r.name === options.name)) {
    throw new UserError("E_EXISTS", `the project already has a service or resource named "${options.name}"`);
  }
  const folder = join(root, "services", options.name);
  if (existsSync(folder)) {
    throw new UserError(
      "E_EXISTS",
      `${relative(options.cwd ?? process.cwd(), folder) || folder} already exists`,
      {
        hint: "Pick another name, or remove the folder first.",
      },
    );
  }
  const updated = addServiceToProjectFile(
    source,
    options.name,
    serviceEntry(template, options.name, existing),
  );
  const after = loadProjectSource(updated, file, { cwd: options.cwd, env: options.env });
  if (!after.project) throw new ConfigError(after.errors);

  const sharedCreated = await ensureSharedKit(root);
  try {
    await copyTree(templateDir(template), folder);
    await writeAtomically(file, updated);
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    if (sharedCreated) await rm(join(root, "services", "_shared"), { recursive: true, force: true });
    throw error;
  }
  return { service: options.name, template, file, folder };
}
