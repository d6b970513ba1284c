/**
 * One-pass layer ingest: the layer blob (tar or tar+gzip) is digested and written to
 * the blob store while, for gzip, it is inflated, digested again (the diff_id),
 * indexed and written as the uncompressed tar that containers read from. For an
 * uncompressed blob the blob digest is the diff_id, so there is one hash, one write and
 * the layer tar is a hard link to the blob.
 *
 * Gzip bombs stop at a documented limit: the inflated layer may not exceed
 * `maxLayerSize` (default 16 GiB), and once past 256 MiB it may not exceed
 * `maxRatio` (default 200) times the compressed bytes read so far. Both are options.
 *
 * @module
 */
import { join } from "node:path";
import { type Digest, digestHex, DigestWriter } from "../store/digest.ts";
import { BadLayerError, DigestMismatchError, SizeMismatchError } from "../store/errors.ts";
import { type ByteSource, chunksOf, writeAll } from "../store/blob_ingest.ts";
import { removeQuietly, tempPath } from "../store/_fs.ts";
import type { LayerCompression } from "../store/media_types.ts";
import { TarIndexer } from "./tar_indexer.ts";
import { writeLayerIndex } from "./layer_index_file.ts";
import { gunzipChunks } from "../store/gunzip.ts";

/** Where ingest writes. */
export interface LayerDirs {
  /** `blobs/sha256`. */
  blobsDir: string;
  /** Uncompressed layer tars and their indexes. */
  layersDir: string;
  /** Temp files (same file system). */
  tmpDir: string;
}

/** Limits of layer ingest. */
export interface LayerLimits {
  /** Largest inflated layer (default 16 GiB). */
  maxLayerSize?: number;
  /** Largest inflation ratio once past `ratioFloor` (default 200). */
  maxRatio?: number;
  /** Inflated size from which the ratio applies (default 256 MiB). */
  ratioFloor?: number;
}

/** What is known about the layer before reading it. */
export interface LayerIngestOptions extends LayerLimits {
  /** Compression of the blob. */
  compression: LayerCompression;
  /** Blob digest announced by the manifest. */
  expected?: Digest;
  /** Blob size announced. */
  size?: number;
  /** diff_id announced by the config. */
  expectedDiffId?: Digest;
  /** Name for messages (file in an archive, or the digest). */
  name: string;
  /**
   * Symlinks that climb above the root: `allow` (default: layers Berth makes, from
   * builds and commits, keep what the user made) or `refuse` (`load` and `import`
   * pass this for archives from outside).
   */
  escapingSymlinks?: "refuse" | "allow";
}

/** A layer now in the store. */
export interface IngestedLayer {
  /** Blob digest. */
  digest: Digest;
  /** Blob size. */
  size: number;
  /** diff_id (digest of the uncompressed tar). */
  diffId: Digest;
  /** Size of the uncompressed tar. */
  tarSize: number;
}

/** Default limits. */
export const DEFAULT_LAYER_LIMITS: Required<LayerLimits> = {
  maxLayerSize: 16 * 2 ** 30,
  maxRatio: 200,
  ratioFloor: 256 * 2 ** 20,
};

/**
 * Paths of a layer's uncompressed tar and index.
 *
 * @param layersDir The store's layers directory.
 * @param diffId The layer's diff_id.
 * @returns `{ tar, index }` paths.
 * @example
 * ```ts
 * import { layerFiles } from "./layer_ingest.ts";
 * import { parseDigest } from "../store/digest.ts";
 * const f = layerFiles("/l", parseDigest("sha256:" + "a".repeat(64)));
 * console.assert(f.tar.endsWith(".tar"));
 * ```
 */
export function layerFiles(layersDir: string, diffId: Digest): { tar: string; index: string } {
  const hex = digestHex(diffId);
  return { tar: join(layersDir, `${hex}.tar`), index: join(layersDir, `${hex}.index.json`) };
}

/**
 * Ingest a layer blob: store the blob, its uncompressed tar and its index.
 *
 * @param dirs Store directories.
 * @param source The blob bytes.
 * @param options Compression, expected digests, limits.
 * @returns Digests and sizes.
 * @throws BadLayerError, DigestMismatchError, SizeMismatchError; nothing is left behind.
 * @example
 * ```ts ignore
 * const l = await ingestLayer(dirs, fileChunks("l.tar.gz"), { compression: "gzip", name: "l" });
 * ```
 */
export async function ingestLayer(
  dirs: LayerDirs,
  source: ByteSource,
  options: LayerIngestOptions,
): Promise<IngestedLayer> {
  const limits = { ...DEFAULT_LAYER_LIMITS, ...definedOnly(options) };
  const blobTmp = tempPath(dirs.tmpDir, "layer-blob");
  const tarTmp = options.compression === "gzip" ? tempPath(dirs.tmpDir, "layer-tar") : undefined;
  const indexer = new TarIndexer(options.name, {
    totalSize: options.compression === "none" ? options.size : undefined,
    escapingSymlinks: options.escapingSymlinks ?? "allow",
  });
  const blobHash = new DigestWriter();
  const blobFile = await Deno.open(blobTmp, { write: true, createNew: true, mode: 0o644 });
  const tarFile = tarTmp
    ? await Deno.open(tarTmp, { write: true, createNew: true, mode: 0o644 })
    : undefined;
  const open = new Set<Deno.FsFile>([blobFile, ...(tarFile ? [tarFile] : [])]);
  const close = (f: Deno.FsFile) => {
    if (open.delete(f)) f.close();
  };
  const placed: string[] = [];
  try {
    let diffId: Digest;
    let tarSize: number;
    if (!tarFile) {
      for await (const chunk of chunksOf(source)) {
        blobHash.update(chunk);
        if (options.size !== undefined && blobHash.size > options.size) {
          throw new SizeMismatchError(options.size, blobHash.size, options.name);
        }
        indexer.push(chunk);
        await writeAll(blobFile, chunk);
      }
      diffId = blobHash.digest();
      tarSize = blobHash.size;
      verify(options, blobHash.size, diffId);
    } else {
      const r = await inflateAndIndex(
        source,
        blobFile,
        tarFile,
        blobHash,
        indexer,
        options,
        limits,
      );
      diffId = r.diffId;
      tarSize = r.tarSize;
      verify(options, blobHash.size, blobHash.digest());
    }
    const index = indexer.finish();
    const digest = options.compression === "none" ? diffId : blobHash.digest();
    if (options.expectedDiffId && options.expectedDiffId !== diffId) {
      throw new DigestMismatchError(options.expectedDiffId, diffId, `diff_id of ${options.name}`);
    }
    // The data fsyncs and the index write overlap; nothing is renamed into place (and so
    // visible under a digest) before all three are durable.
    const files = layerFiles(dirs.layersDir, diffId);
    placed.push(files.index);
    await Promise.all([
      blobFile.sync(),
      tarFile?.sync(),
      writeLayerIndex(files.index, { diffId, tarSize, ...index }),
    ]);
    close(blobFile);
    if (tarFile) close(tarFile);
    const blobPath = join(dirs.blobsDir, digestHex(digest));
    await Deno.rename(blobTmp, blobPath);
    if (tarTmp) await Deno.rename(tarTmp, files.tar);
    else await linkOrCopy(blobPath, files.tar);
    return { digest, size: blobHash.size, diffId, tarSize };
  } catch (e) {
    for (const f of [...open]) close(f);
    await removeQuietly(blobTmp);
    if (tarTmp) await removeQuietly(tarTmp);
    for (const p of placed) await removeQuietly(p);
    throw e;
  }
}

function definedOnly(o: LayerLimits): LayerLimits {
  const out: LayerLimits = {};
  if (o.maxLayerSize !== undefined) out.maxLayerSize = o.maxLayerSize;
  if (o.maxRatio !== undefined) out.maxRatio = o.maxRatio;
  if (o.ratioFloor !== undefined) out.ratioFloor = o.ratioFloor;
  return out;
}

function verify(options: LayerIngestOptions, size: number, digest: Digest): void {
  if (options.size !== undefined && size !== options.size) {
    throw new SizeMismatchError(options.size, size, options.name);
  }
  if (options.expected && options.expected !== digest) {
    throw new DigestMismatchError(options.expected, digest, options.name);
  }
}

async function inflateAndIndex(
  source: ByteSource,
  blobFile: Deno.FsFile,
  tarFile: Deno.FsFile,
  blobHash: DigestWriter,
  indexer: TarIndexer,
  options: LayerIngestOptions,
  limits: Required<LayerLimits>,
): Promise<{ diffId: Digest; tarSize: number }> {
  async function* compressed(): AsyncIterable<Uint8Array> {
    for await (const chunk of chunksOf(source)) {
      blobHash.update(chunk);
      if (options.size !== undefined && blobHash.size > options.size) {
        throw new SizeMismatchError(options.size, blobHash.size, options.name);
      }
      await writeAll(blobFile, chunk);
      yield chunk;
    }
  }
  const tarHash = new DigestWriter();
  try {
    for await (const value of gunzipChunks(compressed())) {
      tarHash.update(value);
      const inflated = tarHash.size;
      if (inflated > limits.maxLayerSize) {
        throw new BadLayerError(
          options.name,
          `inflates beyond the ${limits.maxLayerSize}-byte layer limit (gzip bomb?)`,
        );
      }
      if (inflated > limits.ratioFloor && inflated > limits.maxRatio * blobHash.size) {
        throw new BadLayerError(
          options.name,
          `inflates more than ${limits.maxRatio}x (${inflated} bytes from ${blobHash.size}; gzip bomb?)`,
        );
      }
      indexer.push(value);
      await writeAll(tarFile, value);
    }
  } catch (e) {
    if (isZlibError(e)) {
      throw new BadLayerError(options.name, `corrupt gzip data (${(e as Error).message})`);
    }
    throw e;
  }
  return { diffId: tarHash.digest(), tarSize: tarHash.size };
}

/**
 * Whether an error comes from zlib (corrupt or truncated gzip data).
 *
 * @param e Any error.
 * @returns True for zlib errors.
 * @example
 * ```ts
 * import { isZlibError } from "./layer_ingest.ts";
 * console.assert(!isZlibError(new Error("x")));
 * ```
 */
export function isZlibError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  return (typeof code === "string" && code.startsWith("Z_")) ||
    e.message === "unexpected end of file";
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await Deno.link(from, to);
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) return;
    await Deno.copyFile(from, to);
  }
}
