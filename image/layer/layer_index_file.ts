/**
 * The on-disk form of a layer index: one JSON file beside the layer tar, written once
 * at ingest. JSON because `JSON.parse` is native and fast; `tests/bench/image_bench.ts`
 * measures the load time.
 *
 * @module
 */
import type { LayerEntry } from "./types.ts";
import { atomicWriteFile } from "../store/_fs.ts";
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
  await atomicWriteFile(path, JSON.stringify({ version: VERSION, ...index }));
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
