// The targets' own tools judge our output: Debian's docker-compose 1.29 (`config -q`, no daemon needed)
// and the Serverless Framework v3 (`serverless print` with configValidationMode: error, a temporary
// HOME and no AWS variables). ${ssm:…} references need AWS to resolve, so they are replaced by a
// placeholder before `print`; their form is checked separately.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { deploy } from "../../src/api/deploy.js";
import { emitCompose } from "../../src/emit/compose/index.js";
import type { EmittedFile } from "../../src/emit/files.js";
import { emitServerless } from "../../src/emit/serverless/index.js";
import { loadProjectOrThrow } from "../../src/project/load.js";
import { deployFixtures, expectedDir, loadFixture, materializeFixture } from "../support/deploy-fixtures.js";

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation read back from JSON
type CfnProperties = Record<string, any>;

const dockerCompose = "/usr/bin/docker-compose";
const kubectl = "/usr/bin/kubectl";
const serverlessBin = fileURLToPath(new URL("../../node_modules/.bin/serverless", import.meta.url));
const temp = mkdtempSync(join(tmpdir(), "agentctl-validators-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function write(dir: string, files: EmittedFile[]): void {
  for (const file of files) {
    mkdirSync(dirname(join(dir, file.path)), { recursive: true });
    writeFileSync(join(dir, file.path), file.contents);
  }
}

describe.each(deployFixtures)("%s", (fixture) => {
  it.skipIf(!existsSync(dockerCompose))("docker-compose 1.29 accepts the compose file (config -q)", () => {
    const project = loadFixture(fixture);
    const dir = join(temp, fixture, "compose");
    write(dir, emitCompose(project));
    const secrets = Object.fromEntries(project.services.flatMap((s) => s.secrets).map((name) => [name, "x"]));
    const env = { PATH: process.env.PATH, HOME: temp, DB_PASSWORD: "x", ...secrets };
    const result = spawnSync(dockerCompose, ["-f", "docker-compose.yml", "config", "-q"], {
      cwd: dir,
      env,
      encoding: "utf8",
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it.skipIf(!existsSync(serverlessBin))(
    "serverless@3 accepts serverless.yml against its own schema",
    () => {
      const dir = join(temp, fixture, "serverless");
      const [file] = emitServerless(loadFixture(fixture));
      for (const match of file!.contents.matchAll(/\$\{ssm:([^}]*\})[^}]*\}/g)) {
        expect(match[0]).toMatch(/^\$\{ssm:\/[a-z0-9-]+\/\$\{sls:stage\}\/[A-Z_][A-Z0-9_]*\}$/);
      }
      const placeholder = file!.contents.replace(/\$\{ssm:[^}]*\}[^}]*\}/g, "resolved-from-ssm-at-deploy");
      write(dir, [{ path: "serverless.yml", contents: placeholder }]);
      mkdirSync(join(dir, "home"), { recursive: true });
      const env = {
        PATH: process.env.PATH,
        HOME: join(dir, "home"),
        SLS_TELEMETRY_DISABLED: "1",
        SLS_NOTIFICATIONS_MODE: "off",
      };
      const output = execFileSync(serverlessBin, ["print", "--format", "json"], {
        cwd: dir,
        env,
        encoding: "utf8",
      });
      const printed = JSON.parse(output);
      expect(printed.configValidationMode).toBe("error");
      expect(printed.provider.runtime).toMatch(/^nodejs(2[0-9])\.x$/);
    },
    30_000,
  );

  it.skipIf(!existsSync(kubectl))("kubectl kustomize (offline) builds the kustomization", () => {
    const output = execFileSync(kubectl, ["kustomize", expectedDir(fixture, "k8s")], { encoding: "utf8" });
    const project = loadFixture(fixture);
    const namespace = project.targets.k8s.namespace ?? project.name;
    const namespaces = [...output.matchAll(/^ {2}namespace: (\S+)$/gm)].map((match) => match[1]);
    expect(namespaces.length).toBeGreaterThan(5);
    expect(new Set(namespaces)).toEqual(new Set([namespace]));
    expect(output).toContain("kind: Deployment");
  });

  it.skipIf(!existsSync(serverlessBin))(
    "serverless@3 packages the written output into CloudFormation",
    async () => {
      const file = materializeFixture(fixture, join(temp, fixture, "package-project"));
      const out = join(temp, fixture, "package-out");
      const project = loadProjectOrThrow({ file, env: {} });
      await deploy(project, { target: "serverless", out });
      const yml = join(out, "serverless.yml");
      writeFileSync(
        yml,
        readFileSync(yml, "utf8").replace(/\$\{ssm:[^}]*\}[^}]*\}/g, "resolved-from-ssm-at-deploy"),
      );
      mkdirSync(join(out, "home"), { recursive: true });
      const env = {
        PATH: process.env.PATH,
        HOME: join(out, "home"),
        SLS_TELEMETRY_DISABLED: "1",
        SLS_NOTIFICATIONS_MODE: "off",
      };
      execFileSync(serverlessBin, ["package"], { cwd: out, env, encoding: "utf8" });
      const template = JSON.parse(
        readFileSync(join(out, ".serverless/cloudformation-template-update-stack.json"), "utf8"),
      );
      const resources = template.Resources as Record<string, { Type: string; Properties: CfnProperties }>;
      // The discovery variables point at the HTTP API the framework creates under this logical id.
      expect(resources.HttpApi?.Type).toBe("AWS::ApiGatewayV2::Api");
      const routes = Object.values(resources)
        .filter((resource) => resource.Type === "AWS::ApiGatewayV2::Route")
        .map((resource) => resource.Properties.RouteKey);
      expect(routes).toContain("ANY /api/{proxy+}");
      const functions = Object.values(resources).filter(
        (resource) => resource.Type === "AWS::Lambda::Function",
      );
      for (const fn of functions) expect(fn.Properties.Runtime).toBe("nodejs20.x");
      expect(functions).toHaveLength(
        project.services.filter((service) => service.entry && !service.image).length,
      );
      const statements = resources.IamRoleLambdaExecution!.Properties.Policies[0].PolicyDocument.Statement;
      const actions: string[] = statements.flatMap((statement: { Action: string[] }) => statement.Action);
      expect(actions.every((action) => /^(logs|dynamodb):[A-Za-z]+$/.test(action))).toBe(true);
      expect(resources.MemoryTable?.Type).toBe("AWS::DynamoDB::Table");
    },
    60_000,
  );
});
