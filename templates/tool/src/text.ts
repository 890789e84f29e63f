// Text tools. Counting and reversing go by grapheme (Intl.Segmenter), so "é" or an emoji with a
// skin tone counts as one character and survives reversal intact.
import type { Tool } from "./tool.js";

const graphemes = new Intl.Segmenter("en", { granularity: "grapheme" });
const words = new Intl.Segmenter("en", { granularity: "word" });
const sentences = new Intl.Segmenter("en", { granularity: "sentence" });
const maxText = 100_000;

/** `text_stats {text}` → character, word, line and sentence counts. */
export const textStats: Tool = {
  name: "text_stats",
  description: "Counts characters (graphemes), words, lines and sentences of a text.",
  parameters: {
    type: "object",
    properties: { text: { type: "string", description: "The text to measure.", maxLength: maxText } },
    required: ["text"],
  },
  run(args) {
    const text = args.text as string;
    const characters = [...graphemes.segment(text)];
    return {
      characters: characters.length,
      characters_without_spaces: characters.filter((c) => !/^\s+$/.test(c.segment)).length,
      words: [...words.segment(text)].filter((w) => w.isWordLike).length,
      lines: text === "" ? 0 : text.split(/\r?\n/).length,
      sentences: [...sentences.segment(text)].filter((s) => s.segment.trim() !== "").length,
      bytes: Buffer.byteLength(text),
    };
  },
};

const operations = ["upper", "lower", "reverse", "slug", "title"] as const;

/** `text_transform {text, operation}` → the transformed text. */
export const textTransform: Tool = {
  name: "text_transform",
  description: `Transforms a text: ${operations.join(", ")}.`,
  parameters: {
    type: "object",
    properties: {
      text: { type: "string", description: "The text to transform.", maxLength: maxText },
      operation: { type: "string", description: "What to do with it.", enum: operations },
    },
    required: ["text", "operation"],
  },
  run(args) {
    const text = args.text as string;
    const operation = args.operation as (typeof operations)[number];
    return { operation, text: transform(text, operation) };
  },
};

function transform(text: string, operation: (typeof operations)[number]): string {
  switch (operation) {
    case "upper":
      return text.toUpperCase();
    case "lower":
      return text.toLowerCase();
    case "reverse":
      return [...graphemes.segment(text)]
        .map((g) => g.segment)
        .reverse()
        .join("");
    case "slug":
      return text
        .normalize("NFKD")
        .replace(/\p{M}+/gu, "")
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "");
    case "title":
      return text
        .toLowerCase()
        .replace(/(^|\s)(\p{L})/gu, (_, space: string, letter: string) => space + letter.toUpperCase());
  }
}
