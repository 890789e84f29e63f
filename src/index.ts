// The programmatic API: the same functions the CLI commands call.
export { build, selectServices } from "./api/build.js";
export { call, callBatch } from "./api/call.js";
export { down } from "./api/down.js";
export { logs } from "./api/logs.js";
export { ps } from "./api/ps.js";
export { registry } from "./api/registry.js";
export { restart } from "./api/restart.js";
export { scale } from "./api/scale.js";
export { schema } from "./api/schema.js";
export { up, upDetached } from "./api/up.js";
export { validate } from "./api/validate.js";
export { AgentctlError, ConfigError, InternalError, UserError } from "./errors.js";
export { findProjectFile, loadProject, loadProjectOrThrow } from "./project/load.js";
export type { ResolvedProject, ResolvedService } from "./project/resolve.js";
export { Registry } from "./router/registry.js";
export { type RunningRouter, startRouter } from "./router/server.js";
export type { Backend } from "./runtime/backend.js";
export { type InstanceView, Supervisor } from "./runtime/supervisor.js";
