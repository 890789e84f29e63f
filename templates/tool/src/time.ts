// The time tool: the current time in an IANA time zone, computed with Intl (no tz database to ship).
import { badRequest } from "../../_shared/errors.js";
import type { Tool } from "./tool.js";

/** `time {timezone?}` → the current date and time there, with its UTC offset. */
export const time: Tool = {
  name: "time",
  description: "Current date and time in an IANA time zone (default UTC).",
  parameters: {
    type: "object",
    properties: {
      timezone: {
        type: "string",
        description: 'IANA time zone, e.g. "Europe/Paris" (default "UTC").',
        maxLength: 64,
      },
    },
    required: [],
  },
  run(args) {
    return currentTime((args.timezone as string | undefined) ?? "UTC", new Date());
  },
};

/** The time `now` in `timezone`; a 400 naming the zone when Intl does not know it. */
export function currentTime(timezone: string, now: Date): Record<string, unknown> {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
      weekday: "long",
      timeZoneName: "longOffset",
    });
  } catch {
    throw badRequest(`time: unknown timezone "${timezone}"; use an IANA name such as "Europe/Paris"`, {
      parameter: "timezone",
    });
  }
  const parts = Object.fromEntries(format.formatToParts(now).map((part) => [part.type, part.value]));
  const offset = (parts.timeZoneName ?? "GMT").replace("GMT", "") || "+00:00";
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  const clock = `${parts.hour}:${parts.minute}:${parts.second}`;
  return {
    timezone,
    date,
    time: clock,
    weekday: parts.weekday,
    utc_offset: offset,
    local: `${date}T${clock}${offset}`,
    iso: now.toISOString(),
    unix: Math.floor(now.getTime() / 1000),
  };
}
