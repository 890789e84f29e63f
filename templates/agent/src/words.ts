// Streaming a finished text word by word, with a pause between words, so clients see the same
// incremental delivery an LLM gives (and tests can check that chunks really arrive one by one).

/** The text in chunks of one word plus its trailing space; joined, they are the text again. */
export function splitWords(text: string): string[] {
  return text.match(/\s*\S+\s*/g) ?? (text === "" ? [] : [text]);
}

/** Yields the words of `text`, waiting `delayMs` between them; stops when `signal` aborts. */
export async function* streamWords(
  text: string,
  delayMs: number,
  signal: AbortSignal,
): AsyncGenerator<string> {
  const words = splitWords(text);
  for (let index = 0; index < words.length; index += 1) {
    if (signal.aborted) return;
    if (index > 0 && delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    yield words[index]!;
  }
}

/** Yields `text` as one chunk. */
export async function* single(text: string): AsyncGenerator<string> {
  yield text;
}
