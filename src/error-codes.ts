// The error catalogue: every code an AgentctlError can carry, with the exit code it ends the CLI with
// and what it means, in one place. The README's table of error codes is generated from it
// (`npm run docs`) and a test fails when the two disagree.
//
// To add a code: add ONE line below, in alphabetical order, then run `npm run docs`. Exit 2 when the
// user can fix it by changing the command line or agentctl.yaml; exit 1 when the world failed (a
// process, a port, the engine, the network) or agentctl did.

/** What one error code means and how the CLI ends when it is raised. */
export interface ErrorCodeEntry {
  /** 1: a runtime failure; 2: a usage or configuration error. */
  exit: 1 | 2;
  /** One line saying when the code is raised. */
  meaning: string;
}

/** Every error code, with its exit code and meaning. */
// biome-ignore format: one line per code keeps the catalogue easy to read and to merge
export const errorCatalogue = {
  E_ALREADY_RUNNING: { exit: 1, meaning: "`agentctl up` already runs for this project" },
  E_APPLY_FAILED: { exit: 1, meaning: "the deploy tool that `deploy --apply` ran exited with an error" },
  E_APPLY_TOOL_MISSING: { exit: 2, meaning: "`deploy --apply` needs a tool (kubectl, docker compose, serverless) that is not installed" },
  E_BAD_NAME: { exit: 2, meaning: "a project or service name is not a lower-case DNS label" },
  E_BAD_REQUEST: { exit: 1, meaning: "the control or admin API got a request body it cannot use" },
  E_BASE_IMAGE_NOT_FOUND: { exit: 2, meaning: "`defaults.baseImage` is not on this machine (agentctl never pulls)" },
  E_BATCH_FILE: { exit: 2, meaning: "the batch file of `call --batch` cannot be read or has a bad line" },
  E_BODY_TOO_LARGE: { exit: 1, meaning: "a request body to the control or admin API is over its size limit" },
  E_BUILD: { exit: 1, meaning: "esbuild could not bundle a service's entry" },
  E_CHECK_TARGET: { exit: 2, meaning: "`deploy --check` was asked for a target other than k8s" },
  E_CONFIG: { exit: 2, meaning: "agentctl.yaml has problems; each is printed with file:line:col and field path" },
  E_CONTAINER_NAME_TAKEN: { exit: 2, meaning: "a container name agentctl needs belongs to something else" },
  E_CONTAINER_START: { exit: 1, meaning: "the Docker engine could not start a service's container" },
  E_CONTROL: { exit: 1, meaning: "the supervisor's control API does not answer or answered an error" },
  E_DEPLOY_ENV: { exit: 2, meaning: "`deploy --env` is not a short lower-case name" },
  E_DEPLOY_FLAGS: { exit: 2, meaning: "`deploy` flags that exclude each other were given together" },
  E_DEPLOY_NO_IMAGE: { exit: 2, meaning: "a service to deploy has neither an entry to bundle nor an image" },
  E_DOCKER_UNREACHABLE: { exit: 1, meaning: "a service runs on docker but no Docker engine answers" },
  E_EXISTS: { exit: 2, meaning: "`add` would overwrite a service or folder that exists" },
  E_IMAGE_BUILD: { exit: 1, meaning: "building a service's image failed" },
  E_IMAGE_NOT_FOUND: { exit: 2, meaning: "a service's image is not on this machine (agentctl never pulls)" },
  E_INTERNAL: { exit: 1, meaning: "something agentctl did not expect; run again with --debug and report it" },
  E_INTERRUPTED: { exit: 1, meaning: "stopped (Ctrl-C or a signal) before everything was ready" },
  E_LOCK: { exit: 1, meaning: "the project's state lock could not be taken" },
  E_NETWORK_TAKEN: { exit: 2, meaning: "the Docker network agentctl needs belongs to another project" },
  E_NOT_EMPTY: { exit: 2, meaning: "`init` was pointed at a folder that is not empty" },
  E_NOT_FOUND: { exit: 1, meaning: "the control or admin API has no such endpoint or instance" },
  E_NOT_READY: { exit: 1, meaning: "a service or the supervisor did not become ready in time" },
  E_NOT_RUNNING: { exit: 1, meaning: "nothing is running for this project" },
  E_NO_APP: { exit: 2, meaning: "the serverless target needs an app.ts beside the service's entry" },
  E_NO_BACKEND: { exit: 1, meaning: "a service's runtime has no backend in `agentctl up`" },
  E_NO_BUILD_CONTEXT: { exit: 2, meaning: "a service's docker build context does not exist" },
  E_NO_BUNDLE: { exit: 2, meaning: "a service's bundle is missing; run `agentctl build`" },
  E_NO_COMMAND: { exit: 2, meaning: "a service has neither a command nor an entry to run" },
  E_NO_ENTRY: { exit: 2, meaning: "a service's entry file does not exist" },
  E_NO_IMAGE: { exit: 2, meaning: "a docker service has no build, image or entry to make an image from" },
  E_NO_PROJECT: { exit: 2, meaning: "no agentctl.yaml here or in a parent folder, or the -f file is missing" },
  E_NO_TARGET: { exit: 2, meaning: "`deploy` needs --target" },
  E_PORT_IN_USE: { exit: 2, meaning: "a port a service or resource is given is already in use" },
  E_RESOURCE_DATA: { exit: 2, meaning: "a resource's data folder holds files it cannot use" },
  E_RESOURCE_NOT_LOCAL: { exit: 2, meaning: "a resource kind cannot run on this machine" },
  E_RESOURCE_PROGRAM: { exit: 1, meaning: "the program a backing resource needs is missing or cannot run" },
  E_RESOURCE_SETUP: { exit: 1, meaning: "creating a backing resource's data failed" },
  E_ROUTER_ADMIN: { exit: 1, meaning: "the router's admin API refused a request" },
  E_ROUTER_PORT: { exit: 1, meaning: "the router's port is already in use" },
  E_SCALE_RESOURCE: { exit: 2, meaning: "backing resources run one instance and cannot be scaled" },
  E_SCALE_SYNTAX: { exit: 2, meaning: "`scale` expects service=replicas" },
  E_SECRET_MISSING: { exit: 2, meaning: "`deploy --apply` needs secrets that are not in the environment" },
  E_STILL_RUNNING: { exit: 1, meaning: "the supervisor did not stop in time after `down`" },
  E_SUPERVISOR: { exit: 1, meaning: "the supervisor failed while starting or stopping instances" },
  E_UNAUTHORIZED: { exit: 1, meaning: "a request to the control or admin API lacked the project's token" },
  E_UNKNOWN_SERVICE: { exit: 2, meaning: "a command names a service the project does not have" },
  E_UNKNOWN_TARGET: { exit: 2, meaning: "`deploy --target` names a target that does not exist" },
  E_UNKNOWN_TEMPLATE: { exit: 2, meaning: "`add --template` names a template that does not exist" },
  E_UP_FAILED: { exit: 1, meaning: "the background supervisor of `up -d` stopped before everything was ready" },
  E_USAGE: { exit: 2, meaning: "a flag or argument is missing or malformed" },
} as const satisfies Record<`E_${string}`, ErrorCodeEntry>;

/** A code from the catalogue. */
export type ErrorCode = keyof typeof errorCatalogue;

/** Whether `code` (read from a file or an HTTP answer) is a code of the catalogue. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.hasOwn(errorCatalogue, code);
}

/** The README's table of error codes, as markdown. */
export function errorCodeTable(): string {
  const rows = Object.entries(errorCatalogue).map(
    ([code, entry]) => `| \`${code}\` | ${entry.exit} | ${entry.meaning} |`,
  );
  return ["| code | exit | meaning |", "| --- | --- | --- |", ...rows].join("\n");
}
