/**
 * A fingerprint of a directory tree (paths, types, modes, sizes and content digests), to
 * show that a failed operation left the store exactly as it was.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";

/**
 * Fingerprint every entry below `root` (sorted): `path type mode size sha256`.
 *
 * @param root Directory to walk.
 * @param skip Relative paths to leave out (e.g. a lock file).
 * @returns One line per entry.
 */
export async function snapshotTree(root: string, skip: readonly string[] = []): Promise<string[]> {
  const lines: string[] = [];
  async function walk(dir: string, rel: string): Promise<void> {
    const names: string[] = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    names.sort();
    for (const name of names) {
      const r = rel ? `${rel}/${name}` : name;
      if (skip.includes(r)) continue;
      const p = join(dir, name);
      const st = await Deno.lstat(p);
      const mode = (st.mode ?? 0).toString(8);
      if (st.isDirectory) {
        lines.push(`${r} dir ${mode}`);
        await walk(p, r);
      } else if (st.isSymlink) {
        lines.push(`${r} link ${await Deno.readLink(p)}`);
      } else {
        const digest = createHash("sha256").update(await Deno.readFile(p)).digest("hex");
        lines.push(`${r} file ${mode} ${st.size} ${digest}`);
      }
    }
  }
  await walk(root, "");
  return lines;
}
