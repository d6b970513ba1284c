/**
 * Streaming blob ingest: bytes are digested while they are written to a temp file in
 * the store's own file system; size and digest are verified against what was announced;
 * the file is fsynced and renamed into `blobs/sha256/<hex>`. A blob therefore never
 * exists under a digest it does not have, and a failed ingest leaves nothing behind.
 *
 * @module
 */
import { join } from "node:path";
import { type Digest, digestHex, DigestWriter } from "./digest.ts";
import { DigestMismatchError, ImageError, SizeMismatchError } from "./errors.ts";
import { exists, removeQuietly, tempPath } from "./_fs.ts";

/** Bytes to ingest: a web stream, an async iterable of chunks, or one buffer. */
export type ByteSource = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Uint8Array;

/** What the caller knows about the blob in advance. */
export interface IngestOptions {
  /** Digest announced by a manifest or archive: a mismatch fails the ingest. */
  expected?: Digest;
  /** Size announced: a mismatch fails the ingest. */
  size?: number;
  /** Refuse blobs larger than this many bytes. */
  maxSize?: number;
  /** What the blob is, for error messages ("config of web:1"). */
  what?: string;
}

/** A blob now in the store. */
export interface IngestedBlob {
  /** Its digest. */
  digest: Digest;
  /** Its size in bytes. */
  size: number;
}

/**
 * Iterate the chunks of a byte source.
 *
 * @param source Stream, iterable or buffer.
 * @returns Async iterable of chunks.
 * @example
 * ```ts
 * import { chunksOf } from "./blob_ingest.ts";
 * for await (const c of chunksOf(new Uint8Array(3))) console.assert(c.length === 3);
 * ```
 */
export async function* chunksOf(source: ByteSource): AsyncIterable<Uint8Array> {
  if (source instanceof Uint8Array) {
    yield source;
    return;
  }
  yield* source as AsyncIterable<Uint8Array>;
}

/**
 * Read a host file as fresh 1 MiB chunks (a larger read size than `FsFile.readable`).
 *
 * @param path Host file.
 * @param chunkSize Bytes per read.
 * @returns Async iterable of chunks (each a new buffer).
 * @example
 * ```ts ignore
 * for await (const c of fileChunks("/tmp/x")) console.log(c.length);
 * ```
 */
export function fileChunks(path: string, chunkSize = 1 << 20): AsyncIterable<Uint8Array> {
  return fileRangeChunks(path, 0, Infinity, chunkSize);
}

/**
 * Read `length` bytes of a host file from `offset` as fresh chunks (a member of an
 * archive, found by its index).
 *
 * @param path Host file.
 * @param offset First byte.
 * @param length Bytes to read (`Infinity` for the rest of the file).
 * @param chunkSize Bytes per read.
 * @returns Async iterable of chunks (each a new buffer).
 * @example
 * ```ts ignore
 * for await (const c of fileRangeChunks("/tmp/a.tar", 512, 100)) console.log(c.length);
 * ```
 */
export async function* fileRangeChunks(
  path: string,
  offset: number,
  length: number,
  chunkSize = 1 << 20,
): AsyncIterable<Uint8Array> {
  const f = await Deno.open(path, { read: true });
  try {
    if (offset > 0) await f.seek(offset, Deno.SeekMode.Start);
    let left = length;
    while (left > 0) {
      const size = Math.min(chunkSize, left);
      const buf = new Uint8Array(size);
      let fill = 0;
      while (fill < size) {
        const n = await f.read(buf.subarray(fill));
        if (n === null) break;
        fill += n;
      }
      if (fill === 0) return;
      left -= fill;
      yield fill === size ? buf : buf.subarray(0, fill);
      if (fill < size) return;
    }
  } finally {
    f.close();
  }
}

/**
 * Write all of a buffer to a file.
 *
 * @param f Open file.
 * @param bytes Bytes.
 * @example
 * ```ts ignore
 * await writeAll(file, bytes);
 * ```
 */
export async function writeAll(f: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await f.write(bytes.subarray(off));
}

/**
 * Set a file's times to now (ignoring a file that vanished).
 *
 * @param path Host file.
 * @example
 * ```ts ignore
 * await touch(store.blobPath(digest));
 * ```
 */
export async function touch(path: string): Promise<void> {
  const now = new Date();
  try {
    await Deno.utime(path, now, now);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}

/**
 * Ingest a blob into `blobsDir` (`…/blobs/sha256`).
 *
 * @param blobsDir The `blobs/sha256` directory.
 * @param tmpDir A temp directory on the same file system.
 * @param source The bytes.
 * @param options Expected digest/size and limits.
 * @returns The digest and size of the stored blob.
 * @throws DigestMismatchError / SizeMismatchError when the content is not what was announced.
 * @example
 * ```ts ignore
 * const { digest } = await ingestBlob(blobs, tmp, new TextEncoder().encode("{}"));
 * ```
 */
export async function ingestBlob(
  blobsDir: string,
  tmpDir: string,
  source: ByteSource,
  options: IngestOptions = {},
): Promise<IngestedBlob> {
  const what = options.what ?? "blob";
  if (options.expected && await exists(join(blobsDir, digestHex(options.expected)))) {
    // Already present (and verified when it was written): drain nothing, trust the store.
    if (source instanceof ReadableStream) await source.cancel();
    const path = join(blobsDir, digestHex(options.expected));
    await touch(path); // fresh again: GC's grace period covers the new reference too
    const size = (await Deno.stat(path)).size;
    return { digest: options.expected, size };
  }
  const tmp = tempPath(tmpDir, "blob");
  const file = await Deno.open(tmp, { write: true, createNew: true, mode: 0o644 });
  const hash = new DigestWriter();
  let closed = false;
  try {
    for await (const chunk of chunksOf(source)) {
      hash.update(chunk);
      if (options.maxSize !== undefined && hash.size > options.maxSize) {
        throw new ImageError(`Cannot store ${what}: larger than the ${options.maxSize}-byte limit`);
      }
      if (options.size !== undefined && hash.size > options.size) {
        throw new SizeMismatchError(options.size, hash.size, what);
      }
      await writeAll(file, chunk);
    }
    if (options.size !== undefined && hash.size !== options.size) {
      throw new SizeMismatchError(options.size, hash.size, what);
    }
    const digest = hash.digest();
    if (options.expected && digest !== options.expected) {
      throw new DigestMismatchError(options.expected, digest, what);
    }
    await file.sync();
    file.close();
    closed = true;
    await Deno.rename(tmp, join(blobsDir, digestHex(digest)));
    return { digest, size: hash.size };
  } catch (e) {
    if (!closed) file.close();
    await removeQuietly(tmp);
    throw e;
  }
}
