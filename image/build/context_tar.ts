/**
 * A build context that arrives as a tar (`berth build - < ctx.tar`, or the body of the
 * Engine API's `POST /build`): extracted into a directory, confined to it. Entries
 * with `..` or absolute link targets that would leave the directory are refused;
 * symlinks are written as symlinks and later resolved inside the context only.
 *
 * @module
 */
import { createTarDecoder } from "modern-tar";
import { cleanInRoot } from "./source_tree.ts";

/** A context tar that cannot be extracted safely. */
export class ContextTarError extends Error {
  /**
   * Make the error.
   *
   * @param message What is wrong.
   */
  constructor(message: string) {
    super(message);
    this.name = "ContextTarError";
  }
}

/**
 * Create (or with `create` false, only check) the directories of `rel` under `dir`,
 * refusing to pass through a symlink.
 */
async function mkdirsNoFollow(
  dir: string,
  rel: string,
  name: string,
  create = true,
): Promise<void> {
  let p = dir;
  for (const part of rel.split("/").filter((x) => x !== "")) {
    p += "/" + part;
    const st = await Deno.lstat(p).catch(() => undefined);
    if (!st && create) {
      await Deno.mkdir(p);
      continue;
    }
    if (!st) throw new ContextTarError(`Context tar entry "${name}" names a missing directory`);
    if (st.isSymlink || !st.isDirectory) {
      throw new ContextTarError(
        `Context tar entry "${name}" goes through "${
          p.slice(dir.length + 1)
        }", which is not a directory`,
      );
    }
  }
}

/**
 * Extract a context tar (optionally gzip-compressed) into an empty directory.
 *
 * @param source The tar bytes.
 * @param dir The directory (created if missing).
 * @param options `maxBytes`: refuse contexts larger than this (default 8 GiB).
 * @returns Number of entries written.
 * @throws {ContextTarError} for entries that escape `dir`, and for oversize contexts.
 * @example
 * ```ts ignore
 * const dir = await Deno.makeTempDir();
 * await extractContextTar(request.body, dir);
 * await build({ store, contextDir: dir, runner });
 * ```
 */
export async function extractContextTar(
  source: ReadableStream<Uint8Array> | Uint8Array,
  dir: string,
  options: { maxBytes?: number } = {},
): Promise<number> {
  const max = options.maxBytes ?? 8 * 2 ** 30;
  await Deno.mkdir(dir, { recursive: true });
  let stream = source instanceof Uint8Array ? new Blob([source as BlobPart]).stream() : source;
  // Sniff gzip from the first chunk.
  const reader = stream.getReader();
  const first = await reader.read();
  const head = first.value ?? new Uint8Array();
  const rest = new ReadableStream<Uint8Array>({
    start(c) {
      if (head.length > 0) c.enqueue(head);
    },
    async pull(c) {
      const r = await reader.read();
      if (r.done) c.close();
      else c.enqueue(r.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  stream = head[0] === 0x1f && head[1] === 0x8b
    ? rest.pipeThrough(
      new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
    )
    : rest;
  let count = 0;
  let total = 0;
  const dirs: [string, number][] = [];
  // A context sent without a root entry is a directory as `docker build` sees one (0755),
  // not the daemon's private temp directory (0700), which `COPY . /dest/` would copy.
  let rootMode = 0o755;
  for await (const entry of stream.pipeThrough(createTarDecoder())) {
    const h = entry.header;
    const rel = cleanInRoot(h.name);
    if (h.name.split("/").includes("..")) {
      await entry.body.cancel();
      throw new ContextTarError(`Context tar entry "${h.name}" points outside the context`);
    }
    if (rel === "/") {
      // The context root's own entry ("./"): its mode is what `COPY . /dest/` gives dest.
      if (h.type === "directory") rootMode = (h.mode ?? 0o755) & 0o7777;
      await entry.body.cancel();
      continue;
    }
    const path = dir + rel;
    // Never write through a symlink an earlier entry made (`link -> /` then `link/x`).
    await mkdirsNoFollow(dir, rel.slice(0, rel.lastIndexOf("/")), h.name);
    const existing = await Deno.lstat(path).catch(() => undefined);
    if (existing?.isSymlink || (existing?.isFile && h.type !== "directory")) {
      await Deno.remove(path);
    } else if (existing?.isDirectory && h.type !== "directory") {
      await entry.body.cancel();
      throw new ContextTarError(`Context tar entry "${h.name}" replaces a directory`);
    }
    const mode = (h.mode ?? 0o644) & 0o7777;
    if (h.type === "directory") {
      if (!existing?.isDirectory) await Deno.mkdir(path);
      dirs.push([path, mode]);
      await entry.body.cancel();
    } else if (h.type === "symlink") {
      await entry.body.cancel();
      await Deno.symlink(h.linkname ?? "", path);
    } else if (h.type === "link") {
      await entry.body.cancel();
      const target = cleanInRoot(h.linkname ?? "");
      if ((h.linkname ?? "").split("/").includes("..")) {
        throw new ContextTarError(`Context tar hard link "${h.name}" points outside the context`);
      }
      await mkdirsNoFollow(dir, target.slice(0, target.lastIndexOf("/")), h.name, false);
      const source = await Deno.lstat(dir + target).catch(() => undefined);
      if (!source?.isFile) {
        throw new ContextTarError(
          `Context tar hard link "${h.name}" must point to a file of the context`,
        );
      }
      await Deno.link(dir + target, path);
    } else if (h.type === "file" || h.type === undefined) {
      total += h.size;
      if (total > max) {
        await entry.body.cancel();
        throw new ContextTarError(`Build context is larger than ${max} bytes`);
      }
      const f = await Deno.open(path, { write: true, create: true, truncate: true, mode });
      await entry.body.pipeTo(f.writable);
      await Deno.chmod(path, mode);
      if (h.mtime) await Deno.utime(path, h.mtime, h.mtime);
    } else {
      await entry.body.cancel(); // devices and fifos have no place in a context
      continue;
    }
    count++;
  }
  for (const [path, mode] of dirs.reverse()) await Deno.chmod(path, mode | 0o700);
  await Deno.chmod(dir, rootMode | 0o700);
  return count;
}
