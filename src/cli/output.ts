// Human output helpers: colour only on a TTY and never with NO_COLOR or --no-color; JSON for scripts.
import type { CommandContext } from "./command.js";

const codes = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
  dim: [2, 22],
  bold: [1, 22],
} as const;

/** A colour name the painter knows. */
export type Colour = keyof typeof codes;

/** Returns a function that colours text, or leaves it alone when colour is off. */
export function painter(enabled: boolean): (colour: Colour, text: string) => string {
  return (colour, text) => (enabled ? `\u001b[${codes[colour][0]}m${text}\u001b[${codes[colour][1]}m` : text);
}

/** Whether colour is on for this context's stdout. */
export function colourEnabled(context: Pick<CommandContext, "globals" | "env" | "stdout">): boolean {
  if (!context.globals.color) return false;
  if (context.env.NO_COLOR !== undefined && context.env.NO_COLOR !== "") return false;
  if (context.env.FORCE_COLOR && context.env.FORCE_COLOR !== "0") return true;
  return Boolean(context.stdout.isTTY);
}

/** Writes a value as pretty JSON followed by a newline. */
export function writeJson(context: Pick<CommandContext, "stdout">, value: unknown): void {
  context.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Writes lines of text. */
export function writeLines(stream: { write(text: string): unknown }, lines: string | string[]): void {
  const text = Array.isArray(lines) ? lines.join("\n") : lines;
  stream.write(text.endsWith("\n") ? text : `${text}\n`);
}

/** Renders rows as an aligned text table with a header. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}
