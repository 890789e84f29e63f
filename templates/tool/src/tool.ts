// What a tool is: a name, a description and a parameter schema (the JSON Schema subset that LLM
// function-calling APIs use), plus the function that runs it on validated arguments.

/** One parameter's schema. */
export interface ParameterSchema {
  type: "string" | "number" | "integer" | "boolean";
  description: string;
  enum?: readonly string[];
  /** Largest string length accepted. */
  maxLength?: number;
}

/** A tool's parameters, as JSON Schema. */
export interface ParametersSchema {
  type: "object";
  properties: Record<string, ParameterSchema>;
  required: readonly string[];
}

/** A tool the service can run. */
export interface Tool {
  name: string;
  description: string;
  parameters: ParametersSchema;
  /** Runs on arguments already checked against `parameters`; throws HttpError for bad input. */
  run(args: Record<string, unknown>): unknown;
}
