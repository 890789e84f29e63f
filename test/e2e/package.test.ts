// The programmatic API as a user gets it: `npm pack` the package, unpack it into a temp project's
// node_modules beside its runtime dependencies (only those: a devDependency used at runtime would
// fail here), and run a user's script that does init → up → call → down through `import … from
// "agentctl"`, all on 127.0.0.1. A TypeScript user file is type-checked against the shipped types.
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempDir } from "../support/cli.js";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../../", import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
};

let home = "";
let remove: () => Promise<void> = async () => undefined;
let stopProject: () => Promise<unknown> = async () => undefined;

beforeAll(async () => {
  ({ dir: home, remove } = await makeTempDir("agentctl-package-"));
  const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", home], { cwd: root });
  const tarball = join(home, (JSON.parse(stdout) as { filename: string }[])[0]!.filename);
  const installed = join(home, "node_modules", "agentctl");
  mkdirSync(installed, { recursive: true });
  await run("tar", ["-xzf", tarball, "-C", installed, "--strip-components=1"]);
  for (const name of Object.keys(manifest.dependencies))
    symlinkSync(join(root, "node_modules", name), join(home, "node_modules", name), "dir");
}, 120_000);

afterAll(async () => {
  await stopProject();
  await remove();
});

/** Runs a user's ES module in the temp project and returns what it printed as JSON. */
async function runUserScript(
  name: string,
  source: string,
  timeout = 150_000,
): Promise<Record<string, unknown>> {
  const file = join(home, name);
  writeFileSync(file, source);
  const { stdout } = await run(process.execPath, [file], { cwd: home, timeout, env: { ...process.env } });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as Record<string, unknown>;
}

describe('import … from "agentctl"', () => {
  it("exports every verb and the errors, and none of the internals", async () => {
    const exported = await runUserScript(
      "exports.mjs",
      'const api = await import("agentctl");\nconsole.log(JSON.stringify({ names: Object.keys(api) }));\n',
    );
    const names = exported.names as string[];
    for (const verb of ["init", "add", "validate", "schema", "build", "up", "upDetached", "down", "ps"])
      expect(names).toContain(verb);
    for (const verb of ["logs", "scale", "restart", "call", "callBatch", "registry", "deploy"])
      expect(names).toContain(verb);
    for (const other of ["loadProjectOrThrow", "AgentctlError", "UserError", "ConfigError", "errorCatalogue"])
      expect(names).toContain(other);
    for (const internal of ["Supervisor", "Registry", "startRouter", "hostProject"])
      expect(names).not.toContain(internal);
  });

  it("runs init → up → call → down through the installed package", async () => {
    const project = join(home, "shop");
    stopProject = () =>
      runUserScript(
        "cleanup.mjs",
        `import { down, loadProjectOrThrow } from "agentctl";\nawait down(loadProjectOrThrow({ cwd: ${JSON.stringify(project)} }));\nconsole.log("{}");\n`,
      ).catch(() => undefined);
    const result = await runUserScript(
      "use.mjs",
      `import { readFileSync, writeFileSync } from "node:fs";
import { call, down, init, loadProjectOrThrow, ps, upDetached } from "agentctl";

const made = await init({ dir: ${JSON.stringify(project)} });
// A free router port, so this can run beside other tests.
writeFileSync(made.file, readFileSync(made.file, "utf8").replace(/^ {2}port: 4000$/m, "  port: 0"));
const project = loadProjectOrThrow({ cwd: made.root });
const status = await upDetached(project);
const answer = await call({ cwd: made.root, service: "tools", path: "/tools/list" });
const running = await ps(project);
const stopped = await down(project);
const after = await ps(project);
console.log(JSON.stringify({
  services: made.services,
  phase: status.phase,
  status: answer.status,
  instance: answer.instance,
  tools: JSON.parse(answer.body),
  running: running.running,
  instances: running.instances.length,
  stopped: stopped.stopped.length,
  runningAfter: after.running,
}));
`,
    );
    expect(result).toMatchObject({
      services: expect.arrayContaining(["agent", "tools", "memory", "gateway"]),
      phase: "ready",
      status: 200,
      instance: "tools-0",
      running: true,
      runningAfter: false,
    });
    expect(JSON.stringify(result.tools)).toContain("calculator");
    expect(result.stopped).toBe(result.instances);
  }, 180_000);

  it("ships types a TypeScript user can compile against", async () => {
    mkdirSync(join(home, "node_modules", "@types"), { recursive: true });
    symlinkSync(
      join(root, "node_modules", "@types", "node"),
      join(home, "node_modules", "@types", "node"),
      "dir",
    );
    writeFileSync(
      join(home, "typed.ts"),
      `import { type AddOptions, AgentctlError, type CallResponse, type DownResult, type ErrorCode, type InitResult,
  init, type ScaleResult, type UpOptions } from "agentctl";
const options: UpOptions = { keepGoing: true, readyTimeoutMs: 5_000 };
const made: Promise<InitResult> = init({ dir: "x" });
const code: ErrorCode = "E_USAGE";
const failure = new AgentctlError(code, "m");
const exit: number = failure.exitCode;
const add: AddOptions = { name: "n", template: "tool" };
type Seen = [CallResponse["status"], DownResult["stopped"], ScaleResult["ready"]];
export { add, exit, made, options, type Seen };
`,
    );
    writeFileSync(
      join(home, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "NodeNext",
          moduleResolution: "NodeNext",
          target: "ES2022",
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ["node"],
        },
        files: ["typed.ts"],
      }),
    );
    writeFileSync(join(home, "package.json"), JSON.stringify({ type: "module", private: true }));
    const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
    const outcome = await run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: home }).then(
      () => "",
      (error: { stdout: string }) => error.stdout,
    );
    expect(outcome).toBe("");
  }, 60_000);
});
