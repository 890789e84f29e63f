// The embedded store: one JSON file per key. Writes go to a temporary file that is fsynced and then
// renamed over the old one (and the folder fsynced), so a crash leaves either the old value or the
// new one, never half a file. File names are hashes (no path tricks, no case-folding collisions on
// macOS); each file also holds its namespace and key, so the folder stays inspectable.
import { createHash, randomBytes } from "node:crypto";
import { access, constants, mkdir, open, readFile, rename, rm, unlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import { namespaceLabel } from "./namespace.js";
import type { MemoryStore, StoredRecord } from "./store.js";

/** A store under `dir` (created on first use, mode 0700; files 0600). */
export function createFileStore(dir: string): MemoryStore {
  const root = resolve(dir);
  const hash = (text: string) => createHash("sha256").update(text).digest("hex");
  const locate = (namespace: string, key: string) => {
    const folder = join(root, hash(namespaceLabel(namespace)).slice(0, 32));
    return { folder, file: join(folder, `${hash(key)}.json`) };
  };
  return {
    kind: "file",
    async get(namespace, key) {
      const { file } = locate(namespace, key);
      try {
        const stored = JSON.parse(await readFile(file, "utf8")) as StoredRecord & { key: string };
        return { value: stored.value, updated_at: stored.updated_at };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw error;
      }
    },
    async set(namespace, key, record) {
      const { folder, file } = locate(namespace, key);
      await mkdir(folder, { recursive: true, mode: 0o700 });
      const contents = `${JSON.stringify({ namespace, key, ...record })}\n`;
      await writeAtomically(folder, file, contents);
    },
    async delete(namespace, key) {
      const { folder, file } = locate(namespace, key);
      try {
        await unlink(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
        throw error;
      }
      await syncFolder(folder);
      return true;
    },
    async ping() {
      try {
        await mkdir(root, { recursive: true, mode: 0o700 });
        await access(root, constants.W_OK);
        return true;
      } catch {
        return false;
      }
    },
    async close() {},
  };
}

async function writeAtomically(folder: string, file: string, contents: string): Promise<void> {
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    const handle = await open(temporary, "wx", 0o600);
    try {
      await handle.writeFile(contents);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncFolder(folder);
}

// The rename is durable only once the folder entry is on disk. Some platforms cannot fsync a folder;
// the write itself has still happened there.
async function syncFolder(folder: string): Promise<void> {
  try {
    const handle = await open(folder, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort (EISDIR/EPERM on some systems)
  }
}
