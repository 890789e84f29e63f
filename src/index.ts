// The programmatic API: the same functions the CLI commands call.
export { build, selectServices } from "./api/build.js";
export { call, callBatch } from "./api/call.js";
export { registry } from "./api/registry.js";
export { schema } from "./api/schema.js";
export { validate } from "./api/validate.js";
export { AgentctlError, ConfigError, InternalError, UserError } from "./errors.js";
export { findProjectFile, loadProject, loadProjectOrThrow } from "./project/load.js";
export type { ResolvedProject, ResolvedService } from "./project/resolve.js";
export { Registry } from "./router/registry.js";
export { type RunningRouter, startRouter } from "./router/server.js";
