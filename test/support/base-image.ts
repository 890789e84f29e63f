// A Node base image built offline (there is no registry here): `docker import` of a rootfs holding the
// host's node binary and the shared libraries `ldd` lists, plus /etc/passwd with a non-root user (uid
// 1000) and a world-writable /tmp. Tagged by node version and reused when present, so tests share it.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** The tag of the base image for this node version. */
export const baseImageTag = `agentctl-test-node:${process.versions.node}`;

/** True when a Docker engine answers. */
export function dockerAvailable(): boolean {
  return (
    spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], { encoding: "utf8", timeout: 10_000 })
      .status === 0
  );
}

/** Builds the base image unless it exists; returns its tag. */
export function ensureBaseImage(): string {
  if (spawnSync("docker", ["image", "inspect", baseImageTag], { stdio: "ignore" }).status === 0)
    return baseImageTag;
  const root = mkdtempSync(join(tmpdir(), "agentctl-rootfs-"));
  try {
    const node = process.execPath;
    const place = (from: string, to: string) => {
      mkdirSync(dirname(join(root, to)), { recursive: true });
      copyFileSync(from, join(root, to));
      chmodSync(join(root, to), 0o755);
    };
    place(node, "/usr/local/bin/node");
    for (const library of sharedLibraries(node)) place(library, library);
    mkdirSync(join(root, "etc"), { recursive: true });
    writeFileSync(
      join(root, "etc/passwd"),
      "root:x:0:0:root:/root:/sbin/nologin\nnode:x:1000:1000:node:/home/node:/sbin/nologin\n",
    );
    writeFileSync(join(root, "etc/group"), "root:x:0:\nnode:x:1000:\n");
    for (const dir of ["tmp", "home/node", "app"]) mkdirSync(join(root, dir), { recursive: true });
    chmodSync(join(root, "tmp"), 0o1777);
    const tar = spawnSync("tar", ["-C", root, "--owner=0", "--group=0", "-cf", "-", "."], {
      maxBuffer: 1 << 30,
    });
    if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
    execFileSync(
      "docker",
      [
        "import",
        "--change",
        "ENV PATH=/usr/local/bin:/usr/bin:/bin",
        "--change",
        "LABEL agentctl.test.base=1",
        "--change",
        'CMD ["node"]',
        "-",
        baseImageTag,
      ],
      { input: tar.stdout, stdio: ["pipe", "ignore", "pipe"] },
    );
    return baseImageTag;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Absolute paths of the shared libraries (and the loader) a binary needs, from `ldd`. */
export function sharedLibraries(binary: string): string[] {
  const output = execFileSync("ldd", [binary], { encoding: "utf8" });
  const paths = new Set<string>();
  for (const line of output.split("\n")) {
    const match = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
    if (match) paths.add(match[1]!);
  }
  return [...paths].sort();
}
