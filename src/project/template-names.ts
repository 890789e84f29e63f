// The names of the templates `init` and `add` scaffold from, apart from the schema so that the CLI's
// help can list them without loading zod (`--help` stays fast).

/** Templates `init` and `add` can scaffold from. */
export const templateNames = ["agent", "tool", "memory", "gateway", "worker"] as const;

/** A template name. */
export type TemplateName = (typeof templateNames)[number];
