/**
 * An archive given to `load` or `import`, made seekable: a host file is used in place
 * when it is an uncompressed tar; gzip input (sniffed by its magic bytes, not its name)
 * and streams (stdin) are first written, inflated, to a temp file in the store's own
 * file system. The archive is then indexed with `TarIndexer`, so each member (a layer
 * of a `docker save`, a blob of an OCI layout) is read by offset without unpacking.
 *
 * @module
 */
import { type ByteSource, chunksOf, fileChunks, writeAll } from "../store/blob_ingest.ts";
import { BadArchiveError, BadLayerError, ImageError } from "../store/errors.ts";
import { removeQuietly, tempPath } from "../store/_fs.ts";
import { TarIndexer } from "../layer/tar_indexer.ts";
import type { LayerEntry } from "../layer/types.ts";
import { DEFAULT_LAYER_LIMITS, isZlibError, type LayerLimits } from "../layer/layer_ingest.ts";
import { gunzipChunks } from "../store/gunzip.ts";

/** Compression sniffed from the first bytes. */
export type Sniffed = "gzip" | "zstd" | "none";

/**
 * Sniff compression from magic bytes.
 *
 * @param head The first bytes (at least 4).
 * @returns `gzip`, `zstd` or `none`.
 * @example
 * ```ts
 * import { sniffCompression } from "./archive_file.ts";
 * console.assert(sniffCompression(new Uint8Array([0x1f, 0x8b, 8, 0])) === "gzip");
 * ```
 */
export function sniffCompression(head: Uint8Array): Sniffed {
  if (head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return "zstd";
  return "none";
}

/** An indexed, seekable archive. Call `close()` to remove its temp file, if any. */
export interface ArchiveFile {
  /** Name for messages. */
  readonly name: string;
  /** Path of the uncompressed tar. */
  readonly path: string;
  /** Members by normalised path (`/manifest.json`). */
  readonly members: ReadonlyMap<string, LayerEntry>;
  /** Read a whole member (small JSON files). */
  read(path: string): Promise<Uint8Array>;
  /** Remove the temp copy, if one was made. */
  close(): Promise<void>;
}

/**
 * Open an archive from a host file or a byte stream.
 *
 * @param source A host path, or bytes.
 * @param tmpDir Temp directory (the store's).
 * @param name Name for messages (`-` for stdin).
 * @param limits Inflation limits for gzip input (as for layers).
 * @returns The indexed archive.
 * @throws BadArchiveError for zstd, corrupt gzip, truncated or invalid tar.
 * @example
 * ```ts ignore
 * const archive = await openArchive("image.tar", store.tmpDir, "image.tar");
 * ```
 */
export async function openArchive(
  source: string | ByteSource,
  tmpDir: string,
  name: string,
  limits: LayerLimits = {},
): Promise<ArchiveFile> {
  const lim = { ...DEFAULT_LAYER_LIMITS, ...limits };
  let path: string;
  let temp: string | undefined;
  try {
    if (typeof source === "string") {
      const head = await readHead(source);
      const kind = sniffCompression(head);
      if (kind === "none") path = source;
      else {
        checkZstd(kind, name);
        temp = tempPath(tmpDir, "archive");
        path = temp;
        await spool(fileChunks(source), temp, name, lim);
      }
    } else {
      temp = tempPath(tmpDir, "archive");
      path = temp;
      await spool(chunksOf(source), temp, name, lim);
    }
    const size = (await Deno.stat(path)).size;
    const indexer = new TarIndexer(name, { totalSize: size });
    for await (const chunk of fileChunks(path)) indexer.push(chunk);
    const index = indexer.finish();
    const members = new Map(index.entries.map((e) => [e.path, e]));
    const p = path;
    const t = temp;
    return {
      name,
      path: p,
      members,
      async read(member: string): Promise<Uint8Array> {
        const e = resolveMember(members, member, name);
        const f = await Deno.open(p, { read: true });
        try {
          await f.seek(e.dataOffset, Deno.SeekMode.Start);
          const buf = new Uint8Array(e.size);
          let off = 0;
          while (off < e.size) {
            const n = await f.read(buf.subarray(off));
            if (n === null) break;
            off += n;
          }
          return buf;
        } finally {
          f.close();
        }
      },
      async close(): Promise<void> {
        if (t) await removeQuietly(t);
      },
    };
  } catch (e) {
    if (temp) await removeQuietly(temp);
    if (e instanceof BadLayerError) throw new BadArchiveError(name, e.problem);
    throw e;
  }
}

/**
 * Find a member, following symlinks inside the archive (old `docker save` links
 * duplicate layers) and hard links.
 *
 * @param members Members by path.
 * @param member Path (with or without leading `/` or `./`).
 * @param name Archive name for messages.
 * @returns The file entry.
 * @throws BadArchiveError when absent or not a file.
 * @example
 * ```ts ignore
 * const e = resolveMember(archive.members, "manifest.json", "a.tar");
 * ```
 */
export function resolveMember(
  members: ReadonlyMap<string, LayerEntry>,
  member: string,
  name: string,
): LayerEntry {
  let path = "/" + member.replace(/^(\.\/|\/)+/, "");
  for (let hops = 0; hops < 16; hops++) {
    const e = members.get(path);
    if (!e) throw new BadArchiveError(name, `missing member ${path.slice(1)}`);
    if (e.type === "file") return e;
    if ((e.type === "symlink" || e.type === "hardlink") && e.linkTarget) {
      const t = e.linkTarget;
      path = t.startsWith("/") ? t : joinRelative(path, t);
      continue;
    }
    throw new BadArchiveError(name, `member ${path.slice(1)} is not a file`);
  }
  throw new BadArchiveError(name, `too many links resolving ${member}`);
}

function joinRelative(from: string, target: string): string {
  const parts = from.split("/").slice(1, -1);
  for (const p of target.split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") parts.pop();
    else parts.push(p);
  }
  return "/" + parts.join("/");
}

function checkZstd(kind: Sniffed, name: string): void {
  if (kind === "zstd") {
    throw new BadArchiveError(
      name,
      "zstd-compressed archives are not supported; decompress it first (zstd -d) or use gzip",
    );
  }
}

async function readHead(path: string): Promise<Uint8Array> {
  let f: Deno.FsFile;
  try {
    f = await Deno.open(path, { read: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new ImageError(`Cannot open ${path}: no such file`);
    }
    throw e;
  }
  try {
    const buf = new Uint8Array(4);
    const n = (await f.read(buf)) ?? 0;
    return buf.subarray(0, n);
  } finally {
    f.close();
  }
}

/** Copy a stream to `dest`, inflating it when it starts with gzip magic. */
async function spool(
  chunks: AsyncIterable<Uint8Array>,
  dest: string,
  name: string,
  limits: Required<LayerLimits>,
): Promise<void> {
  const out = await Deno.open(dest, { write: true, createNew: true, mode: 0o600 });
  try {
    const it = chunks[Symbol.asyncIterator]();
    const first = await it.next();
    if (first.done) throw new BadArchiveError(name, "empty input");
    const kind = sniffCompression(first.value);
    checkZstd(kind, name);
    const rest: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => it,
    };
    if (kind === "none") {
      await writeAll(out, first.value);
      for await (const c of rest) await writeAll(out, c);
      return;
    }
    let compressed = 0;
    const head = first.value;
    const counted = async function* (): AsyncIterable<Uint8Array> {
      compressed += head.length;
      yield head;
      for await (const c of rest) {
        compressed += c.length;
        yield c;
      }
    };
    let inflated = 0;
    try {
      for await (const c of gunzipChunks(counted())) {
        inflated += c.length;
        if (inflated > limits.maxLayerSize) {
          throw new BadArchiveError(
            name,
            `inflates beyond the ${limits.maxLayerSize}-byte limit (gzip bomb?)`,
          );
        }
        if (inflated > limits.ratioFloor && inflated > limits.maxRatio * compressed) {
          throw new BadArchiveError(
            name,
            `inflates more than ${limits.maxRatio}x (${inflated} bytes from ${compressed}; gzip bomb?)`,
          );
        }
        await writeAll(out, c);
      }
    } catch (e) {
      if (isZlibError(e)) {
        throw new BadArchiveError(
          name,
          `corrupt gzip data after ${compressed} bytes (${(e as Error).message})`,
        );
      }
      throw e;
    }
  } finally {
    out.close();
  }
}
