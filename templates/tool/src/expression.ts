// A safe arithmetic evaluator: a tokenizer and a recursive-descent parser over a fixed grammar, never
// eval or Function, so user text can only ever compute numbers. Errors name the 1-based position.
//
//   expression := term (("+" | "-") term)*
//   term       := unary (("*" | "/" | "%") unary)*
//   unary      := ("-" | "+") unary | power
//   power      := primary ("^" unary)?          right-associative; -2^2 = -4, 2^-1 = 0.5
//   primary    := number | constant | function "(" expression ("," expression)* ")" | "(" expression ")"

/** A problem in the expression, at a 1-based character position. */
export class ExpressionError extends Error {
  readonly position: number;
  constructor(message: string, position: number) {
    super(`${message} at position ${position}`);
    this.name = "ExpressionError";
    this.position = position;
  }
}

interface Token {
  kind: "number" | "name" | "operator" | "end";
  text: string;
  value: number;
  position: number;
}

interface MathFunction {
  arity: [number, number];
  apply: (args: number[]) => number;
}

// Maps, not object literals: a lookup must never reach Object.prototype ("constructor", "toString").
const functions = new Map<string, MathFunction>(
  Object.entries({
    sqrt: { arity: [1, 1], apply: ([x]) => Math.sqrt(x!) },
    abs: { arity: [1, 1], apply: ([x]) => Math.abs(x!) },
    round: { arity: [1, 1], apply: ([x]) => Math.round(x!) },
    floor: { arity: [1, 1], apply: ([x]) => Math.floor(x!) },
    ceil: { arity: [1, 1], apply: ([x]) => Math.ceil(x!) },
    ln: { arity: [1, 1], apply: ([x]) => Math.log(x!) },
    log10: { arity: [1, 1], apply: ([x]) => Math.log10(x!) },
    min: { arity: [1, 64], apply: (args) => Math.min(...args) },
    max: { arity: [1, 64], apply: (args) => Math.max(...args) },
  } satisfies Record<string, MathFunction>),
);
const constants = new Map<string, number>([
  ["pi", Math.PI],
  ["e", Math.E],
]);

/** The function names the evaluator knows, for descriptions and messages. */
export const functionNames = [...functions.keys()];

const maxLength = 1_000;
const maxDepth = 100;

/** Evaluates an arithmetic expression; throws ExpressionError for anything it cannot compute. */
export function evaluate(source: string): number {
  if (source.length > maxLength)
    throw new ExpressionError(`expression is longer than ${maxLength} characters`, maxLength + 1);
  const parser = new Parser(tokenize(source));
  const value = parser.expression(0);
  parser.expectEnd();
  return value;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < source.length) {
    const char = source[index]!;
    const position = index + 1;
    if (/\s/.test(char)) {
      index += 1;
    } else if (/[0-9.]/.test(char)) {
      const match = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(source.slice(index));
      if (!match) throw new ExpressionError(`unexpected "${char}"`, position);
      tokens.push({ kind: "number", text: match[0], value: Number(match[0]), position });
      index += match[0].length;
    } else if (/[a-zA-Z_]/.test(char)) {
      const name = /^[a-zA-Z_][a-zA-Z_0-9]*/.exec(source.slice(index))![0];
      tokens.push({ kind: "name", text: name.toLowerCase(), value: Number.NaN, position });
      index += name.length;
    } else if ("+-*/%^(),".includes(char)) {
      tokens.push({ kind: "operator", text: char, value: Number.NaN, position });
      index += 1;
    } else {
      throw new ExpressionError(`unexpected character "${char}"`, position);
    }
  }
  tokens.push({ kind: "end", text: "", value: Number.NaN, position: source.length + 1 });
  return tokens;
}

class Parser {
  private index = 0;
  constructor(private readonly tokens: Token[]) {}

  private get current(): Token {
    return this.tokens[this.index]!;
  }

  private accept(text: string): Token | undefined {
    const token = this.current;
    if (token.kind === "operator" && token.text === text) {
      this.index += 1;
      return token;
    }
    return undefined;
  }

  private fail(expected: string): never {
    const token = this.current;
    const found = token.kind === "end" ? "the end of the expression" : `"${token.text}"`;
    throw new ExpressionError(`expected ${expected} but found ${found}`, token.position);
  }

  expectEnd(): void {
    if (this.current.kind !== "end") this.fail("an operator");
  }

  expression(depth: number): number {
    if (depth > maxDepth) throw new ExpressionError(`nesting deeper than ${maxDepth}`, this.current.position);
    let value = this.term(depth);
    for (;;) {
      if (this.accept("+")) value += this.term(depth);
      else if (this.accept("-")) value -= this.term(depth);
      else return value;
    }
  }

  private term(depth: number): number {
    let value = this.unary(depth);
    for (;;) {
      const operator = this.accept("*") ?? this.accept("/") ?? this.accept("%");
      if (!operator) return value;
      const right = this.unary(depth);
      if (operator.text === "*") value *= right;
      else if (right === 0)
        throw new ExpressionError(`division by zero ("${operator.text}")`, operator.position);
      else value = operator.text === "/" ? value / right : value % right;
    }
  }

  private unary(depth: number): number {
    if (depth > maxDepth) throw new ExpressionError(`nesting deeper than ${maxDepth}`, this.current.position);
    if (this.accept("-")) return -this.unary(depth + 1);
    if (this.accept("+")) return this.unary(depth + 1);
    return this.power(depth);
  }

  private power(depth: number): number {
    const base = this.primary(depth);
    const caret = this.accept("^");
    if (!caret) return base;
    const value = base ** this.unary(depth + 1);
    if (Number.isNaN(value)) throw new ExpressionError("power has no real result", caret.position);
    return value;
  }

  private primary(depth: number): number {
    const token = this.current;
    if (token.kind === "number") {
      this.index += 1;
      return token.value;
    }
    if (this.accept("(")) {
      const value = this.expression(depth + 1);
      if (!this.accept(")")) this.fail('")"');
      return value;
    }
    if (token.kind === "name") {
      this.index += 1;
      const constant = constants.get(token.text);
      if (constant !== undefined) return constant;
      const fn = functions.get(token.text);
      if (!fn) {
        throw new ExpressionError(
          `unknown name "${token.text}" (functions: ${functionNames.join(", ")}; constants: pi, e)`,
          token.position,
        );
      }
      return this.call(token, fn, depth);
    }
    return this.fail('a number, a function or "("');
  }

  private call(name: Token, fn: MathFunction, depth: number): number {
    if (!this.accept("(")) this.fail(`"(" after ${name.text}`);
    const args = [this.expression(depth + 1)];
    while (this.accept(",")) args.push(this.expression(depth + 1));
    if (!this.accept(")")) this.fail('")"');
    const [least, most] = fn.arity;
    if (args.length < least || args.length > most) {
      const wanted = least === most ? `${least}` : `${least} to ${most}`;
      throw new ExpressionError(
        `${name.text} takes ${wanted} argument(s), got ${args.length}`,
        name.position,
      );
    }
    const value = fn.apply(args);
    if (Number.isNaN(value)) throw new ExpressionError(`${name.text} has no real result here`, name.position);
    return value;
  }
}
