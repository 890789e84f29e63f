// `${VAR}` and `${VAR:-default}` interpolation in the values of agentctl.yaml, as in Compose.
// It runs on the parsed YAML document so that every value keeps its position for error messages.
import { type Document, visit } from "yaml";

// `${NAME:-x}` falls back when NAME is unset or empty, `${NAME-x}` only when unset (as in Compose).
const reference = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)-([^}]*))?\}|\$\{([^}]*)\}/g;

/** A variable the file used that was not set anywhere, or a malformed reference. */
export interface InterpolationProblem {
  offset: number;
  message: string;
  severity: "error" | "warning";
}

/** Replaces references in a string; `$$` stands for a literal `$`. */
export function interpolateText(
  text: string,
  variables: Readonly<Record<string, string | undefined>>,
  onMissing: (name: string) => void = () => {},
  onMalformed: (text: string) => void = () => {},
): string {
  return text.replace(
    reference,
    (whole, name: string | undefined, colon: string | undefined, fallback: string | undefined, bad) => {
      if (whole === "$$") return "$";
      if (bad !== undefined) {
        onMalformed(whole);
        return whole;
      }
      const value = variables[name!];
      if (value !== undefined && (value !== "" || colon !== ":" || fallback === undefined)) return value;
      if (fallback !== undefined) return fallback;
      onMissing(name!);
      return "";
    },
  );
}

/** Interpolates every string value (never keys) of a YAML document in place. */
export function interpolateDocument(
  document: Document,
  variables: Readonly<Record<string, string | undefined>>,
): InterpolationProblem[] {
  const problems: InterpolationProblem[] = [];
  visit(document, {
    Scalar(key, node) {
      if (key === "key" || typeof node.value !== "string" || !node.value.includes("$")) return;
      const offset = node.range?.[0] ?? 0;
      node.value = interpolateText(
        node.value,
        variables,
        (name) =>
          problems.push({
            offset,
            severity: "warning",
            message: `variable ${name} is not set (in the environment or .env); using an empty string`,
          }),
        (text) =>
          problems.push({
            offset,
            severity: "error",
            message: `malformed variable reference ${text}; expected \${NAME} or \${NAME:-default}`,
          }),
      );
    },
  });
  return problems;
}
