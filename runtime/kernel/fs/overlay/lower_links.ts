/**
 * Hard links of the lower layers as the overlay shows them. A tar hard link (type `1`)
 * gives a second name to a file of a layer; the merged view resolves it to its target's
 * entry (same layer, same data offset), which identifies the file. Before copy-up every
 * name of the file shows one inode number and `nlink` = its names still visible; a name
 * copied up or removed leaves the group (overlayfs with `index=off` breaks the link).
 *
 * @module
 */
import type { MergedHit, MergedLayers } from "../../../../image/layer/types.ts";

/** Hard-link groups of a lower view, found once per view (containers of one image share it). */
const GROUPS = new WeakMap<MergedLayers, ReadonlyMap<string, readonly string[]>>();

/** Identity of a lower file's data (shared by the hits of its hard links). */
function keyOf(hit: MergedHit): string {
  return `${hit.layer}:${hit.entry.dataOffset}`;
}

/**
 * The names of lower files that have more than one, grouped by file. Only the paths of
 * `hardlink` entries and their targets can be names of a shared file, so one pass over
 * the layers' entries finds them.
 */
function groupsOf(lower: MergedLayers): ReadonlyMap<string, readonly string[]> {
  const cached = GROUPS.get(lower);
  if (cached) return cached;
  const candidates = new Set<string>();
  for (const layer of lower.layers) {
    for (const e of layer.entries.values()) {
      if (e.type !== "hardlink") continue;
      candidates.add(e.path);
      if (e.linkTarget) candidates.add(e.linkTarget);
    }
  }
  const groups = new Map<string, string[]>();
  for (const path of candidates) {
    const hit = lower.lookup(path);
    if (!hit || hit.entry.type === "dir") continue;
    const key = keyOf(hit);
    const names = groups.get(key);
    if (names) names.push(path);
    else groups.set(key, [path]);
  }
  for (const [key, names] of groups) if (names.length < 2) groups.delete(key);
  GROUPS.set(lower, groups);
  return groups;
}

/**
 * One overlay's view of the lower hard links (its own copy: names leave as links break).
 *
 * @example
 * ```ts ignore
 * const links = new LowerLinks(merged, () => nextIno++);
 * links.nlink(merged.lookup("/bin/a")!); // 2 when /bin/b is a hard link to it
 * ```
 */
export class LowerLinks {
  readonly #lower: MergedLayers;
  readonly #allocIno: () => number;
  #groups: Map<string, Set<string>> | null = null;
  readonly #inos = new Map<string, number>();

  /**
   * Links of `lower`, found on first use.
   *
   * @param lower The merged lower layers.
   * @param allocIno Gives a fresh inode number.
   */
  constructor(lower: MergedLayers, allocIno: () => number) {
    this.#lower = lower;
    this.#allocIno = allocIno;
  }

  #all(): Map<string, Set<string>> {
    if (this.#groups) return this.#groups;
    this.#groups = new Map();
    for (const [key, names] of groupsOf(this.#lower)) this.#groups.set(key, new Set(names));
    return this.#groups;
  }

  /**
   * The inode number shared by the names of a lower file that has several, or undefined
   * for a file with one name (and directories).
   *
   * @param hit A lower hit.
   * @returns The number, or undefined.
   */
  sharedIno(hit: MergedHit): number | undefined {
    if (hit.entry.type === "dir") return undefined;
    const key = keyOf(hit);
    if (!this.#all().has(key)) return undefined;
    let ino = this.#inos.get(key);
    if (ino === undefined) {
      ino = this.#allocIno();
      this.#inos.set(key, ino);
    }
    return ino;
  }

  /**
   * `st_nlink` of a lower non-directory: how many of its names are still visible.
   *
   * @param hit A lower hit.
   * @returns The count (1 for a file with one name).
   */
  nlink(hit: MergedHit): number {
    return this.#all().get(keyOf(hit))?.size ?? 1;
  }

  /**
   * A name of a lower file stops showing it (copied up or removed): the link is broken.
   *
   * @param path The name.
   * @param hit The lower file it showed.
   */
  drop(path: string, hit: MergedHit): void {
    const groups = this.#all();
    const key = keyOf(hit);
    const names = groups.get(key);
    if (!names) return;
    names.delete(path);
    if (names.size === 0) groups.delete(key);
  }
}
