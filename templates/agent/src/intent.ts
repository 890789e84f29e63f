// What the built-in responder recognises in a message: arithmetic to hand to the calculator, and
// questions about the time (with an IANA zone when one is named). Pure text functions.

const runPattern = /(?:(?:sqrt|abs|round|floor|ceil|min|max|ln|log10)\s*\(|[\d.+\-*/%^(),\s])+/gi;
// An operator after a number (or ")") with more to come: "2+3", "(1+2)*3", and also "2+*3", which the
// calculator then rejects with the position, rather than the agent ignoring it.
const binaryOperation = /[\d.)]\s*[-+*/%^][\s\S]*[\d(]/;
const functionCall = /(?:sqrt|abs|round|floor|ceil|min|max|ln|log10)\s*\(/i;
const isoDate = /^\d{4}-\d{2}-\d{2}$/;

/** The arithmetic expression in a message ("what is 2+3*4?" → "2+3*4"), if there is one. */
export function findArithmetic(message: string): string | undefined {
  let best: string | undefined;
  for (const match of message.matchAll(runPattern)) {
    const candidate = match[0].trim().replace(/[,.]+$/, "");
    if (!/\d/.test(candidate) || isoDate.test(candidate)) continue;
    if (!binaryOperation.test(candidate) && !functionCall.test(candidate)) continue;
    if (!best || candidate.length > best.length) best = candidate;
  }
  return best;
}

/** Whether a message asks for the time. */
export function asksForTime(message: string): boolean {
  return /\b(time|clock)\b/i.test(message);
}

/** An IANA zone named in a message ("in Europe/Paris"), or UTC/GMT. */
export function findTimezone(message: string): string | undefined {
  const zone = /\b([A-Z][A-Za-z_]+(?:\/[A-Z][A-Za-z_+-]+){1,2})\b/.exec(message);
  if (zone) return zone[1];
  return /\b(UTC|GMT)\b/i.test(message) ? "UTC" : undefined;
}
