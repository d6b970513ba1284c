/**
 * An image's file system (a stack of stored layers, merged) as a {@link SourceTree}:
 * what `COPY --from` reads, and what the builder consults to know whether a
 * destination exists, is a directory, or which uid a `--chown` user name has.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { type IndexedLayer, openLayer } from "../layer/open_layer.ts";
import { type MergedLayerTable, mergeLayers } from "../layer/merged_layers.ts";
import type { Store } from "../store/store.ts";
import { parseDigest } from "../store/digest.ts";
import type { SourceNode, SourceTree } from "./source_tree.ts";

/** Opens layers once per build and shares them between the trees that use them. */
export class LayerCache {
  readonly #store: Store;
  readonly #open = new Map<string, Promise<IndexedLayer>>();

  /**
   * @param store The image store.
   */
  constructor(store: Store) {
    this.#store = store;
  }

  /**
   * Open a layer by diff_id (cached).
   *
   * @param diffId The layer's diff_id.
   * @returns The open layer.
   */
  open(diffId: string): Promise<IndexedLayer> {
    let p = this.#open.get(diffId);
    if (!p) {
      p = openLayer(this.#store.layerFiles(parseDigest(diffId)));
      this.#open.set(diffId, p);
    }
    return p;
  }

  /** Close every open layer's file descriptor. */
  async close(): Promise<void> {
    for (const p of this.#open.values()) {
      try {
        (await p).close();
      } catch {
        // a layer that failed to open has nothing to close
      }
    }
    this.#open.clear();
  }
}

/** A merged image file system as a source tree. */
export class ImageTree implements SourceTree {
  /** Label for errors. */
  readonly label: string;
  readonly #merged: MergedLayerTable;

  /**
   * @param label Label for errors ("stage build").
   * @param merged The merged layers.
   */
  constructor(label: string, merged: MergedLayerTable) {
    this.label = label;
    this.#merged = merged;
  }

  /**
   * Open the tree of a layer stack.
   *
   * @param layers The layer cache.
   * @param diffIds Layers, lowest first.
   * @param label Label for errors.
   * @returns The tree.
   * @example
   * ```ts ignore
   * const tree = await ImageTree.open(cache, image.config.rootfs.diff_ids, "image alpine");
   * ```
   */
  static async open(
    layers: LayerCache,
    diffIds: readonly string[],
    label: string,
  ): Promise<ImageTree> {
    const open = await Promise.all(diffIds.map((d) => layers.open(d)));
    return new ImageTree(label, mergeLayers(open));
  }

  /**
   * @param path Absolute normalised path.
   * @returns The node (hard links appear as the file they share data with).
   */
  lookup(path: string): SourceNode | undefined {
    const hit = this.#merged.lookup(path);
    if (!hit) return undefined;
    const e = hit.entry;
    return {
      path,
      type: e.type === "hardlink" ? "file" : e.type,
      mode: e.mode,
      uid: e.uid,
      gid: e.gid,
      size: e.size,
      mtimeMs: e.mtimeMs,
      linkTarget: e.type === "symlink" ? e.linkTarget : undefined,
    };
  }

  /**
   * @param path Directory path.
   * @returns Sorted names.
   */
  children(path: string): readonly string[] {
    return this.#merged.children(path);
  }

  /**
   * @param node A file node of this tree.
   * @returns Its bytes in chunks of up to 1 MiB.
   */
  async *read(node: SourceNode): AsyncIterable<Uint8Array> {
    const hit = this.#merged.lookup(node.path);
    if (!hit) throw new Error(`${node.path} vanished from ${this.label}`);
    let position = 0;
    while (position < hit.entry.size) {
      const buf = new Uint8Array(Math.min(1 << 20, hit.entry.size - position));
      const n = this.#merged.readSync(hit, buf, position);
      if (n === 0) break;
      position += n;
      yield n === buf.length ? buf : buf.subarray(0, n);
    }
  }

  /**
   * @param node A file node.
   * @returns sha256 of its content.
   */
  async contentDigest(node: SourceNode): Promise<string> {
    const hash = createHash("sha256");
    for await (const chunk of this.read(node)) hash.update(chunk);
    return "sha256:" + hash.digest("hex");
  }

  /**
   * Read a small text file (e.g. /etc/passwd), or undefined if absent.
   *
   * @param path Absolute path.
   * @returns The text.
   */
  async readText(path: string): Promise<string | undefined> {
    const node = this.lookup(path);
    if (!node || node.type !== "file") return undefined;
    const parts: Uint8Array[] = [];
    for await (const c of this.read(node)) parts.push(c);
    return new TextDecoder().decode(await new Blob(parts as BlobPart[]).arrayBuffer());
  }
}

/** An empty tree (`FROM scratch`). */
export class EmptyTree implements SourceTree {
  /** Label for errors. */
  readonly label: string;
  /**
   * @param label Label for errors.
   */
  constructor(label: string) {
    this.label = label;
  }
  /**
   * @param path Path.
   * @returns The root only.
   */
  lookup(path: string): SourceNode | undefined {
    return path === "/"
      ? { path: "/", type: "dir", mode: 0o755, uid: 0, gid: 0, size: 0, mtimeMs: 0 }
      : undefined;
  }
  /**
   * @returns No children.
   */
  children(): readonly string[] {
    return [];
  }
  /**
   * @returns Nothing.
   */
  async *read(): AsyncIterable<Uint8Array> {}
  /**
   * @returns Never: an empty tree has no files.
   */
  contentDigest(): Promise<string> {
    return Promise.reject(new Error("empty tree has no files"));
  }
}
