/**
 * `openat(dir, O_TMPFILE | O_RDWR, mode)`: an unnamed regular file in the file system of
 * `dir`, as Linux's `O_TMPFILE`. `linkat(fd, "", …, AT_EMPTY_PATH)` or `linkat` through
 * `/proc/self/fd/N` with `AT_SYMLINK_FOLLOW` gives it a name (not when `O_EXCL` was
 * given); a file never named is freed, and its memory given back, when its last open file
 * closes. tmpfs and the overlay (its upper tree) support it; other file systems answer
 * `EOPNOTSUPP`.
 *
 * Flag rules as Linux's `build_open_flags`: `O_TMPFILE` is `__O_TMPFILE | O_DIRECTORY`;
 * either bit alone with the other missing, `O_CREAT` with it, or an access mode without
 * write gives `EINVAL`.
 *
 * @module
 */
import { Errno } from "../errno.ts";
import { O, O_TMPFILE } from "./api.ts";
import { OpenFile } from "../vfs/fd_table.ts";
import { checkAccess, MAY } from "../vfs/permission.ts";
import { ctxOf, type FileTask, regularHandle, resolveAt } from "../vfs/resolve.ts";
import { type Inode, isDir, type OpContext } from "../vfs/types.ts";

/** `__O_TMPFILE`: the bit that, with `O_DIRECTORY`, makes `O_TMPFILE`. */
export const O_TMPFILE_BIT = 0o20000000;

/** A directory whose file system can make unnamed files. */
interface TmpfileDir {
  tmpfile(mode: number, ctx: OpContext, linkable: boolean): Inode | Errno;
}

function canTmpfile(inode: Inode): inode is Inode & TmpfileDir {
  return typeof (inode as Partial<TmpfileDir>).tmpfile === "function";
}

/**
 * The `O_TMPFILE` branch of `openat` (the caller saw `__O_TMPFILE` in `flags`).
 *
 * @param task Caller.
 * @param dirfd Start directory or `AT_FDCWD`.
 * @param path The directory to make the file in.
 * @param flags `O_TMPFILE`, an access mode with write, maybe `O_EXCL O_CLOEXEC O_NOFOLLOW`.
 * @param mode Permission bits (umask applied).
 * @returns The lowest free fd, or `EINVAL`, `ENOTDIR`, `ENOENT`, `EACCES`, `EROFS`,
 *   `EOPNOTSUPP`, `ENOSPC`, `EMFILE`.
 * @example
 * ```ts ignore
 * const fd = openTmpfile(task, AT.FDCWD, "/tmp", O_TMPFILE | O.RDWR, 0o600);
 * ```
 */
export function openTmpfile(
  task: FileTask,
  dirfd: number,
  path: string,
  flags: number,
  mode: number,
): number | Errno {
  if ((flags & (O_TMPFILE | O.CREAT)) !== O_TMPFILE) return Errno.EINVAL;
  const acc = flags & O.ACCMODE;
  if (acc !== O.WRONLY && acc !== O.RDWR) return Errno.EINVAL;
  const r = resolveAt(task, dirfd, path, { follow: (flags & O.NOFOLLOW) === 0 });
  if (typeof r === "number") return r;
  const dir = r.loc;
  if (!dir) return Errno.ENOENT;
  const st = dir.inode.stat();
  if (!isDir(st.mode)) return Errno.ENOTDIR;
  const denied = checkAccess(st, task.cred, MAY.WRITE | MAY.EXEC);
  if (denied !== 0) return denied;
  if (dir.mount.readonly) return Errno.EROFS;
  if (!canTmpfile(dir.inode)) return Errno.EOPNOTSUPP;
  const node = dir.inode.tmpfile(
    mode & ~task.fs.umask & 0o7777,
    ctxOf(task),
    (flags & O.EXCL) === 0,
  );
  if (typeof node === "number") return node;
  const handle = regularHandle(node);
  // Shown as Linux shows it in /proc/PID/fd: "/tmp/#1234 (deleted)".
  const name = `#${node.stat().ino} (deleted)`;
  const shown = `${path.replace(/\/+$/, "") || "/"}/${name}`;
  const file = new OpenFile({ mount: dir.mount, inode: node }, shown, handle, flags);
  file.where = { dir, name };
  return task.fs.fds.install(file, (flags & O.CLOEXEC) !== 0);
}
