/**
 * Merge a stack of layers (lowest first) into one lookup table: path → the entry that
 * wins, with OCI whiteouts applied. Built once in O(total entries); afterwards a lookup
 * is one `Map.get`, whatever the number of layers.
 *
 * Rules (OCI image spec, "Applying changesets"): in each layer, first `.wh..wh..opq`
 * hides everything lower under that directory, then `.wh.NAME` deletes NAME (and its
 * subtree) from lower layers, then the layer's entries are applied; a non-directory
 * replacing a directory drops the directory's subtree. Directories that a tar omits but
 * whose children it has are synthesised (mode 0755, root-owned). A hard link resolves
 * to the entry it links to as of the layer that makes it (possibly a lower layer),
 * with its own path kept; a hard link whose target is absent (or a directory) cannot be
 * extracted and is ignored, as if the layer did not hold it.
 *
 * @module
 */
import type { LayerEntry, MergedHit, MergedLayers, OpenLayer } from "./types.ts";
import { joinPath, parentOf } from "./tar_indexer.ts";

/** The merged view; see `mergeLayers`. */
export class MergedLayerTable implements MergedLayers {
  /** The layers, lowest first. */
  readonly layers: readonly OpenLayer[];
  readonly #hits = new Map<string, MergedHit>();
  readonly #children = new Map<string, Set<string>>();
  readonly #sorted = new Map<string, readonly string[]>();

  /**
   * Create it.
   *
   * @param layers Lowest first.
   */
  constructor(layers: readonly OpenLayer[]) {
    this.layers = layers;
    this.#set("/", { entry: syntheticDir("/"), layer: 0 });
    layers.forEach((layer, i) => this.#apply(layer, i));
  }

  /**
   * The entry that wins for a path.
   *
   * @param path Absolute normalised path.
   * @returns The hit, or undefined when absent or deleted.
   */
  lookup(path: string): MergedHit | undefined {
    return this.#hits.get(path);
  }

  /**
   * Sorted child names of a directory.
   *
   * @param path Directory path.
   * @returns Names (empty for non-directories or absent paths).
   */
  children(path: string): readonly string[] {
    let s = this.#sorted.get(path);
    if (!s) {
      s = [...(this.#children.get(path) ?? [])].sort();
      this.#sorted.set(path, s);
    }
    return s;
  }

  /**
   * Read file data of a hit.
   *
   * @param hit A hit from `lookup`.
   * @param buf Destination.
   * @param position Offset in the file.
   * @returns Bytes read.
   */
  readSync(hit: MergedHit, buf: Uint8Array, position: number): number {
    const layer = this.layers[hit.layer];
    return layer ? layer.readSync(hit.entry, buf, position) : 0;
  }

  /** Number of paths in the merged view. */
  get size(): number {
    return this.#hits.size;
  }

  /**
   * Every path of the merged view (unordered).
   *
   * @returns Paths.
   */
  paths(): IterableIterator<string> {
    return this.#hits.keys();
  }

  #apply(layer: OpenLayer, index: number): void {
    for (const dir of layer.opaqueDirs) {
      for (const name of [...(this.#children.get(dir) ?? [])]) this.#delete(joinPath(dir, name));
    }
    for (const path of layer.whiteouts) this.#delete(path);
    for (const entry of layer.entries.values()) {
      const path = entry.path;
      let hit: MergedHit = { entry, layer: index };
      if (entry.type === "hardlink") {
        const target = entry.linkTarget ? this.#hits.get(entry.linkTarget) : undefined;
        // A hard link to nothing (or to a directory) cannot be extracted: it is ignored.
        if (!target || target.entry.type === "dir") continue;
        hit = { entry: { ...target.entry, path }, layer: target.layer };
      }
      this.#ensureParents(path, index);
      const old = this.#hits.get(path);
      if (old && old.entry.type === "dir" && entry.type !== "dir") this.#delete(path);
      this.#set(path, hit);
    }
  }

  #ensureParents(path: string, layer: number): void {
    const parent = parentOf(path);
    if (path === "/" || this.#hits.get(parent)?.entry.type === "dir") return;
    this.#ensureParents(parent, layer);
    if (this.#hits.has(parent)) this.#delete(parent); // a non-dir in the way is replaced
    this.#set(parent, { entry: syntheticDir(parent), layer });
  }

  #set(path: string, hit: MergedHit): void {
    this.#hits.set(path, hit);
    if (path === "/") return;
    const parent = parentOf(path);
    let kids = this.#children.get(parent);
    if (!kids) this.#children.set(parent, kids = new Set());
    const name = path.slice(path.lastIndexOf("/") + 1);
    if (!kids.has(name)) {
      kids.add(name);
      this.#sorted.delete(parent);
    }
  }

  #delete(path: string): void {
    if (path === "/") return;
    const kids = this.#children.get(path);
    if (kids) {
      for (const name of kids) this.#delete(joinPath(path, name));
      this.#children.delete(path);
      this.#sorted.delete(path);
    }
    if (!this.#hits.delete(path)) return;
    const parent = parentOf(path);
    this.#children.get(parent)?.delete(path.slice(path.lastIndexOf("/") + 1));
    this.#sorted.delete(parent);
  }
}

function syntheticDir(path: string): LayerEntry {
  return { path, type: "dir", mode: 0o755, uid: 0, gid: 0, size: 0, mtimeMs: 0, dataOffset: 0 };
}

/**
 * Merge a stack of layers into one view.
 *
 * @param layers Lowest first.
 * @returns The merged view.
 * @example
 * ```ts
 * import { mergeLayers } from "./merged_layers.ts";
 * const merged = mergeLayers([]);
 * console.assert(merged.lookup("/")?.entry.type === "dir");
 * ```
 */
export function mergeLayers(layers: readonly OpenLayer[]): MergedLayerTable {
  return new MergedLayerTable(layers);
}
