/**
 * Folder-private file helpers of the store: atomic writes, temp names, quiet removal.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";

/** A unique temp file name inside `dir` (same file system as the final place). */
export function tempPath(dir: string, label: string): string {
  return join(dir, `.${label}-${Deno.pid}-${randomBytes(6).toString("hex")}.tmp`);
}

/**
 * Write a file atomically: temp file in the same directory, fsync, rename. With
 * `durable: false` the fsync is skipped (for files derivable from others: after a crash
 * the renamed file may be empty or short, and its reader must rebuild it).
 */
export async function atomicWriteFile(
  path: string,
  data: Uint8Array | string,
  mode = 0o644,
  durable = true,
): Promise<void> {
  const tmp = tempPath(dirname(path), "write");
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const f = await Deno.open(tmp, { write: true, createNew: true, mode });
  try {
    let off = 0;
    while (off < bytes.length) off += await f.write(bytes.subarray(off));
    if (durable) await f.sync();
  } catch (e) {
    f.close();
    await removeQuietly(tmp);
    throw e;
  }
  f.close();
  try {
    await Deno.rename(tmp, path);
  } catch (e) {
    await removeQuietly(tmp);
    throw e;
  }
}

/** Remove a path, ignoring "not found". */
export async function removeQuietly(path: string, recursive = false): Promise<void> {
  try {
    await Deno.remove(path, { recursive });
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}

/** Whether a path exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** Read a JSON file, or undefined when it does not exist. */
export async function readJsonFile(path: string): Promise<unknown> {
  try {
    return JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}
