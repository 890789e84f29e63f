// Parsing of the quantity strings agentctl.yaml accepts: durations, memory sizes and CPU amounts.
// The schema checks the file's values first; what reaches a throw here came from a flag, so the
// error is the user's (exit 2) and names the flag.
import { UserError } from "../errors.js";

const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const memoryUnits: Record<string, number> = {
  "": 1,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

/** `250ms` → 250, `5s` → 5000, `1m` → 60000. `what` names the value in the error (a flag, a field). */
export function parseDuration(text: string, what?: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text);
  if (!match)
    throw new UserError("E_USAGE", `${expects(what)} a duration like 250ms, 5s or 1m, found "${text}"`);
  return Math.round(Number(match[1]) * durationUnits[match[2]!]!);
}

/** `512Mi` → 536870912 bytes. */
export function parseMemory(text: string, what?: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|K|M|G|T|k)?$/.exec(text);
  if (!match) throw new UserError("E_USAGE", `${expects(what)} a size like 512Mi or 1Gi, found "${text}"`);
  return Math.round(Number(match[1]) * memoryUnits[match[2] ?? ""]!);
}

function expects(what: string | undefined): string {
  return what === undefined ? "expected" : `${what} expects`;
}

/** `500m` → 500 millicores, `0.5` → 500, `2` → 2000. */
export function parseCpu(value: string | number): number {
  const text = String(value);
  if (text.endsWith("m")) return Number(text.slice(0, -1));
  return Math.round(Number(text) * 1000);
}
