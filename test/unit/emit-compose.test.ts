// Compose output against the official compose-spec JSON schema (the current copy dclint ships), plus the
// references the schema cannot check: depends_on targets exist and have healthchecks, no literal secrets.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { emitCompose } from "../../src/emit/compose/index.js";
import { deployFixtures, loadFixture } from "../support/deploy-fixtures.js";

// Read by path: dclint's package exports do not include its schemas folder.
const schemaFile = fileURLToPath(
  new URL("../../node_modules/dclint/schemas/compose.schema.json", import.meta.url),
);
// Its $schema spells draft-07 as https://…/schema (no #), which Ajv does not know by that name; the
// schema body is plain draft-07, so Ajv's default draft-07 meta-schema applies.
const { $schema: _draft, ...schema } = JSON.parse(readFileSync(schemaFile, "utf8"));
// biome-ignore lint/suspicious/noExplicitAny: compose services read back from YAML
type ComposeService = Record<string, any>;

const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);

describe.each(deployFixtures)("compose output of %s", (fixture) => {
  const project = loadFixture(fixture);
  const files = emitCompose(project);
  const compose = parse(files.find((file) => file.path === "docker-compose.yml")!.contents);

  it("is valid against the official compose-spec schema", () => {
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    // The schema is strict about unknown keys, so the check above means something.
    const broken = structuredClone(compose);
    broken.services.gateway.helthcheck = {};
    expect(validate(broken)).toBe(false);
  });

  it("has no version key, one network, healthchecks behind every service_healthy, existing depends_on", () => {
    expect(compose.version).toBeUndefined();
    expect(Object.keys(compose.networks)).toHaveLength(1);
    for (const [name, service] of Object.entries<ComposeService>(compose.services)) {
      for (const [dependency, how] of Object.entries<{ condition: string }>(service.depends_on ?? {})) {
        expect(compose.services[dependency], `${name} depends on ${dependency}`).toBeDefined();
        if (how.condition === "service_healthy")
          expect(compose.services[dependency].healthcheck).toBeDefined();
      }
      expect(service.healthcheck?.test, name).toBeDefined();
    }
  });

  it("publishes only exposed services, on 127.0.0.1, and passes secrets by interpolation only", () => {
    const published = Object.entries<ComposeService>(compose.services).filter(([, s]) => s.ports);
    for (const [, service] of published)
      for (const port of service.ports) expect(port).toMatch(/^127\.0\.0\.1:/);
    expect(published.map(([name]) => name)).toContain("gateway");
    for (const service of project.services) {
      for (const secret of service.secrets) {
        expect(compose.services[service.name].environment[secret]).toBe(`\${${secret}}`);
      }
    }
  });

  it("writes a Dockerfile per bundled service taking BASE_IMAGE", () => {
    for (const service of project.services.filter((s) => s.entry && !s.image)) {
      const dockerfile = files.find((file) => file.path === `${service.name}/Dockerfile`)!;
      expect(dockerfile.contents).toMatch(/^ARG BASE_IMAGE=node:\d+-slim$/m);
      expect(dockerfile.contents).toContain("FROM ${BASE_IMAGE}");
      expect(dockerfile.contents).toMatch(/^USER 1000:1000$/m);
    }
  });
});
