// Docs match code: every folder under src/ has a README.md that names each of its files (a sub-folder's
// files may be named in its parent's README), so a newcomer finds every file from the README.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const src = fileURLToPath(new URL("../../src/", import.meta.url));
const folders = readdirSync(src).filter((name) => statSync(join(src, name)).isDirectory());

describe("the READMEs of src/", () => {
  it.each(folders)("src/%s has a README.md that names each of its files", (folder) => {
    const readme = join(src, folder, "README.md");
    expect(existsSync(readme)).toBe(true);
    const text = readFileSync(readme, "utf8");
    const unnamed: string[] = [];
    for (const entry of readdirSync(join(src, folder), { recursive: true, encoding: "utf8" })) {
      const name = entry.split("/").at(-1)!;
      if (!/\.(ts|tsx)$/.test(name) || statSync(join(src, folder, entry)).isDirectory()) continue;
      const sub = entry.includes("/") ? join(src, folder, entry.split("/")[0]!, "README.md") : "";
      const subText = sub && existsSync(sub) ? readFileSync(sub, "utf8") : "";
      // A sub-folder's index.ts is named by the folder itself (`compose/`, `k8s/`).
      const named =
        text.includes(name) ||
        subText.includes(name) ||
        (name === "index.ts" && text.includes(`${entry.split("/")[0]}/`));
      if (!named) unnamed.push(entry);
    }
    expect(unnamed).toEqual([]);
  });
});
