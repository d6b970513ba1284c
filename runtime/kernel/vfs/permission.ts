/**
 * Permission checks as Linux's `generic_permission`: owner, group (primary and
 * supplementary) or other bits; root (euid 0) may read and write anything and may execute
 * a file when any execute bit is set (and search any directory).
 *
 * @module
 */
import { Errno } from "../errno.ts";
import type { Credentials } from "../task.ts";
import { isDir, type Perm } from "./types.ts";

/** Access bits: read 4, write 2, execute/search 1. */
export const MAY = { READ: 4, WRITE: 2, EXEC: 1 } as const;

/**
 * Whether `cred` is in group `gid`.
 *
 * @param cred Credentials.
 * @param gid Group.
 * @returns True for the effective gid or a supplementary group.
 */
export function inGroup(cred: Credentials, gid: number): boolean {
  return cred.egid === gid || cred.groups.includes(gid);
}

/**
 * Check access `mask` (`MAY.*` bits) to a file with attributes `st`.
 *
 * @param st The file's stat.
 * @param cred Caller.
 * @param mask Wanted access.
 * @returns 0 or `EACCES`.
 * @example
 * ```ts
 * import { checkAccess, MAY } from "./permission.ts";
 * const st = { mode: 0o100600, uid: 1, gid: 1 } as Parameters<typeof checkAccess>[0];
 * const other = { uid: 2, gid: 2, euid: 2, egid: 2, groups: [] };
 * console.assert(checkAccess(st, other, MAY.READ) < 0);
 * ```
 */
export function checkAccess(st: Perm, cred: Credentials, mask: number): 0 | Errno {
  if (mask === 0) return 0;
  if (cred.euid === 0) {
    if ((mask & MAY.EXEC) === 0 || isDir(st.mode) || (st.mode & 0o111) !== 0) return 0;
    return Errno.EACCES;
  }
  let bits: number;
  if (cred.euid === st.uid) bits = (st.mode >> 6) & 7;
  else if (inGroup(cred, st.gid)) bits = (st.mode >> 3) & 7;
  else bits = st.mode & 7;
  return (bits & mask) === mask ? 0 : Errno.EACCES;
}

/**
 * Whether `cred` may remove or rename `victim` out of directory `dir` given the sticky
 * bit (write+search on `dir` is checked separately).
 *
 * @param dir The directory's stat.
 * @param victim The entry's stat.
 * @param cred Caller.
 * @returns 0 or `EPERM`.
 */
export function checkSticky(dir: Perm, victim: Perm, cred: Credentials): 0 | Errno {
  if ((dir.mode & 0o1000) === 0 || cred.euid === 0) return 0;
  if (cred.euid === victim.uid || cred.euid === dir.uid) return 0;
  return Errno.EPERM;
}

/**
 * Whether `cred` owns the file (or is root): needed for chmod, utimes to a value, etc.
 *
 * @param st The file's stat.
 * @param cred Caller.
 * @returns 0 or `EPERM`.
 */
export function checkOwner(st: Perm, cred: Credentials): 0 | Errno {
  return cred.euid === 0 || cred.euid === st.uid ? 0 : Errno.EPERM;
}
