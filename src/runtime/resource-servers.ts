// How each kind of backing resource runs on this machine: the host's own server program (from PATH,
// or where Debian keeps it), its arguments for a loopback-only server on one port with its data in
// .agentctl/data/<name>/, the URL services get and the TCP check that tells it is ready. Pure facts;
// locating programs and preparing data folders are in resources.ts.
import type { ResolvedResource } from "../project/resolve.js";

/** Resource kinds `up` can run from a host program. */
export type LocalResourceKind = "redis" | "postgres" | "nats";

/** The role and database a local postgres has, as on the deploy targets (postgres://agentctl@…/agentctl). */
export const postgresRole = "agentctl";

/** What it takes to run one kind of resource locally. */
export interface ResourceServer {
  kind: LocalResourceKind;
  /** The program that serves, looked up on PATH and in `extraDirs`. */
  program: string;
  /** Programs needed once, to create the data folder (postgres: initdb). */
  setupPrograms: string[];
  /** The Debian package that ships them. */
  debianPackage: string;
  /** Program, then arguments, for a server on 127.0.0.1:<port> keeping its data in dataDir. */
  args(dataDir: string, port: number): string[];
  /** The URL services get (REDIS_URL, DATABASE_URL, NATS_URL and AGENTCTL_SERVICE_<NAME>_URL). */
  url(port: number): string;
}

const servers: Record<LocalResourceKind, ResourceServer> = {
  redis: {
    kind: "redis",
    program: "redis-server",
    setupPrograms: [],
    debianPackage: "redis-server",
    // No config file: only these settings. Bound to loopback, protected mode has nothing to protect
    // and only makes clients that reach it another way fail confusingly. appendonly: every write is
    // kept, like the deploy targets' `redis-server --appendonly yes`.
    args: (dataDir, port) => [
      "--bind",
      "127.0.0.1",
      "--port",
      String(port),
      "--dir",
      dataDir,
      "--protected-mode",
      "no",
      "--appendonly",
      "yes",
      "--daemonize",
      "no",
    ],
    url: (port) => `redis://127.0.0.1:${port}`,
  },
  postgres: {
    kind: "postgres",
    program: "postgres",
    setupPrograms: ["initdb"],
    debianPackage: "postgresql",
    // The socket goes into the data folder: the default /var/run/postgresql belongs to the system's
    // cluster. TCP on 127.0.0.1 only, where initdb --auth=trust lets the agentctl role in unasked.
    args: (dataDir, port) => [
      "-D",
      dataDir,
      "-k",
      socketDirFor(dataDir),
      "-h",
      "127.0.0.1",
      "-p",
      String(port),
    ],
    url: (port) => `postgres://${postgresRole}@127.0.0.1:${port}/${postgresRole}`,
  },
  nats: {
    kind: "nats",
    program: "nats-server",
    setupPrograms: [],
    debianPackage: "nats-server",
    args: (dataDir, port) => ["-a", "127.0.0.1", "-p", String(port), "--jetstream", "--store_dir", dataDir],
    url: (port) => `nats://127.0.0.1:${port}`,
  },
};

/** The local server of a resource kind, or undefined for kinds with no local program (kafka). */
export function resourceServer(kind: ResolvedResource["kind"]): ResourceServer | undefined {
  return kind === "kafka" ? undefined : servers[kind];
}

// A Unix socket path is at most 107 bytes; past that postgres refuses to start, so a data folder
// deep in the tree gets no socket (TCP is what services use anyway).
function socketDirFor(dataDir: string): string {
  return `${dataDir}/.s.PGSQL.65535`.length <= 107 ? dataDir : "";
}
