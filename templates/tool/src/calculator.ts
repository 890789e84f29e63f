// The calculator tool: arithmetic through the safe parser in expression.ts.
import { badRequest } from "../../_shared/errors.js";
import { ExpressionError, evaluate, functionNames } from "./expression.js";
import type { Tool } from "./tool.js";

/** `calculator {expression}` → `{expression, value}`. */
export const calculator: Tool = {
  name: "calculator",
  description: `Evaluates an arithmetic expression: + - * / % ^, parentheses, unary minus, decimals, the constants pi and e, and the functions ${functionNames.join(", ")}.`,
  parameters: {
    type: "object",
    properties: {
      expression: {
        type: "string",
        description: 'The expression, e.g. "2 + 3 * 4" or "sqrt(16) ^ 2".',
        maxLength: 1000,
      },
    },
    required: ["expression"],
  },
  run(args) {
    const expression = args.expression as string;
    try {
      const value = evaluate(expression);
      if (!Number.isFinite(value))
        throw badRequest(`calculator: "${expression}" does not have a finite result`);
      // Rounds away binary noise (0.1 + 0.2) without hiding real precision.
      return { expression, value: Number(value.toPrecision(15)) };
    } catch (error) {
      if (error instanceof ExpressionError) {
        throw badRequest(`calculator: ${error.message}`, {
          parameter: "expression",
          position: error.position,
        });
      }
      throw error;
    }
  },
};
