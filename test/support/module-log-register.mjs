// Preloaded with `node --import` to log every module the program loads (one URL a line) to the file
// named by AGENTCTL_MODULE_LOG, through a loader hook: what start-up loads is checked, not timed.
import { register } from "node:module";

register("./module-log-hooks.mjs", import.meta.url, { data: { file: process.env.AGENTCTL_MODULE_LOG } });
