/**
 * The size of a container's writable layer, as Docker's `SizeRw` (`ps -s`, `system df`):
 * the bytes of every non-directory entry of the upper tree — file data, symlink targets —
 * with hard links counted once and whiteouts (deletions) free, like Docker's
 * `archive.ChangesSize` over the container's changes.
 *
 * @module
 */
import { TarIndexer } from "../../image/mod.ts";
import type { TmpNode } from "../kernel/fs/tmpfs/tmpfs.ts";

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

/**
 * Bytes of an upper tree held in memory (a loaded container).
 *
 * @param root The upper tree's root (`OverlayFs.upperFs.root`).
 * @returns Bytes of its files and symlinks.
 * @example
 * ```ts ignore
 * const bytes = upperTreeSize(overlay.upperFs.root);
 * ```
 */
export function upperTreeSize(root: TmpNode): number {
  const seen = new Set<TmpNode>();
  let total = 0;
  const visit = (dir: TmpNode): void => {
    for (const c of dir.children?.values() ?? []) {
      if (c.whiteout || seen.has(c)) continue;
      seen.add(c);
      const kind = c.mode & S_IFMT;
      if (kind === S_IFDIR) visit(c);
      else if (kind === S_IFLNK) total += c.target.length;
      else total += c.size;
    }
  };
  visit(root);
  return total;
}

/**
 * Bytes of an upper layer saved as a tar (`upper.tar` of a container not loaded since
 * the daemon started), read by headers without keeping the data.
 *
 * @param path The tar file.
 * @returns Bytes of its files and symlinks, 0 when there is no such file.
 * @example
 * ```ts ignore
 * const bytes = await upperTarSize(`${dir}/upper.tar`);
 * ```
 */
export async function upperTarSize(path: string): Promise<number> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return 0;
    throw err;
  }
  const ix = new TarIndexer("upper");
  for await (const chunk of file.readable) ix.push(chunk);
  let total = 0;
  for (const e of ix.finish().entries) {
    if (e.type === "file") total += e.size;
    else if (e.type === "symlink") total += e.linkTarget?.length ?? 0;
  }
  return total;
}
