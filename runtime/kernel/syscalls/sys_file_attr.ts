/**
 * File system calls that change or check attributes: chmod, chown, utimes, access.
 * Each takes the calling {@link FileTask} first, then the arguments of `api.ts`
 * (re-exported by `sys_file_meta.ts`).
 *
 * @module
 */
import { Errno } from "../errno.ts";
import { AT } from "./api.ts";
import type { Timespec } from "./api.ts";
import type { Loc } from "../vfs/mount.ts";
import { checkAccess, checkOwner, inGroup, MAY } from "../vfs/permission.ts";
import { ctxOf, type FileTask, resolveAt, resolveFileAt } from "../vfs/resolve.ts";
import { isDir, isLnk, isReg } from "../vfs/types.ts";

/** `utimensat` special nanosecond values. */
export const UTIME = { NOW: 0x3fffffff, OMIT: 0x3ffffffe } as const;

function chmodLoc(task: FileTask, loc: Loc, mode: number): 0 | Errno {
  const st = loc.inode.stat();
  const bad = checkOwner(st, task.cred);
  if (bad < 0) return bad;
  if (loc.mount.readonly) return Errno.EROFS;
  let m = mode & 0o7777;
  if (task.cred.euid !== 0 && !isDir(st.mode) && !inGroup(task.cred, st.gid)) m &= ~0o2000;
  return loc.inode.setattr({ mode: m }, ctxOf(task));
}

/**
 * `fchmodat(2)`.
 *
 * @param task Caller.
 * @param dirfd Start directory.
 * @param path File.
 * @param mode New permission bits.
 * @param flags `AT_SYMLINK_NOFOLLOW` (`EOPNOTSUPP` on a symlink, as Linux).
 * @returns 0 or `EPERM EROFS …`.
 */
export function fchmodat(
  task: FileTask,
  dirfd: number,
  path: string,
  mode: number,
  flags: number,
): 0 | Errno {
  if (flags & ~AT.SYMLINK_NOFOLLOW) return Errno.EINVAL;
  const r = resolveAt(task, dirfd, path, { follow: (flags & AT.SYMLINK_NOFOLLOW) === 0 });
  if (typeof r === "number") return r;
  const loc = r.loc as Loc;
  if (isLnk(loc.inode.stat().mode)) return Errno.EOPNOTSUPP;
  return chmodLoc(task, loc, mode);
}

/**
 * `fchmod(2)`.
 *
 * @param task Caller.
 * @param fd Descriptor.
 * @param mode New permission bits.
 * @returns 0 or an errno.
 */
export function fchmod(task: FileTask, fd: number, mode: number): 0 | Errno {
  const f = task.fs.fds.get(fd);
  if (!f) return Errno.EBADF;
  if (!f.loc) return Errno.EINVAL;
  return chmodLoc(task, f.loc, mode);
}

function chownLoc(task: FileTask, loc: Loc, uid: number, gid: number): 0 | Errno {
  const st = loc.inode.stat();
  const cred = task.cred;
  const newUid = uid === -1 ? st.uid : uid;
  const newGid = gid === -1 ? st.gid : gid;
  if (cred.euid !== 0) {
    if (newUid !== st.uid) return Errno.EPERM;
    if (newGid !== st.gid && (cred.euid !== st.uid || !inGroup(cred, newGid))) return Errno.EPERM;
    if (cred.euid !== st.uid && (newUid !== st.uid || newGid !== st.gid)) return Errno.EPERM;
  }
  if (loc.mount.readonly) return Errno.EROFS;
  const change: { uid: number; gid: number; mode?: number } = { uid: newUid, gid: newGid };
  if (isReg(st.mode) && (st.mode & 0o6000) && (uid !== -1 || gid !== -1)) {
    change.mode = st.mode & 0o7777 & ~0o4000 & ~((st.mode & 0o10) ? 0o2000 : 0);
  }
  return loc.inode.setattr(change, ctxOf(task));
}

/**
 * `fchownat(2)`: root may give files away; an owner may change the group to one of its own.
 *
 * @param task Caller.
 * @param dirfd Start directory.
 * @param path File.
 * @param uid New owner or -1.
 * @param gid New group or -1.
 * @param flags `AT_SYMLINK_NOFOLLOW`, `AT_EMPTY_PATH`.
 * @returns 0 or an errno.
 */
export function fchownat(
  task: FileTask,
  dirfd: number,
  path: string,
  uid: number,
  gid: number,
  flags: number,
): 0 | Errno {
  if (flags & ~(AT.SYMLINK_NOFOLLOW | AT.EMPTY_PATH)) return Errno.EINVAL;
  const loc = resolveFileAt(task, dirfd, path, flags);
  return typeof loc === "number" ? loc : chownLoc(task, loc, uid, gid);
}

/**
 * `fchown(2)`.
 *
 * @param task Caller.
 * @param fd Descriptor.
 * @param uid New owner or -1.
 * @param gid New group or -1.
 * @returns 0 or an errno.
 */
export function fchown(task: FileTask, fd: number, uid: number, gid: number): 0 | Errno {
  const f = task.fs.fds.get(fd);
  if (!f) return Errno.EBADF;
  if (!f.loc) return Errno.EINVAL;
  return chownLoc(task, f.loc, uid, gid);
}

function toMs(t: Timespec | null, now: number): number | undefined | null {
  if (t === null || t.nsec === UTIME.NOW) return now;
  if (t.nsec === UTIME.OMIT) return undefined;
  if (t.nsec < 0 || t.nsec > 999_999_999) return null;
  return t.sec * 1000 + t.nsec / 1e6;
}

function utimesLoc(
  task: FileTask,
  loc: Loc,
  atime: Timespec | null,
  mtime: Timespec | null,
): 0 | Errno {
  const now = Date.now();
  const a = toMs(atime, now);
  const m = toMs(mtime, now);
  if (a === null || m === null) return Errno.EINVAL;
  const st = loc.inode.stat();
  const explicit = (t: Timespec | null) =>
    t !== null && t.nsec !== UTIME.NOW && t.nsec !== UTIME.OMIT;
  if (explicit(atime) || explicit(mtime)) {
    const bad = checkOwner(st, task.cred);
    if (bad < 0) return bad;
  } else if (checkOwner(st, task.cred) < 0 && checkAccess(st, task.cred, MAY.WRITE) < 0) {
    return Errno.EACCES;
  }
  if (loc.mount.readonly) return Errno.EROFS;
  return loc.inode.setattr({ atimeMs: a, mtimeMs: m }, ctxOf(task));
}

/**
 * `utimensat(2)`.
 *
 * @param task Caller.
 * @param dirfd Start directory.
 * @param path File.
 * @param atime Access time, `null` = now, nsec `UTIME_OMIT` keeps.
 * @param mtime Modification time, same encoding.
 * @param flags `AT_SYMLINK_NOFOLLOW`, `AT_EMPTY_PATH`.
 * @returns 0 or an errno.
 */
export function utimensat(
  task: FileTask,
  dirfd: number,
  path: string,
  atime: Timespec | null,
  mtime: Timespec | null,
  flags: number,
): 0 | Errno {
  if (flags & ~(AT.SYMLINK_NOFOLLOW | AT.EMPTY_PATH)) return Errno.EINVAL;
  const loc = resolveFileAt(task, dirfd, path, flags);
  return typeof loc === "number" ? loc : utimesLoc(task, loc, atime, mtime);
}

/**
 * `futimens(3)`.
 *
 * @param task Caller.
 * @param fd Descriptor.
 * @param atime Access time.
 * @param mtime Modification time.
 * @returns 0 or an errno.
 */
export function futimens(
  task: FileTask,
  fd: number,
  atime: Timespec | null,
  mtime: Timespec | null,
): 0 | Errno {
  const f = task.fs.fds.get(fd);
  if (!f) return Errno.EBADF;
  if (!f.loc) return Errno.EINVAL;
  return utimesLoc(task, f.loc, atime, mtime);
}

/**
 * `faccessat2(2)`: checks with the real uid/gid unless `AT_EACCESS`.
 *
 * @param task Caller.
 * @param dirfd Start directory.
 * @param path File.
 * @param mode `F_OK` 0 or `R_OK|W_OK|X_OK`.
 * @param flags `AT_EACCESS`, `AT_SYMLINK_NOFOLLOW`.
 * @returns 0 or `EACCES EROFS ENOENT …`.
 */
export function faccessat(
  task: FileTask,
  dirfd: number,
  path: string,
  mode: number,
  flags: number,
): 0 | Errno {
  if (mode & ~7) return Errno.EINVAL;
  if (flags & ~(AT.EACCESS | AT.SYMLINK_NOFOLLOW | AT.EMPTY_PATH)) return Errno.EINVAL;
  const c = task.cred;
  const cred = (flags & AT.EACCESS) ? c : { ...c, euid: c.uid, egid: c.gid };
  const loc = resolveFileAt(task, dirfd, path, flags, cred);
  if (typeof loc === "number") return loc;
  const st = loc.inode.stat();
  if ((mode & 2) && loc.mount.readonly && (isReg(st.mode) || isDir(st.mode))) return Errno.EROFS;
  return checkAccess(st, cred, mode);
}
