// Bundles a service's TypeScript entry with esbuild into one `index.mjs` that plain `node` runs, so
// scaffolded services need no `npm install` of their own. The same bundle serves processes, container
// images and Lambda packages. A manifest of input hashes lets unchanged services skip the work.
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { AgentctlError } from "../errors.js";

/** What to bundle and where. */
export interface BundleRequest {
  /** Absolute entry file. */
  entry: string;
  /** Absolute output file (`.../index.mjs`). */
  outfile: string;
  /** Folder that input paths in the manifest are relative to. */
  root: string;
  /** Re-bundle even when inputs are unchanged. */
  force?: boolean;
}

/** The outcome of one bundle. */
export interface BundleResult {
  outfile: string;
  skipped: boolean;
  bytes: number;
  inputs: number;
  ms: number;
  /** sha256 of the bundle's bytes: the content hash images and Lambda packages are tagged with. */
  hash: string;
}

interface Manifest {
  version: 1;
  optionsHash: string;
  inputs: Record<string, string>;
  hash: string;
  bytes: number;
}

// Bump when the build options below change, so that old bundles are rebuilt.
const optionsHash = "esbuild-node20-esm-v1";

/** Bundles one entry, or reuses the previous bundle when no input changed. */
export async function bundleEntry(request: BundleRequest): Promise<BundleResult> {
  const started = performance.now();
  const manifestFile = join(dirname(request.outfile), "manifest.json");
  if (!request.force) {
    const previous = await readManifest(manifestFile);
    if (previous && (await inputsUnchanged(previous, request.root))) {
      return {
        outfile: request.outfile,
        skipped: true,
        bytes: previous.bytes,
        inputs: Object.keys(previous.inputs).length,
        ms: performance.now() - started,
        hash: previous.hash,
      };
    }
  }
  const esbuild = await import("esbuild");
  let result: Awaited<ReturnType<typeof esbuild.build>>;
  try {
    result = await esbuild.build({
      entryPoints: [request.entry],
      outfile: request.outfile,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      sourcemap: "inline",
      metafile: true,
      write: false,
      logLevel: "silent",
      absWorkingDir: request.root,
      // Bundled CommonJS dependencies may call require(); give the ESM bundle one.
      banner: {
        js: "import { createRequire as __agentctlRequire } from 'node:module'; const require = __agentctlRequire(import.meta.url);",
      },
    });
  } catch (error) {
    const failure = error as {
      errors?: { text: string; location?: { file: string; line: number; column: number } }[];
    };
    const lines = (failure.errors ?? []).map((e) =>
      e.location ? `${e.location.file}:${e.location.line}:${e.location.column + 1}  ${e.text}` : e.text,
    );
    throw new AgentctlError(
      "E_BUILD",
      `could not bundle ${relative(request.root, request.entry)}:\n${lines.join("\n")}`,
      {
        cause: error,
      },
    );
  }
  const output = result.outputFiles?.[0];
  if (!output) throw new AgentctlError("E_BUILD", `esbuild wrote no output for ${request.entry}`);
  await mkdir(dirname(request.outfile), { recursive: true });
  const temporary = `${request.outfile}.${process.pid}.tmp`;
  await writeFile(temporary, output.contents);
  await rename(temporary, request.outfile);
  const hash = createHash("sha256").update(output.contents).digest("hex");
  const inputs: Record<string, string> = {};
  for (const input of Object.keys(result.metafile?.inputs ?? {})) {
    inputs[input] = await hashFile(join(request.root, input));
  }
  const manifest: Manifest = { version: 1, optionsHash, inputs, hash, bytes: output.contents.byteLength };
  await writeFile(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  return {
    outfile: request.outfile,
    skipped: false,
    bytes: output.contents.byteLength,
    inputs: Object.keys(inputs).length,
    ms: performance.now() - started,
    hash,
  };
}

async function readManifest(file: string): Promise<Manifest | undefined> {
  try {
    const manifest = JSON.parse(await readFile(file, "utf8")) as Manifest;
    return manifest.version === 1 && manifest.optionsHash === optionsHash ? manifest : undefined;
  } catch {
    return undefined;
  }
}

async function inputsUnchanged(manifest: Manifest, root: string): Promise<boolean> {
  for (const [input, hash] of Object.entries(manifest.inputs)) {
    if ((await hashFile(join(root, input)).catch(() => "")) !== hash) return false;
  }
  return true;
}

async function hashFile(file: string): Promise<string> {
  return createHash("sha256")
    .update(await readFile(file))
    .digest("hex");
}
