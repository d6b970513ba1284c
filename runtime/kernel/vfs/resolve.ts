/**
 * Glue between the system calls and the path walk: `dirfd` handling (`AT_FDCWD`,
 * `AT_EMPTY_PATH`), the {@link FileTask} type, and the regular-file and directory handles
 * the VFS builds itself.
 *
 * @module
 */
import { Errno } from "../errno.ts";
import { AT, type Stat } from "../syscalls/api.ts";
import type { Credentials, Task } from "../task.ts";
import type { FsState } from "./fs_state.ts";
import type { Loc } from "./mount.ts";
import { walk, type WalkOptions, type WalkResult } from "./path_walk.ts";
import { type FileHandle, type Inode, isDir, type OpContext } from "./types.ts";

/** A task whose `fs` is the VFS's {@link FsState}: what every file system call takes. */
export type FileTask = Task<FsState, unknown>;

/**
 * The operation context of a task.
 *
 * @param task Caller.
 * @returns Its credentials as an {@link OpContext}.
 */
export function ctxOf(task: FileTask): OpContext {
  return { cred: task.cred, task };
}

/**
 * Where a `*at` call's relative path starts.
 *
 * @param task Caller.
 * @param dirfd `AT_FDCWD` or an fd open on a directory.
 * @returns The place, `EBADF` or `ENOTDIR`.
 */
export function startOf(task: FileTask, dirfd: number): Loc | Errno {
  if (dirfd === AT.FDCWD) return task.fs.cwd;
  const f = task.fs.fds.get(dirfd);
  if (!f) return Errno.EBADF;
  if (!f.loc) return Errno.ENOTDIR;
  return f.loc;
}

/**
 * Resolve `path` for a `*at` call.
 *
 * @param task Caller.
 * @param dirfd Start directory fd or `AT_FDCWD`.
 * @param path Path; with `AT_EMPTY_PATH` in `flags` an empty path means `dirfd` itself.
 * @param opts Walk options.
 * @param flags `AT_*` flags (`AT_EMPTY_PATH` only is read here).
 * @param cred Credentials for search permission (default the task's; `faccessat` uses the
 *   real ids).
 * @returns The walk's result or an errno.
 */
export function resolveAt(
  task: FileTask,
  dirfd: number,
  path: string,
  opts: WalkOptions,
  flags = 0,
  cred: Credentials = task.cred,
): WalkResult | Errno {
  if (path === "" && (flags & AT.EMPTY_PATH) !== 0) {
    if (dirfd === AT.FDCWD) {
      return { parent: null, name: "", loc: task.fs.cwd, trailingSlash: false };
    }
    const f = task.fs.fds.get(dirfd);
    if (!f) return Errno.EBADF;
    if (!f.loc) return Errno.EBADF;
    return { parent: null, name: "", loc: f.loc, trailingSlash: false };
  }
  if (typeof path !== "string") return Errno.EFAULT;
  if (path === "" || path.charCodeAt(0) !== 47) {
    const start = startOf(task, dirfd);
    if (typeof start === "number") return start;
    return walk(task.fs.root, start, { cred, task }, path, opts);
  }
  return walk(task.fs.root, task.fs.cwd, { cred, task }, path, opts);
}

/**
 * The file an `*at` call names, with its `AT_SYMLINK_NOFOLLOW` and `AT_EMPTY_PATH` flags
 * (the caller checked which flags it accepts).
 *
 * @param task Caller.
 * @param dirfd Directory fd or `AT_FDCWD`.
 * @param path Path.
 * @param flags The call's `AT_*` flags.
 * @param cred Credentials for the walk (default the caller's).
 * @returns The file's place, or an errno.
 * @example
 * ```ts ignore
 * const loc = resolveFileAt(task, AT.FDCWD, "/etc/passwd", AT.SYMLINK_NOFOLLOW);
 * ```
 */
export function resolveFileAt(
  task: FileTask,
  dirfd: number,
  path: string,
  flags: number,
  cred: Credentials = task.cred,
): Loc | Errno {
  const r = resolveAt(
    task,
    dirfd,
    path,
    { follow: (flags & AT.SYMLINK_NOFOLLOW) === 0 },
    flags,
    cred,
  );
  return typeof r === "number" ? r : r.loc as Loc;
}

/**
 * The handle of a regular file whose inode has `readAt`/`writeAt` (tmpfs, overlay).
 *
 * @param inode The file.
 * @returns A seekable handle that keeps the inode's data alive while open.
 */
export function regularHandle(inode: Inode): FileHandle {
  inode.retain?.();
  return {
    stream: false,
    read: (buf, pos) => inode.readAt ? inode.readAt(buf, pos) : Errno.EINVAL,
    write: (buf, pos) => inode.writeAt ? inode.writeAt(buf, pos) : Errno.EINVAL,
    size: () => inode.stat().size,
    release: () => inode.release?.(),
  };
}

/**
 * The handle of a directory (reads fail with `EISDIR`; `getdents64` uses the inode).
 *
 * @returns The handle.
 */
export function dirHandle(): FileHandle {
  return {
    stream: false,
    read: () => Errno.EISDIR,
    write: () => Errno.EISDIR,
  };
}

/**
 * The handle of an `O_PATH` descriptor: no I/O at all.
 *
 * @returns The handle.
 */
export function pathHandle(): FileHandle {
  return { stream: false, read: () => Errno.EBADF, write: () => Errno.EBADF };
}

/**
 * Whether a stat is a directory.
 *
 * @param st A stat.
 * @returns True for `S_IFDIR`.
 */
export function statIsDir(st: Stat): boolean {
  return isDir(st.mode);
}
