/**
 * Opening a host file whose directory may not exist yet: the directory is made (mode 0700)
 * on demand. Used for files the daemon keeps beside a container's state and creates only
 * when needed: tmpfs spill files and a container's json-file log.
 *
 * @module
 */

/**
 * Open a host file, making its directory (mode 0700, with its parents) first when it does
 * not exist. Only for a directory that should exist while the file is written: the caller
 * must not write after the directory's owner removed it, or the directory comes back.
 *
 * @param path The file.
 * @param opts How to open it.
 * @returns The open file.
 * @throws What `Deno.openSync` or `Deno.mkdirSync` throws (e.g. `ENOSPC`).
 * @example
 * ```ts
 * import { openMakingDir } from "./open_making_dir.ts";
 * const dir = Deno.makeTempDirSync();
 * const f = openMakingDir(`${dir}/a/b/log`, { append: true, create: true, mode: 0o640 });
 * f.close();
 * console.assert((Deno.statSync(`${dir}/a/b`).mode! & 0o777) === 0o700);
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export function openMakingDir(path: string, opts: Deno.OpenOptions): Deno.FsFile {
  try {
    return Deno.openSync(path, opts);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
    Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true, mode: 0o700 });
    return Deno.openSync(path, opts);
  }
}
