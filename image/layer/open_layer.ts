/**
 * `OpenLayer` over a stored layer: the index held in memory, the uncompressed tar held
 * open, and file data read with one positioned read (`pread`) per call; small files are
 * kept whole once read.
 *
 * @module
 */
import { closeSync, openSync, readSync } from "node:fs";
import type { LayerEntry, OpenLayer } from "./types.ts";
import { type LayerIndexFile, loadLayerIndex, loadLayerIndexSync } from "./layer_index_file.ts";

/** Files of at most this many bytes are kept in memory once read (see `readSync`). */
const SMALL_FILE_BYTES = 1024;
/** The most bytes of small files an open layer keeps. */
const SMALL_CACHE_BYTES = 256 * 1024;

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
    if (entry.size <= SMALL_FILE_BYTES) {
      const whole = this.#small.get(entry) ?? this.#keepSmall(entry);
      if (whole) {
        buf.set(whole.subarray(position, position + want));
        return want;
      }
    }
    this.#fd ??= openSync(this.tarPath, "r");
    return readSync(this.#fd, buf, 0, want, entry.dataOffset + position);
  }

  /**
   * Small files read so far, whole (the layer is immutable): what every exec of a BusyBox
   * applet reads (its 81-byte stub), `/etc/passwd` and the like, as a page cache would
   * keep them. A host read of a daemon woken from idle cost ~90 µs of a `berth run`.
   */
  readonly #small = new Map<LayerEntry, Uint8Array>();
  #smallBytes = 0;

  #keepSmall(entry: LayerEntry): Uint8Array | undefined {
    if (this.#smallBytes + entry.size > SMALL_CACHE_BYTES) return undefined;
    this.#fd ??= openSync(this.tarPath, "r");
    const whole = new Uint8Array(entry.size);
    let off = 0;
    while (off < entry.size) {
      const n = readSync(this.#fd, whole, off, entry.size - off, entry.dataOffset + off);
      if (n === 0) return undefined; // a truncated tar: read it as before, short
      off += n;
    }
    this.#small.set(entry, whole);
    this.#smallBytes += entry.size;
    return whole;
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
