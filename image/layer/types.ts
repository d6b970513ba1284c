/**
 * The shape of an indexed layer, shared by the image store (which builds indexes at
 * ingest) and the kernel's overlay file system (which reads files straight out of the
 * layer tars through them).
 *
 * @module
 */

/** Type of a tar entry as the index records it. */
export type LayerEntryType =
  | "file"
  | "dir"
  | "symlink"
  | "hardlink"
  | "char"
  | "block"
  | "fifo";

/** One path of a layer, as its tar header (plus PAX records) describes it. */
export interface LayerEntry {
  /** Absolute, normalised path inside the image ("/etc/passwd"); the root is "/". */
  path: string;
  /** Entry type. Whiteouts are not entries: they are applied by the merge. */
  type: LayerEntryType;
  /** Permission bits including setuid/setgid/sticky (no `S_IFMT` type bits). */
  mode: number;
  /** Owner uid. */
  uid: number;
  /** Owner gid. */
  gid: number;
  /** Size of the data in bytes (0 for non-files). */
  size: number;
  /** Modification time, milliseconds since the epoch (fractions kept from PAX). */
  mtimeMs: number;
  /** Symlink target, or for a hard link the absolute path of the entry it links to. */
  linkTarget?: string;
  /** Device numbers of char/block nodes. */
  devMajor?: number;
  /** Device numbers of char/block nodes. */
  devMinor?: number;
  /** Extended attributes from PAX `SCHILY.xattr.*` records. */
  xattrs?: Record<string, string>;
  /** Byte offset of the data in the uncompressed layer tar. */
  dataOffset: number;
}

/** A layer opened for reading: its index plus positioned reads of its tar. */
export interface OpenLayer {
  /** The layer's diff_id (sha256 of the uncompressed tar). */
  readonly diffId: string;
  /** Entries by path, whiteouts and opaque markers excluded. */
  readonly entries: ReadonlyMap<string, LayerEntry>;
  /** Paths deleted by `.wh.NAME` in this layer. */
  readonly whiteouts: ReadonlySet<string>;
  /** Directories made opaque by `.wh..wh..opq` in this layer. */
  readonly opaqueDirs: ReadonlySet<string>;
  /** Read up to `buf.length` bytes of `entry`'s data from `position` (synchronous, one pread). */
  readSync(entry: LayerEntry, buf: Uint8Array, position: number): number;
}

/** Where a merged lookup found a path. */
export interface MergedHit {
  /** The winning entry (for a hard link: the entry whose data it shares, path kept). */
  entry: LayerEntry;
  /** Index of the layer that holds it in the stack (0 = lowest). */
  layer: number;
}

/**
 * A stack of layers merged into one view (lowest first), whiteouts and opaque
 * directories applied. A lookup costs the same whatever the number of layers.
 */
export interface MergedLayers {
  /** The layers, lowest first. */
  readonly layers: readonly OpenLayer[];
  /** The entry that wins for `path`, or undefined if absent or whited out. */
  lookup(path: string): MergedHit | undefined;
  /** Names of the children of directory `path` (merged, whiteouts applied), sorted. */
  children(path: string): readonly string[];
  /** Read file data of a hit (follows hard links to the data's owner). */
  readSync(hit: MergedHit, buf: Uint8Array, position: number): number;
}
