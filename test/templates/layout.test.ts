// What every template promises the rest of agentctl: copied into a project as `agentctl init` does
// (services/<name>/ beside services/_shared/), its entry bundles with nothing from outside services/
// and no import but Node's built-ins; src/app.ts exports createApp, which starts nothing on its own
// and whose handler works in-process (what a Lambda adapter will reuse).
import { cp, mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const templatesRoot = fileURLToPath(new URL("../../templates/", import.meta.url));
const templates = ["agent", "tool", "memory", "gateway", "worker"] as const;
let project: string;

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), "agentctl-layout-"));
  await cp(join(templatesRoot, "_shared"), join(project, "services", "_shared"), { recursive: true });
  for (const template of templates) {
    await cp(join(templatesRoot, template), join(project, "services", `my-${template}`), { recursive: true });
  }
});
afterAll(() => rm(project, { recursive: true, force: true }));

describe("template layout", () => {
  it("holds the five templates and the shared kit; every other folder is a _support folder", async () => {
    const entries = await readdir(templatesRoot, { withFileTypes: true });
    const folders = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
    expect(folders).toEqual(expect.arrayContaining(["_shared", ...templates]));
    expect(folders.filter((name) => !name.startsWith("_")).sort()).toEqual([...templates].sort());
  });

  it.each(templates)("%s: README, src/app.ts and src/index.ts", async (template) => {
    const files = await readdir(join(templatesRoot, template));
    expect(files).toContain("README.md");
    expect(await readdir(join(templatesRoot, template, "src"))).toEqual(
      expect.arrayContaining(["app.ts", "index.ts"]),
    );
  });

  it.each(templates)(
    "%s: bundles in a project with only services/ inputs and node: imports",
    async (template) => {
      const { build } = await import("esbuild");
      const result = await build({
        entryPoints: [join(project, "services", `my-${template}`, "src", "index.ts")],
        outfile: join(project, ".agentctl", "build", template, "index.mjs"),
        bundle: true,
        platform: "node",
        format: "esm",
        target: "node20",
        metafile: true,
        write: false,
        logLevel: "silent",
        absWorkingDir: project,
      });
      const inputs = Object.keys(result.metafile.inputs);
      expect(inputs.filter((input) => !input.startsWith("services/"))).toEqual([]);
      expect(inputs).toContain(`services/my-${template}/src/app.ts`);
      expect(inputs).toContain("services/_shared/serve.ts");
      const imports = Object.values(result.metafile.outputs).flatMap((output) =>
        output.imports.map((i) => i.path),
      );
      expect(imports.filter((path) => !path.startsWith("node:"))).toEqual([]);
      expect(relative(project, result.outputFiles[0]!.path)).toBe(`.agentctl/build/${template}/index.mjs`);
    },
  );

  it.each(templates)("%s: createApp is pure and its handler answers in-process", async (template) => {
    const module = (await import(`../../templates/${template}/src/app.ts`)) as {
      createApp(options: { env: Record<string, string> }): {
        name: string;
        handle(request: unknown, response: unknown): Promise<void>;
        setReady(ready: boolean): void;
        close(): Promise<void>;
      };
    };
    const dataDir = join(project, "in-process", template);
    const app = module.createApp({
      env: { AGENTCTL_SERVICE: `in-process-${template}`, LOG_LEVEL: "error", MEMORY_DIR: dataDir },
    });
    // Nothing listens until serve(): the handler runs inside any server (here a throwaway one).
    const server = createServer((request, response) => void app.handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const health = await fetch(`${base}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: "healthy", service: `in-process-${template}` });
      expect((await fetch(`${base}/ready`)).status).toBe(503);
      app.setReady(true);
      expect((await fetch(`${base}/ready`)).status).toBe(200);
    } finally {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await app.close();
    }
  });
});
