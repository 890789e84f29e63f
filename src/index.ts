// The programmatic API, `import { init, up, call, down } from "agentctl"`: every verb the CLI has, the
// same functions its commands call, with their options and result types. Internals (the supervisor,
// the router, its registry) are not exported: they change without notice.

// Verbs, in the order `agentctl --help` lists them.
export { type AddOptions, type AddResult, add } from "./api/add.js";
export { type BuildOptions, build, type ServiceBuild, selectServices } from "./api/build.js";
export { type CallBatchOptions, type CallOptions, call, callBatch } from "./api/call.js";
export { type DeployOptions, type DeployResult, deploy } from "./api/deploy.js";
export { type DownOptions, type DownResult, down } from "./api/down.js";
export { type InitOptions, type InitResult, init } from "./api/init.js";
export { type LogsOptions, logs } from "./api/logs.js";
export { type PsResult, ps } from "./api/ps.js";
export { type RegistryListing, type RegistryOptions, registry } from "./api/registry.js";
export { restart } from "./api/restart.js";
export { type ScaleOptions, type ScaleResult, scale } from "./api/scale.js";
export { schema } from "./api/schema.js";
export { type UpOptions, up, upDetached } from "./api/up.js";
export { validate } from "./api/validate.js";
// Types the verbs take and return.
export type { BatchSummary } from "./client/batch.js";
export type { CallResponse } from "./client/call.js";
export type { ControlStatus } from "./client/control.js";
export type { EmitOptions, EmittedFile } from "./emit/files.js";
// Deploy targets and the Kubernetes lint `deploy --check` runs.
export { checkManifests } from "./emit/k8s/check.js";
export type { Target } from "./emit/targets.js";
export { findTarget, targets } from "./emit/targets.js";
// Errors: every failure is an AgentctlError with a code from the catalogue.
export {
  AgentctlError,
  ConfigError,
  type Diagnostic,
  type ErrorBody,
  type ErrorCode,
  errorCatalogue,
  InternalError,
  isErrorCode,
  type SourceLocation,
  UserError,
} from "./errors.js";
// Loading a project, which most verbs take.
export {
  findProjectFile,
  type LoadOptions,
  type LoadResult,
  loadProject,
  loadProjectOrThrow,
} from "./project/load.js";
export type { ResolvedProject, ResolvedService } from "./project/resolve.js";
export type { InstanceView as RouterInstanceView } from "./router/admin.js";
export type { Backend } from "./runtime/backend.js";
export type { HostedProject, TrafficFigures } from "./runtime/host.js";
export type { LogLine } from "./runtime/logs.js";
export type { ReapReport } from "./runtime/reap.js";
export type { InstanceView } from "./runtime/supervisor.js";
