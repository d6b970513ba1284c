/**
 * `OpenLayer` over a stored layer: the index held in memory, the uncompressed tar held
 * open, and file data read with one positioned read (`pread`) per call.
 *
 * @module
 */
import { closeSync, openSync, readSync } from "node:fs";
import type { LayerEntry, OpenLayer } from "./types.ts";
import { type LayerIndexFile, loadLayerIndex, loadLayerIndexSync } from "./layer_index_file.ts";

/** An open layer; `close()` releases the tar's file descriptor. */
export class IndexedLayer implements OpenLayer {
  /** The layer's diff_id. */
  readonly diffId: string;
  /** Entries by path. */
  readonly entries: ReadonlyMap<string, LayerEntry>;
  /** Paths deleted by this layer. */
  readonly whiteouts: ReadonlySet<string>;
  /** Directories made opaque by this layer. */
  readonly opaqueDirs: ReadonlySet<string>;
  /** Path of the uncompressed tar. */
  readonly tarPath: string;
  #fd: number | undefined;

  /**
   * Create it.
   *
   * @param tarPath The uncompressed layer tar.
   * @param index Its index.
   */
  constructor(tarPath: string, index: LayerIndexFile) {
    this.tarPath = tarPath;
    this.diffId = index.diffId;
    this.entries = new Map(index.entries.map((e) => [e.path, e]));
    this.whiteouts = new Set(index.whiteouts);
    this.opaqueDirs = new Set(index.opaqueDirs);
  }

  /**
   * Read up to `buf.length` bytes of a file entry's data from `position`.
   *
   * @param entry An entry of this layer.
   * @param buf Destination.
   * @param position Offset in the file's data.
   * @returns Bytes read (0 at end of file or for non-files).
   */
  readSync(entry: LayerEntry, buf: Uint8Array, position: number): number {
    const want = Math.min(buf.length, entry.size - position);
    if (want <= 0 || entry.type !== "file") return 0;
    this.#fd ??= openSync(this.tarPath, "r");
    return readSync(this.#fd, buf, 0, want, entry.dataOffset + position);
  }

  /**
   * Read a whole file entry (convenience for small files and tests).
   *
   * @param entry A file entry.
   * @returns Its bytes.
   */
  readFileSync(entry: LayerEntry): Uint8Array {
    const buf = new Uint8Array(entry.size);
    let off = 0;
    while (off < entry.size) {
      const n = this.readSync(entry, buf.subarray(off), off);
      if (n === 0) break;
      off += n;
    }
    return buf;
  }

  /** Close the tar's file descriptor (reads reopen it). */
  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}

/**
 * Open a stored layer.
 *
 * @param files Paths of the tar and index (`store.layerFiles(diffId)`).
 * @returns The open layer.
 * @example
 * ```ts ignore
 * const layer = await openLayer(store.layerFiles(diffId));
 * ```
 */
export async function openLayer(files: { tar: string; index: string }): Promise<IndexedLayer> {
  return new IndexedLayer(files.tar, await loadLayerIndex(files));
}

/**
 * Open a stored layer synchronously (for the kernel's mount path).
 *
 * @param files Paths of the tar and index.
 * @returns The open layer.
 * @example
 * ```ts ignore
 * const layer = openLayerSync(store.layerFiles(diffId));
 * ```
 */
export function openLayerSync(files: { tar: string; index: string }): IndexedLayer {
  return new IndexedLayer(files.tar, loadLayerIndexSync(files));
}
