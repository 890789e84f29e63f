// `schema`: the JSON Schema of agentctl.yaml, generated from the zod schema (the single source of truth).
export { projectJsonSchema as schema } from "../project/schema.js";
