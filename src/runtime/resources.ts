// Backing resources `up` runs on this machine: which ones (not external, used by a service), where
// their programs are (PATH, then where Debian keeps them), their data folders (.agentctl/data/<name>/,
// kept across down/up like a named volume) and postgres's one-time initdb. Everything that can be
// checked before anything starts is checked here, with errors that say what to install or set.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { chown } from "node:fs/promises";
import { delimiter, dirname, join } from "node:path";
import { execa } from "execa";
import { AgentctlError, UserError } from "../errors.js";
import type { ResolvedProject, ResolvedResource } from "../project/resolve.js";
import type { StartSpec } from "./backend.js";
import { isPortFree } from "./ports.js";
import { portHolder } from "./process-table.js";
import { postgresRole, type ResourceServer, resourceServer } from "./resource-servers.js";

/** A resource `up` runs here, with its programs found. */
export interface LocalResource {
  resource: ResolvedResource;
  server: ResourceServer;
  /** `<project>/.agentctl/data/<name>`. */
  dataDir: string;
  /** Absolute path of the server program found. */
  program: string;
  /** Program and arguments that start it on a port. */
  command(port: number): string[];
  /** What creating a postgres cluster takes (programs, and setpriv when agentctl runs as root). */
  postgres?: { initdb: string; postgres: string; runAs: string[] };
}

// sbin folders are often missing from a user's PATH, yet Debian puts nats-server there.
const fallbackDirs = ["/usr/local/sbin", "/usr/sbin", "/sbin"];
const postgresLibDir = "/usr/lib/postgresql";

/** `<project>/.agentctl/data`: every resource's data folder lives under it. */
export function resourceDataRoot(project: ResolvedProject): string {
  return join(project.stateDir, "data");
}

/** The resources `up` should run: not external and used (uses or dependsOn) by some service. */
export function resourcesToRun(project: ResolvedProject): ResolvedResource[] {
  return project.resources.filter(
    (resource) =>
      !resource.external &&
      project.services.some((s) => s.uses.includes(resource.name) || s.dependsOn.includes(resource.name)),
  );
}

/**
 * Finds every program the resources to run need; fails naming the resource, the program and the
 * Debian package (or external:) when one is missing, and for kinds with no local server (kafka).
 */
export function locateResources(project: ResolvedProject, env: NodeJS.ProcessEnv): LocalResource[] {
  return resourcesToRun(project).map((resource) => {
    const server = resourceServer(resource.kind);
    if (!server)
      throw new UserError(
        "E_RESOURCE_NOT_LOCAL",
        `resource "${resource.name}" is a ${resource.kind}, which agentctl up cannot run on this machine (there is no single-binary ${resource.kind} server to start)`,
        {
          hint: `Set resources.${resource.name}.external to the address of a ${resource.kind} you run (e.g. external: "kafka://127.0.0.1:9092"), or use a deploy target (agentctl deploy compose) which runs it in a container.`,
        },
      );
    const dirs = searchDirs(resource, env);
    const paths = [server.program, ...server.setupPrograms].map((program) => {
      const found = dirs.map((dir) => join(dir, program)).find(isExecutable);
      if (!found)
        throw new AgentctlError(
          "E_RESOURCE_PROGRAM",
          `resource "${resource.name}" (${resource.kind}) needs the program ${program}, which is neither on PATH nor in ${[...fallbackDirs, ...(resource.kind === "postgres" ? [`${postgresLibDir}/<version>/bin`] : [])].join(", ")}`,
          {
            hint: `Install Debian's ${server.debianPackage} package (apt-get install ${server.debianPackage}), or set resources.${resource.name}.external to the URL of a ${resource.kind} server you run.`,
          },
        );
      return found;
    });
    const dataDir = join(resourceDataRoot(project), resource.name);
    const runAs = postgresRunAs(resource, env);
    return {
      resource,
      server,
      dataDir,
      program: paths[0]!,
      command: (port) => [...runAs, paths[0]!, ...server.args(dataDir, port)],
      postgres: server.kind === "postgres" ? { initdb: paths[1]!, postgres: paths[0]!, runAs } : undefined,
    };
  });
}

/** What the process backend starts for a resource: its program in its data folder, the inherited env. */
export function resourceStartSpec(
  local: LocalResource,
  port: number,
  env: NodeJS.ProcessEnv,
): Pick<StartSpec, "command" | "cwd" | "env"> {
  return {
    command: local.command(port),
    cwd: local.dataDir,
    env: Object.fromEntries(
      Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
    ),
  };
}

/** Fails naming the holder when a resource's configured port is taken. */
export async function ensureResourcePortFree(port: number, name: string): Promise<void> {
  if (await isPortFree(port)) return;
  const holder = portHolder(port);
  const who = holder?.pid
    ? `pid ${holder.pid}${holder.command ? ` (${holder.command})` : ""}`
    : "another process";
  throw new UserError("E_PORT_IN_USE", `port ${port} of resource "${name}" is already in use by ${who}`, {
    hint: `Stop that process, or change resources.${name}.port in agentctl.yaml (or remove it for a free port).`,
  });
}

/**
 * Creates the data folder; for postgres, a cluster with the agentctl role and database the first
 * time (initdb into a staging folder, renamed into place only once complete, so a failed attempt
 * never leaves a half cluster that later runs would take for a good one).
 */
export async function prepareResource(local: LocalResource, onLine: (text: string) => void): Promise<void> {
  const setup = local.postgres;
  if (!setup) {
    mkdirSync(local.dataDir, { recursive: true });
    return;
  }
  if (existsSync(join(local.dataDir, "PG_VERSION"))) return;
  if (existsSync(local.dataDir) && readdirSync(local.dataDir).length > 0)
    throw new UserError(
      "E_RESOURCE_DATA",
      `the data folder of resource "${local.resource.name}" (${local.dataDir}) holds files but no postgres cluster`,
      { hint: "Move it away, or remove every resource's data with `agentctl down --volumes`." },
    );
  const staging = `${local.dataDir}.initdb`;
  rmSync(staging, { recursive: true, force: true });
  // The parents keep the default mode: as root, the postgres user must get through them.
  mkdirSync(dirname(staging), { recursive: true });
  mkdirSync(staging, { mode: 0o700 });
  const owner = setup.runAs.length > 0 ? systemUser("postgres") : undefined;
  if (owner) await chown(staging, owner.uid, owner.gid);
  onLine(`agentctl: creating a postgres cluster in ${local.dataDir} (initdb, trust auth on 127.0.0.1)`);
  await runSetup(
    local,
    "initdb",
    [
      ...setup.runAs,
      setup.initdb,
      "-D",
      staging,
      "-U",
      postgresRole,
      "--auth=trust",
      "--encoding=UTF8",
      "--no-locale",
      // A local development cluster: skipping fsync makes initdb seconds faster.
      "--no-sync",
    ],
    undefined,
    onLine,
  );
  // Single-user mode creates the database before any server listens (it runs as the bootstrap role).
  await runSetup(
    local,
    "postgres --single (CREATE DATABASE)",
    [...setup.runAs, setup.postgres, "--single", "-D", staging, "postgres"],
    `CREATE DATABASE ${postgresRole};\n`,
    onLine,
  );
  if (existsSync(local.dataDir)) rmSync(local.dataDir, { recursive: true });
  renameSync(staging, local.dataDir);
}

async function runSetup(
  local: LocalResource,
  step: string,
  command: string[],
  input: string | undefined,
  onLine: (text: string) => void,
): Promise<void> {
  const result = await execa(command[0]!, command.slice(1), {
    input,
    stdin: input === undefined ? "ignore" : undefined,
    all: true,
    reject: false,
    cwd: join(local.dataDir, ".."),
  });
  const lines = (result.all ?? "").split("\n").filter((line) => line.trim() !== "");
  for (const line of lines) onLine(line);
  const failedStatement = lines.find((line) => /\bERROR:|\bFATAL:/.test(line));
  if (result.exitCode !== 0 || failedStatement)
    throw new AgentctlError(
      "E_RESOURCE_SETUP",
      `could not create the data of resource "${local.resource.name}": ${step} ${result.exitCode === 0 ? "reported" : `exited with ${result.exitCode ?? result.signal}`}:\n${lines.slice(-10).join("\n")}`,
      {
        hint:
          (local.postgres?.runAs.length ?? 0) > 0
            ? "agentctl runs as root, so postgres runs as the postgres user, who must be able to reach the project folder (every parent folder needs o+x)."
            : `Fix what it says, or set resources.${local.resource.name}.external.`,
      },
    );
}

// Where a resource's programs are looked for: postgres's versioned folder first when a version is
// asked for, then PATH, the sbin folders, and (postgres) every installed version, newest first.
function searchDirs(resource: ResolvedResource, env: NodeJS.ProcessEnv): string[] {
  const path = (env.PATH ?? "").split(delimiter).filter((dir) => dir !== "");
  if (resource.kind !== "postgres") return [...path, ...fallbackDirs];
  const installed = existsSync(postgresLibDir)
    ? readdirSync(postgresLibDir)
        .filter((version) => /^\d+(\.\d+)?$/.test(version))
        .sort((a, b) => Number(b) - Number(a))
        .map((version) => join(postgresLibDir, version, "bin"))
    : [];
  const wanted = resource.version ? [join(postgresLibDir, resource.version, "bin")] : [];
  return [...wanted, ...path, ...fallbackDirs, ...installed];
}

function isExecutable(file: string): boolean {
  try {
    return statSync(file).isFile() && (statSync(file).mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

// postgres refuses to run as root; as root (CI, containers) it runs as the postgres user that
// Debian's package creates, through setpriv (which execs, so the pid and process group stay ours).
function postgresRunAs(resource: ResolvedResource, env: NodeJS.ProcessEnv): string[] {
  if (resource.kind !== "postgres" || process.getuid?.() !== 0) return [];
  const setpriv = [...(env.PATH ?? "").split(delimiter), "/usr/bin", "/bin"]
    .filter((dir) => dir !== "")
    .map((dir) => join(dir, "setpriv"))
    .find(isExecutable);
  if (!systemUser("postgres") || !setpriv)
    throw new AgentctlError(
      "E_RESOURCE_PROGRAM",
      `resource "${resource.name}" (postgres) cannot run as root, and there is ${setpriv ? "no postgres user" : "no setpriv program"} to run it as another user`,
      {
        hint: `Run agentctl up as a normal user, install Debian's postgresql package (it creates the postgres user), or set resources.${resource.name}.external.`,
      },
    );
  return [setpriv, "--reuid=postgres", "--regid=postgres", "--init-groups"];
}

function systemUser(name: string): { uid: number; gid: number } | undefined {
  try {
    const line = readFileSync("/etc/passwd", "utf8")
      .split("\n")
      .find((entry) => entry.startsWith(`${name}:`));
    if (!line) return undefined;
    const [, , uid, gid] = line.split(":");
    return { uid: Number(uid), gid: Number(gid) };
  } catch {
    return undefined;
  }
}
