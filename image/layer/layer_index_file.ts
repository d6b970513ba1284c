/**
 * The on-disk form of a layer index: one JSON file beside the layer tar, written once
 * at ingest. JSON because `JSON.parse` is native and fast; `tests/bench/image_bench.ts`
 * measures the load time.
 *
 * The index is derivable from the tar, so it is written without an fsync of its own (the
 * tar and blob are fsynced before they are renamed into place): after a crash it may be
 * missing, empty or short, and {@link loadLayerIndex} then rebuilds it from the tar and
 * writes it again. Measured: the separate fsync was most of the index's end-to-end cost
 * at ingest.
 *
 * @module
 */
import { closeSync, openSync, readSync, renameSync, writeFileSync } from "node:fs";
import type { LayerEntry } from "./types.ts";
import { TarIndexer } from "./tar_indexer.ts";
import { atomicWriteFile, tempPath } from "../store/_fs.ts";
import { ImageError } from "../store/errors.ts";

/** The stored index of one layer. */
export interface LayerIndexFile {
  /** The layer's diff_id. */
  diffId: string;
  /** Size of the uncompressed tar. */
  tarSize: number;
  /** Entries (whiteouts excluded). */
  entries: LayerEntry[];
  /** Paths deleted by `.wh.` files. */
  whiteouts: string[];
  /** Directories made opaque. */
  opaqueDirs: string[];
}

const VERSION = 1;

/**
 * Write a layer index atomically.
 *
 * @param path Destination.
 * @param index The index.
 * @example
 * ```ts ignore
 * await writeLayerIndex("/l/x.index.json", index);
 * ```
 */
export async function writeLayerIndex(
  path: string,
  index: LayerIndexFile,
): Promise<void> {
  await atomicWriteFile(path, JSON.stringify({ version: VERSION, ...index }), 0o644, false);
}

/**
 * Read a layer index.
 *
 * @param path The `.index.json` file.
 * @returns The index.
 * @throws ImageError when the file is missing or of another version.
 * @example
 * ```ts ignore
 * const ix = await readLayerIndex("/l/x.index.json");
 * ```
 */
export async function readLayerIndex(path: string): Promise<LayerIndexFile> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new ImageError(
        `Cannot open layer index ${path}: missing (run "berth image prune" and reload the image)`,
      );
    }
    throw e;
  }
  const parsed = JSON.parse(text) as { version?: number } & LayerIndexFile;
  if (parsed.version !== VERSION) {
    throw new ImageError(`Cannot open layer index ${path}: unknown version ${parsed.version}`);
  }
  return parsed;
}

/**
 * Read a layer index synchronously (for the kernel's mount path).
 *
 * @param path The `.index.json` file.
 * @returns The index.
 * @example
 * ```ts ignore
 * const ix = readLayerIndexSync("/l/x.index.json");
 * ```
 */
export function readLayerIndexSync(path: string): LayerIndexFile {
  const parsed = JSON.parse(Deno.readTextFileSync(path)) as { version?: number } & LayerIndexFile;
  if (parsed.version !== VERSION) {
    throw new ImageError(`Cannot open layer index ${path}: unknown version ${parsed.version}`);
  }
  return parsed;
}

/**
 * The index of a stored layer, rebuilt from the tar when the index file is missing,
 * unreadable, of another version, or does not describe a tar of this size (a crash
 * after ingest: the index is not fsynced). A rebuilt index is written back (best effort).
 *
 * @param files Paths of the layer's tar and index.
 * @returns The index.
 * @example
 * ```ts ignore
 * const ix = loadLayerIndexSync(store.layerFiles(diffId));
 * ```
 */
export function loadLayerIndexSync(files: { tar: string; index: string }): LayerIndexFile {
  let tarSize: number;
  try {
    tarSize = Deno.statSync(files.tar).size;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new ImageError(
        `Cannot open layer ${files.tar}: missing (run "berth image prune" and reload the image)`,
      );
    }
    throw e;
  }
  try {
    const ix = readLayerIndexSync(files.index);
    if (ix.tarSize === tarSize && Array.isArray(ix.entries)) return ix;
  } catch { /* rebuilt below */ }
  const ix = indexTarFileSync(files.tar, tarSize);
  try {
    const tmp = tempPath(dirnameOf(files.index), "index");
    writeFileSync(tmp, JSON.stringify({ version: VERSION, ...ix }));
    renameSync(tmp, files.index);
  } catch { /* read-only store: the rebuilt index still serves this open */ }
  return ix;
}

/**
 * {@link loadLayerIndexSync} for async callers.
 *
 * @param files Paths of the layer's tar and index.
 * @returns The index.
 * @example
 * ```ts ignore
 * const ix = await loadLayerIndex(store.layerFiles(diffId));
 * ```
 */
export function loadLayerIndex(files: { tar: string; index: string }): Promise<LayerIndexFile> {
  return Promise.resolve().then(() => loadLayerIndexSync(files));
}

/** Index a stored tar; its diff_id is its file name (`<hex>.tar`). */
function indexTarFileSync(tar: string, tarSize: number): LayerIndexFile {
  const hex = tar.slice(tar.lastIndexOf("/") + 1).replace(/\.tar$/, "");
  const indexer = new TarIndexer(tar, { totalSize: tarSize });
  const fd = openSync(tar, "r");
  try {
    for (;;) {
      // A fresh buffer each time: the indexer may keep views of what it was given.
      const buf = new Uint8Array(1 << 20);
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      indexer.push(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return { diffId: `sha256:${hex}`, tarSize, ...indexer.finish() };
}

function dirnameOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}
