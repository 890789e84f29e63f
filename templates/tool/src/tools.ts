// The tools this service offers. Adding a tool is writing a `Tool` and listing it here.
import { calculator } from "./calculator.js";
import { textStats, textTransform } from "./text.js";
import { time } from "./time.js";
import type { Tool } from "./tool.js";

/** Every tool, in the order /tools/list shows them. */
export const builtinTools: readonly Tool[] = [calculator, time, textStats, textTransform];
