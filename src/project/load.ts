// Loading runs in phases: find → parse (with positions) → interpolate → validate (zod) → cross-field
// rules → resolve. It returns every problem at once, each with its field path and file:line:col.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve as resolvePath } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { ConfigError, type Diagnostic, UserError } from "../errors.js";
import { projectVariables } from "./dotenv.js";
import { interpolateDocument } from "./interpolate.js";
import { diagnosticsFromIssues } from "./issues.js";
import { locateOffset, locatePath } from "./locate.js";
import { type ResolvedProject, resolveProject } from "./resolve.js";
import { checkProjectRules } from "./rules.js";
import { type ProjectFile, projectSchema } from "./schema.js";

/** The file name agentctl looks for. */
export const projectFileName = "agentctl.yaml";

/** Where and how to load a project from. */
export interface LoadOptions {
  /** An explicit project file (`-f`); otherwise agentctl.yaml is searched from `cwd` upwards. */
  file?: string;
  cwd?: string;
  /** Variables for interpolation; defaults to the process environment (plus the project's .env). */
  env?: NodeJS.ProcessEnv;
}

/** The outcome of loading: the project when valid, and every diagnostic found. */
export interface LoadResult {
  file: string;
  project?: ResolvedProject;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

/** Finds the project file: the explicit one, or agentctl.yaml in `cwd` or the nearest parent. */
export function findProjectFile(options: Pick<LoadOptions, "file" | "cwd"> = {}): string {
  const cwd = options.cwd ?? process.cwd();
  if (options.file) {
    const file = resolvePath(cwd, options.file);
    if (!existsSync(file)) throw new UserError("E_NO_PROJECT", `project file not found: ${file}`);
    return file;
  }
  for (let dir = resolvePath(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, projectFileName);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new UserError("E_NO_PROJECT", `no ${projectFileName} in ${cwd} or any parent folder`, {
    hint: "Run `agentctl init` to create a project, or pass one with -f.",
  });
}

/** Loads, validates and resolves a project file, collecting every problem. */
export function loadProject(options: LoadOptions = {}): LoadResult {
  const file = findProjectFile(options);
  const source = readFileSync(file, "utf8");
  return loadProjectSource(source, file, options);
}

/** Same as loadProject, for source text already in memory (`file` names it in messages). */
export function loadProjectSource(source: string, file: string, options: LoadOptions = {}): LoadResult {
  const display = relative(options.cwd ?? process.cwd(), file) || file;
  const lineCounter = new LineCounter();
  const document = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  for (const problem of document.errors) {
    errors.push({
      severity: "error",
      path: "",
      message: yamlMessage(problem.message),
      location: locateOffset(lineCounter, display, problem.pos[0]),
    });
  }
  if (errors.length > 0) return { file, errors, warnings };

  const variables = projectVariables(dirname(file), options.env ?? process.env);
  for (const problem of interpolateDocument(document, variables)) {
    (problem.severity === "error" ? errors : warnings).push({
      severity: problem.severity,
      path: "",
      message: problem.message,
      location: locateOffset(lineCounter, display, problem.offset),
    });
  }

  const locate = (path: readonly (string | number)[], opts?: { key?: boolean }) =>
    locatePath(document, lineCounter, display, path, opts);
  const data: unknown = document.toJS() ?? {};
  if (typeof data !== "object" || Array.isArray(data)) {
    errors.push({
      severity: "error",
      path: "",
      message: "expected a map at the top level",
      location: locate([]),
    });
    return { file, errors, warnings };
  }
  const parsed = projectSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) {
    errors.push(...sortByPosition(diagnosticsFromIssues(parsed.error.issues, locate)));
    return { file, errors, warnings };
  }
  errors.push(...sortByPosition(checkProjectRules(parsed.data, locate)));
  if (errors.length > 0) return { file, errors, warnings };
  return { file, errors, warnings, project: resolveProject(parsed.data as ProjectFile, { file, source }) };
}

/** Loads a project or throws a ConfigError listing every problem. */
export function loadProjectOrThrow(options: LoadOptions = {}): ResolvedProject {
  const result = loadProject(options);
  if (!result.project) throw new ConfigError([...result.errors, ...result.warnings]);
  return result.project;
}

/** Orders diagnostics as they appear in the file, so the output reads top to bottom. */
function sortByPosition(diagnostics: Diagnostic[]): Diagnostic[] {
  const key = (d: Diagnostic) =>
    d.location ? d.location.line * 100_000 + d.location.col : Number.MAX_SAFE_INTEGER;
  return [...diagnostics].sort((a, b) => key(a) - key(b));
}

function yamlMessage(message: string): string {
  const firstLine = message.split("\n")[0] ?? message;
  return `invalid YAML: ${firstLine.replace(/ at line \d+, column \d+:?$/, "")}`;
}
