/**
 * File system calls on paths: stat, mkdir, unlink, rename, link, symlink, readlink,
 * chmod, chown, utimes, access, chdir/getcwd/chroot, truncate, mknod, statfs, umask.
 * Each takes the calling {@link FileTask} first, then the arguments of `api.ts`.
 *
 * The order of checks follows Linux, so that each edge case gives Linux's errno
 * (the conformance table in `sys_file_conformance_test.ts` compares with the host).
 *
 * @module
 */
import { Errno } from "../errno.ts";
import { AT, S_IFBLK, S_IFCHR, S_IFIFO, S_IFMT, S_IFREG, S_IFSOCK } from "./api.ts";
import type { Stat, StatFs } from "./api.ts";
import type { Loc } from "../vfs/mount.ts";
import { checkAccess, checkSticky, MAY } from "../vfs/permission.ts";
import { isBeneath, pathOf } from "../vfs/path_walk.ts";
import type { WalkResult } from "../vfs/path_walk.ts";
import { ctxOf, type FileTask, resolveAt, resolveFileAt } from "../vfs/resolve.ts";
import { isDir, isLnk, isReg, type NodeKind } from "../vfs/types.ts";

export {
  faccessat,
  fchmod,
  fchmodat,
  fchown,
  fchownat,
  futimens,
  UTIME,
  utimensat,
} from "./sys_file_attr.ts";

export {
  fgetxattr,
  flistxattr,
  fremovexattr,
  fsetxattr,
  getxattr,
  lgetxattr,
  listxattr,
  llistxattr,
  lremovexattr,
  lsetxattr,
  removexattr,
  setxattr,
} from "./sys_file_xattr.ts";

/** `renameat2` flags. */
export const RENAME = { NOREPLACE: 1, EXCHANGE: 2, WHITEOUT: 4 } as const;

/** Check the parent of an entry to be created or removed: read-only mount, write+search. */
function checkDirWrite(task: FileTask, dir: Loc): 0 | Errno {
  if (dir.mount.readonly) return Errno.EROFS;
  return checkAccess(dir.inode.stat(), task.cred, MAY.WRITE | MAY.EXEC);
}

/** Whether something is mounted on `loc` or `loc` is a mount's root (EBUSY on removal). */
function isMountpoint(loc: Loc): boolean {
  return loc.inode === loc.mount.root || loc.mount.children.has(loc.inode);
}

/**
 * `newfstatat(2)`.
 *
 * @param task Caller.
 * @param dirfd Start directory or `AT_FDCWD`.
 * @param path Path.
 * @param flags `AT_SYMLINK_NOFOLLOW`, `AT_EMPTY_PATH`.
 * @returns The stat or an errno.
 */
export function fstatat(task: FileTask, dirfd: number, path: string, flags: number): Stat | Errno {
  if (flags & ~(AT.SYMLINK_NOFOLLOW | AT.EMPTY_PATH | 0x800)) return Errno.EINVAL;
  const loc = resolveFileAt(task, dirfd, path, flags);
  return typeof loc === "number" ? loc : loc.inode.stat();
}

/**
 * `statfs(2)`.
 *
 * @param task Caller.
 * @param path Any path on the file system.
 * @returns Its statistics or an errno.
 */
export function statfs(task: FileTask, path: string): StatFs | Errno {
  const r = resolveAt(task, AT.FDCWD, path, { follow: true });
  if (typeof r === "number") return r;
  return (r.loc as Loc).mount.fs.statfs();
}

function createNode(
  task: FileTask,
  dirfd: number,
  path: string,
  kind: NodeKind,
  mode: number,
  extra?: { target?: string; rdev?: number },
): 0 | Errno {
  const r = resolveAt(task, dirfd, path, { follow: false, parent: true });
  if (typeof r === "number") return r;
  if (r.loc) return Errno.EEXIST;
  const parent = r.parent as Loc;
  if (r.trailingSlash && kind !== "dir") return Errno.ENOENT;
  const bad = checkDirWrite(task, parent);
  if (bad < 0) return bad;
  if (!parent.inode.create) return Errno.EPERM;
  const n = parent.inode.create(r.name, kind, mode, ctxOf(task), extra);
  return typeof n === "number" ? n : 0;
}

/**
 * `mkdirat(2)`.
 *
 * @param task Caller.
 * @param dirfd Start directory.
 * @param path New directory.
 * @param mode Permission bits (umask applied).
 * @returns 0 or an errno.
 */
export function mkdirat(task: FileTask, dirfd: number, path: string, mode: number): 0 | Errno {
  return createNode(task, dirfd, path, "dir", mode & ~task.fs.umask & 0o7777);
}

/**
 * `symlinkat(2)`.
 *
 * @param task Caller.
 * @param target Content of the link (not resolved now).
 * @param newdirfd Start directory.
 * @param linkpath The new link.
 * @returns 0 or an errno.
 */
export function symlinkat(
  task: FileTask,
  target: string,
  newdirfd: number,
  linkpath: string,
): 0 | Errno {
  if (target.length === 0) return Errno.ENOENT;
  if (target.includes("\0")) return Errno.EINVAL;
  if (target.length >= 4096) return Errno.ENAMETOOLONG;
  return createNode(task, newdirfd, linkpath, "symlink", 0o777, { target });
}

/**
 * `mknodat(2)`: FIFOs, regular files, sockets; device nodes for root only.
 *
 * @param task Caller.
 * @param dirfd Start directory.
 * @param path New node.
 * @param mode Type and permission bits.
 * @param dev Device number for char/block nodes.
 * @returns 0 or an errno.
 */
export function mknodat(
  task: FileTask,
  dirfd: number,
  path: string,
  mode: number,
  dev: number,
): 0 | Errno {
  const perm = mode & ~task.fs.umask & 0o7777;
  switch (mode & S_IFMT) {
    case 0:
    case S_IFREG:
      return createNode(task, dirfd, path, "file", perm);
    case S_IFIFO:
      return createNode(task, dirfd, path, "fifo", perm);
    case S_IFSOCK:
      return createNode(task, dirfd, path, "socket", perm);
    case S_IFCHR:
    case S_IFBLK:
      if (task.cred.euid !== 0) return Errno.EPERM;
      return createNode(
        task,
        dirfd,
        path,
        (mode & S_IFMT) === S_IFCHR ? "char" : "block",
        perm,
        { rdev: dev },
      );
    default:
      return Errno.EINVAL;
  }
}

/**
 * `unlinkat(2)`.
 *
 * @param task Caller.
 * @param dirfd Start directory.
 * @param path Entry to remove.
 * @param flags `AT_REMOVEDIR` to remove an empty directory.
 * @returns 0 or an errno.
 */
export function unlinkat(task: FileTask, dirfd: number, path: string, flags: number): 0 | Errno {
  if (flags & ~AT.REMOVEDIR) return Errno.EINVAL;
  const rmdir = (flags & AT.REMOVEDIR) !== 0;
  const r = resolveAt(task, dirfd, path, { follow: false, parent: true });
  if (typeof r === "number") return r;
  if (rmdir) {
    if (r.name === ".") return Errno.EINVAL;
    if (r.name === "..") return Errno.ENOTEMPTY;
    if (r.name === "") return Errno.EBUSY;
  } else if (r.name === "." || r.name === ".." || r.name === "") {
    return Errno.EISDIR;
  }
  if (!r.loc) return Errno.ENOENT;
  const parent = r.parent as Loc;
  const st = r.loc.inode.stat();
  if (rmdir) {
    if (!isDir(st.mode)) return Errno.ENOTDIR;
  } else {
    if (isDir(st.mode)) return Errno.EISDIR;
    if (r.trailingSlash) return Errno.ENOTDIR;
  }
  const bad = checkDirWrite(task, parent);
  if (bad < 0) return bad;
  const sticky = checkSticky(parent.inode.stat(), st, task.cred);
  if (sticky < 0) return sticky;
  if (rmdir && isMountpoint(r.loc)) return Errno.EBUSY;
  if (!parent.inode.unlink) return Errno.EPERM;
  return parent.inode.unlink(r.name, rmdir, ctxOf(task));
}

/**
 * `renameat2(2)` with `RENAME_NOREPLACE` and `RENAME_EXCHANGE`.
 *
 * @param task Caller.
 * @param olddirfd Start directory of `oldpath`.
 * @param oldpath Entry to move.
 * @param newdirfd Start directory of `newpath`.
 * @param newpath Destination.
 * @param flags `RENAME_*`.
 * @returns 0 or an errno (`EXDEV` across mounts).
 */
export function renameat2(
  task: FileTask,
  olddirfd: number,
  oldpath: string,
  newdirfd: number,
  newpath: string,
  flags: number,
): 0 | Errno {
  if (flags & ~(RENAME.NOREPLACE | RENAME.EXCHANGE)) return Errno.EINVAL;
  if ((flags & RENAME.NOREPLACE) && (flags & RENAME.EXCHANGE)) return Errno.EINVAL;
  const o = resolveAt(task, olddirfd, oldpath, { follow: false, parent: true });
  if (typeof o === "number") return o;
  const n = resolveAt(task, newdirfd, newpath, { follow: false, parent: true });
  if (typeof n === "number") return n;
  if (!o.loc) return Errno.ENOENT;
  if (!isNormal(o) || !isNormal(n)) return Errno.EBUSY;
  const op = o.parent as Loc;
  const np = n.parent as Loc;
  if (op.mount !== np.mount) return Errno.EXDEV;
  const ost = o.loc.inode.stat();
  const oDir = isDir(ost.mode);
  if (!oDir && o.trailingSlash) return Errno.ENOTDIR;
  if (flags & RENAME.EXCHANGE) {
    if (!n.loc) return Errno.ENOENT;
  } else if (n.loc && (flags & RENAME.NOREPLACE)) {
    return Errno.EEXIST;
  }
  if (n.loc) {
    const nst = n.loc.inode.stat();
    if (!(flags & RENAME.EXCHANGE)) {
      if (oDir && !isDir(nst.mode)) return Errno.ENOTDIR;
      if (!oDir && isDir(nst.mode)) return Errno.EISDIR;
    }
    // Two names of one file (overlay nodes are per name: compare the inode numbers).
    if (n.loc.inode === o.loc.inode || (nst.ino === ost.ino && nst.dev === ost.dev)) return 0;
  } else if (!oDir && n.trailingSlash) {
    return Errno.ENOTDIR;
  }
  let bad = checkDirWrite(task, op);
  if (bad < 0) return bad;
  bad = checkDirWrite(task, np);
  if (bad < 0) return bad;
  bad = checkSticky(op.inode.stat(), ost, task.cred);
  if (bad < 0) return bad;
  if (n.loc) {
    bad = checkSticky(np.inode.stat(), n.loc.inode.stat(), task.cred);
    if (bad < 0) return bad;
  }
  // A directory cannot move beneath itself.
  if (oDir && isBeneath(np, o.loc)) return Errno.EINVAL;
  if (
    n.loc && (flags & RENAME.EXCHANGE) && isDir(n.loc.inode.stat().mode) && isBeneath(op, n.loc)
  ) {
    return Errno.EINVAL;
  }
  if (isMountpoint(o.loc) || (n.loc && isMountpoint(n.loc))) return Errno.EBUSY;
  if (op.inode.fs !== np.inode.fs) return Errno.EXDEV;
  if (!op.inode.rename) return Errno.EPERM;
  return op.inode.rename(o.name, np.inode, n.name, flags, ctxOf(task));
}

function isNormal(r: WalkResult): boolean {
  return r.parent !== null && r.name !== "." && r.name !== ".." && r.name !== "";
}

/**
 * `linkat(2)`.
 *
 * @param task Caller.
 * @param olddirfd Start directory of `oldpath`.
 * @param oldpath Existing file (not a directory: `EPERM`).
 * @param newdirfd Start directory of `newpath`.
 * @param newpath New name.
 * @param flags `AT_SYMLINK_FOLLOW`, `AT_EMPTY_PATH`.
 * @returns 0 or an errno.
 */
export function linkat(
  task: FileTask,
  olddirfd: number,
  oldpath: string,
  newdirfd: number,
  newpath: string,
  flags: number,
): 0 | Errno {
  if (flags & ~(AT.SYMLINK_FOLLOW | AT.EMPTY_PATH)) return Errno.EINVAL;
  const o = resolveAt(
    task,
    olddirfd,
    oldpath,
    { follow: (flags & AT.SYMLINK_FOLLOW) !== 0 },
    flags,
  );
  if (typeof o === "number") return o;
  const src = o.loc as Loc;
  const n = resolveAt(task, newdirfd, newpath, { follow: false, parent: true });
  if (typeof n === "number") return n;
  if (n.loc) return Errno.EEXIST;
  const np = n.parent as Loc;
  if (n.trailingSlash) return Errno.ENOENT;
  const sst = src.inode.stat();
  if (isDir(sst.mode)) return Errno.EPERM;
  if (np.mount !== src.mount) return Errno.EXDEV;
  // fs.protected_hardlinks=1 (the default): only the owner, or someone who may read and
  // write a regular file, links it.
  if (
    task.cred.euid !== 0 && task.cred.euid !== sst.uid &&
    (!isReg(sst.mode) || (sst.mode & 0o6000) !== 0 ||
      checkAccess(sst, task.cred, MAY.READ | MAY.WRITE) !== 0)
  ) {
    return Errno.EPERM;
  }
  const bad = checkDirWrite(task, np);
  if (bad < 0) return bad;
  if (!np.inode.link) return Errno.EPERM;
  return np.inode.link(n.name, src.inode, ctxOf(task));
}

/**
 * `readlinkat(2)`.
 *
 * @param task Caller.
 * @param dirfd Start directory.
 * @param path A symlink.
 * @returns Its target, or `EINVAL` when not a symlink.
 */
export function readlinkat(task: FileTask, dirfd: number, path: string): string | Errno {
  const r = resolveAt(task, dirfd, path, { follow: false }, AT.EMPTY_PATH);
  if (typeof r === "number") return r;
  const inode = (r.loc as Loc).inode;
  if (!isLnk(inode.stat().mode) || !inode.readlink) return Errno.EINVAL;
  return inode.readlink(ctxOf(task));
}

/**
 * `chdir(2)`.
 *
 * @param task Caller.
 * @param path A directory.
 * @returns 0 or `ENOTDIR EACCES ENOENT …`.
 */
export function chdir(task: FileTask, path: string): 0 | Errno {
  const r = resolveAt(task, AT.FDCWD, path, { follow: true });
  if (typeof r === "number") return r;
  return chdirLoc(task, r.loc as Loc);
}

function chdirLoc(task: FileTask, loc: Loc): 0 | Errno {
  const st = loc.inode.stat();
  if (!isDir(st.mode)) return Errno.ENOTDIR;
  const bad = checkAccess(st, task.cred, MAY.EXEC);
  if (bad < 0) return bad;
  task.fs.cwd = loc;
  return 0;
}

/**
 * `fchdir(2)`.
 *
 * @param task Caller.
 * @param fd Descriptor open on a directory.
 * @returns 0 or an errno.
 */
export function fchdir(task: FileTask, fd: number): 0 | Errno {
  const f = task.fs.fds.get(fd);
  if (!f) return Errno.EBADF;
  if (!f.loc) return Errno.ENOTDIR;
  return chdirLoc(task, f.loc);
}

/**
 * `getcwd(3)`.
 *
 * @param task Caller.
 * @returns The cwd as seen from the process root ("(unreachable)/…" when outside it).
 */
export function getcwd(task: FileTask): string | Errno {
  return pathOf(task.fs.cwd, task.fs.root);
}

/**
 * `chroot(2)` (root only). Like Linux, the cwd is not changed.
 *
 * @param task Caller.
 * @param path New root directory.
 * @returns 0 or `EPERM ENOTDIR …`.
 */
export function chroot(task: FileTask, path: string): 0 | Errno {
  const r = resolveAt(task, AT.FDCWD, path, { follow: true });
  if (typeof r === "number") return r;
  const loc = r.loc as Loc;
  const st = loc.inode.stat();
  if (!isDir(st.mode)) return Errno.ENOTDIR;
  const bad = checkAccess(st, task.cred, MAY.EXEC);
  if (bad < 0) return bad;
  if (task.cred.euid !== 0) return Errno.EPERM;
  task.fs.root = loc;
  return 0;
}

/**
 * `truncate(2)`.
 *
 * @param task Caller.
 * @param path A regular file.
 * @param length New size.
 * @returns 0 or an errno.
 */
export function truncate(task: FileTask, path: string, length: number): 0 | Errno {
  if (!(length >= 0)) return Errno.EINVAL;
  const r = resolveAt(task, AT.FDCWD, path, { follow: true });
  if (typeof r === "number") return r;
  const loc = r.loc as Loc;
  const st = loc.inode.stat();
  if (isDir(st.mode)) return Errno.EISDIR;
  if (!isReg(st.mode)) return Errno.EINVAL;
  const bad = checkAccess(st, task.cred, MAY.WRITE);
  if (bad < 0) return bad;
  if (loc.mount.readonly) return Errno.EROFS;
  return loc.inode.setattr({ size: length }, ctxOf(task));
}

/**
 * `umask(2)`.
 *
 * @param task Caller.
 * @param mask New mask.
 * @returns The old mask.
 */
export function umask(task: FileTask, mask: number): number {
  const old = task.fs.umask;
  task.fs.umask = mask & 0o777;
  return old;
}
