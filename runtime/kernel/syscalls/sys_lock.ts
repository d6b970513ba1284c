/**
 * Advisory file locks: `flock(2)` and `fcntl(F_GETLK F_SETLK F_SETLKW)`, over the lock
 * table of `vfs/file_lock.ts`. Each function is the call of the same name in `api.ts`,
 * taking the calling task first.
 *
 * Differences from Linux: no mandatory locks, no lease (`F_SETLEASE`) and no open file
 * description locks (`F_OFD_*`); `F_GETLK` reports the owner's pid as it saw itself.
 *
 * @module
 */
import { Errno } from "../errno.ts";
import { F_LOCK, type FlockRecord, type MaybeAsync, O } from "./api.ts";
import {
  flockFile,
  lockKeyOf,
  type LockTarget,
  type RangeRequest,
  setPosix,
  testPosix,
} from "../vfs/file_lock.ts";
import type { OpenFile } from "../vfs/fd_table.ts";
import type { FileTask } from "../vfs/resolve.ts";

function targetOf(task: FileTask, f: OpenFile): LockTarget {
  const inode = f.loc?.inode;
  return {
    key: lockKeyOf(f),
    dev: inode ? inode.fs.dev : 0,
    ino: inode ? inode.ino : 0,
    task,
  };
}

/**
 * `flock(2)`.
 *
 * @param task Caller.
 * @param fd Descriptor (any access mode, as on Linux; not `O_PATH`).
 * @param operation `LOCK_SH` 1 | `LOCK_EX` 2 | `LOCK_UN` 8, or'ed with `LOCK_NB` 4.
 * @returns 0, or `EBADF EINVAL EAGAIN EINTR`.
 * @example
 * ```ts ignore
 * await flock(task, fd, LOCK.EX);
 * ```
 */
export function flock(task: FileTask, fd: number, operation: number): MaybeAsync<0 | Errno> {
  const f = task.fs.fds.get(fd);
  if (!f || (f.flags & O.PATH) !== 0) return Errno.EBADF;
  const t = targetOf(task, f);
  const r = flockFile(t, f, operation);
  const note = (r: 0 | Errno): 0 | Errno => {
    if (r === 0) f.flockKey = (operation & ~4) === 8 ? null : t.key;
    return r;
  };
  return r instanceof Promise ? r.then(note) : note(r);
}

/** The byte range of a `struct flock`, or `EINVAL`. */
function rangeOf(f: OpenFile, lock: FlockRecord): RangeRequest | Errno {
  if (lock.type !== F_LOCK.RDLCK && lock.type !== F_LOCK.WRLCK && lock.type !== F_LOCK.UNLCK) {
    return Errno.EINVAL;
  }
  let base: number;
  if (lock.whence === 0) base = 0;
  else if (lock.whence === 1) base = f.offset;
  else if (lock.whence === 2) base = f.loc ? f.loc.inode.stat().size : f.handle.size?.() ?? 0;
  else return Errno.EINVAL;
  if (!Number.isInteger(lock.start) || !Number.isInteger(lock.len)) return Errno.EINVAL;
  let start = base + lock.start;
  let end = lock.len === 0 ? Infinity : start + lock.len;
  if (lock.len < 0) {
    end = start;
    start = start + lock.len;
  }
  if (start < 0) return Errno.EINVAL;
  return { type: lock.type, start, end };
}

/**
 * `fcntl(fd, F_GETLK | F_SETLK | F_SETLKW, &lock)`.
 *
 * @param task Caller.
 * @param fd Descriptor: open for reading to take a read lock, for writing a write lock.
 * @param cmd `F_GETLK` 5, `F_SETLK` 6, `F_SETLKW` 7.
 * @param lock The request.
 * @returns `F_GETLK`: the conflicting lock (`whence` 0) or the request with `type` `F_UNLCK`;
 * otherwise 0, or `EBADF EINVAL EAGAIN EDEADLK EINTR`.
 * @example
 * ```ts ignore
 * fcntl_lock(task, fd, F_LOCK.SETLK, { type: F_LOCK.WRLCK, whence: 0, start: 0, len: 0, pid: 0 });
 * ```
 */
export function fcntl_lock(
  task: FileTask,
  fd: number,
  cmd: number,
  lock: FlockRecord,
): MaybeAsync<FlockRecord | 0 | Errno> {
  const f = task.fs.fds.get(fd);
  if (!f || (f.flags & O.PATH) !== 0) return Errno.EBADF;
  if (cmd !== F_LOCK.GETLK && cmd !== F_LOCK.SETLK && cmd !== F_LOCK.SETLKW) return Errno.EINVAL;
  if (typeof lock !== "object" || lock === null) return Errno.EFAULT;
  const req = rangeOf(f, lock);
  if (typeof req === "number") return req;
  const t = targetOf(task, f);
  const owner = task.fs.fds;
  if (cmd === F_LOCK.GETLK) {
    if (req.type === F_LOCK.UNLCK) return Errno.EINVAL;
    const c = testPosix(t, owner, req);
    if (!c) return { ...lock, type: F_LOCK.UNLCK };
    return {
      type: c.exclusive ? F_LOCK.WRLCK : F_LOCK.RDLCK,
      whence: 0,
      start: c.start,
      len: c.end === Infinity ? 0 : c.end - c.start,
      pid: c.pid,
    };
  }
  if (req.type === F_LOCK.RDLCK && !f.readable) return Errno.EBADF;
  if (req.type === F_LOCK.WRLCK && !f.writable) return Errno.EBADF;
  return setPosix(t, owner, req, cmd === F_LOCK.SETLKW);
}
