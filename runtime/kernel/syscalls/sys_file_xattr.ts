/**
 * Extended attributes: `setxattr getxattr listxattr removexattr` and their `l*` (no
 * symlink following) and `f*` (on a descriptor) forms, as Linux's `fs/xattr.c` answers
 * them, for the `user.` and `trusted.` namespaces on tmpfs and the overlay (other
 * namespaces, and file systems that keep no attributes, give `EOPNOTSUPP`).
 *
 * Rules, from Linux:
 * - names: empty or longer than 255 bytes `ERANGE`; a prefix with nothing after it
 *   (`"user."`) `EINVAL`; an unknown prefix `EOPNOTSUPP`. Values: at most 64 KiB
 *   (`E2BIG`).
 * - `trusted.*` is root's (`CAP_SYS_ADMIN`): others get `EPERM` on a write, `ENODATA` on a
 *   read, and do not see those names in a list.
 * - `user.*` exists only on regular files and directories (elsewhere `EPERM` on a write,
 *   `ENODATA` on a read); reading needs read permission, writing write permission
 *   (`EACCES`); in a sticky directory only its owner or root writes them (`EPERM`).
 * - `get`/`list` copy into the caller's buffer: an empty buffer asks for the size, a
 *   buffer too small is `ERANGE`. A list is the names, each ended by a NUL byte.
 * - writes on a read-only mount: `EROFS`. `XATTR_CREATE` on an existing name `EEXIST`,
 *   `XATTR_REPLACE` on a missing one `ENODATA`.
 *
 * WASI preview1 has no extended attribute calls; only builtin programs (and future
 * executors that use the Syscalls table) reach these.
 *
 * @module
 */
import { Errno } from "../errno.ts";
import { AT, O } from "./api.ts";
import type { Loc } from "../vfs/mount.ts";
import { checkAccess, MAY } from "../vfs/permission.ts";
import { type FileTask, resolveAt } from "../vfs/resolve.ts";
import { type Inode, isDir, isReg } from "../vfs/types.ts";
import { XATTR_CREATE, XATTR_REPLACE, type XattrInode } from "../fs/tmpfs/xattr_set.ts";

/** Largest attribute value (`XATTR_SIZE_MAX`). */
export const XATTR_SIZE_MAX = 65536;
/** Longest attribute name in bytes (`XATTR_NAME_MAX`). */
export const XATTR_NAME_MAX = 255;
/** Largest list `listxattr` returns (`XATTR_LIST_MAX`). */
export const XATTR_LIST_MAX = 65536;

const enc = new TextEncoder();
const PREFIXES = ["user.", "trusted."] as const;
const KNOWN = ["security.", "system.", ...PREFIXES];

function hasXattrs(inode: Inode): inode is Inode & XattrInode {
  return typeof (inode as Partial<XattrInode>).getxattr === "function";
}

/** Check a name: `ERANGE`, `EINVAL`, `EOPNOTSUPP`, or its namespace. */
function namespaceOf(name: string): "user" | "trusted" | Errno {
  const bytes = enc.encode(name).length;
  if (bytes === 0 || bytes > XATTR_NAME_MAX) return Errno.ERANGE;
  for (const p of KNOWN) {
    if (!name.startsWith(p)) continue;
    if (name.length === p.length) return Errno.EINVAL;
    if (p === "user.") return "user";
    if (p === "trusted.") return "trusted";
    return Errno.EOPNOTSUPP;
  }
  return Errno.EOPNOTSUPP;
}

/** Linux's `xattr_permission`. */
function permission(task: FileTask, inode: Inode, name: string, write: boolean): 0 | Errno {
  const ns = namespaceOf(name);
  if (typeof ns === "number") return ns;
  const root = task.cred.euid === 0;
  if (ns === "trusted") return root ? 0 : write ? Errno.EPERM : Errno.ENODATA;
  const st = inode.stat();
  if (!isReg(st.mode) && !isDir(st.mode)) return write ? Errno.EPERM : Errno.ENODATA;
  if (write && isDir(st.mode) && (st.mode & 0o1000) && !root && task.cred.euid !== st.uid) {
    return Errno.EPERM;
  }
  return checkAccess(st, task.cred, write ? MAY.WRITE : MAY.READ);
}

type Target = { loc: Loc } | Errno;

function byPath(task: FileTask, path: string, follow: boolean): Target {
  const r = resolveAt(task, AT.FDCWD, path, { follow });
  if (typeof r === "number") return r;
  return r.loc ? { loc: r.loc } : Errno.ENOENT;
}

function byFd(task: FileTask, fd: number): Target {
  const f = task.fs.fds.get(fd);
  if (!f) return Errno.EBADF;
  if (f.flags & O.PATH) return Errno.EBADF;
  return f.loc ? { loc: f.loc } : Errno.EOPNOTSUPP;
}

function doSet(
  task: FileTask,
  t: Target,
  name: string,
  value: Uint8Array,
  flags: number,
): 0 | Errno {
  if (typeof t === "number") return t;
  if (flags & ~(XATTR_CREATE | XATTR_REPLACE)) return Errno.EINVAL;
  const ns = namespaceOf(name);
  if (typeof ns === "number") return ns;
  if (value.length > XATTR_SIZE_MAX) return Errno.E2BIG;
  if (t.loc.mount.readonly) return Errno.EROFS;
  const denied = permission(task, t.loc.inode, name, true);
  if (denied !== 0) return denied;
  if (!hasXattrs(t.loc.inode)) return Errno.EOPNOTSUPP;
  return t.loc.inode.setxattr(name, value, flags);
}

function doGet(task: FileTask, t: Target, name: string, buf: Uint8Array): number | Errno {
  if (typeof t === "number") return t;
  const denied = permission(task, t.loc.inode, name, false);
  if (denied !== 0) return denied;
  if (!hasXattrs(t.loc.inode)) return Errno.EOPNOTSUPP;
  const v = t.loc.inode.getxattr(name);
  if (!v) return Errno.ENODATA;
  if (buf.length === 0) return v.length;
  if (buf.length < v.length) return Errno.ERANGE;
  buf.set(v);
  return v.length;
}

function doList(task: FileTask, t: Target, buf: Uint8Array): number | Errno {
  if (typeof t === "number") return t;
  if (!hasXattrs(t.loc.inode)) return 0;
  const root = task.cred.euid === 0;
  const names = t.loc.inode.listxattr().filter((n) => root || !n.startsWith("trusted."));
  const list = enc.encode(names.map((n) => n + "\0").join(""));
  if (list.length > XATTR_LIST_MAX) return Errno.E2BIG;
  if (buf.length === 0) return list.length;
  if (buf.length < list.length) return Errno.ERANGE;
  buf.set(list);
  return list.length;
}

function doRemove(task: FileTask, t: Target, name: string): 0 | Errno {
  if (typeof t === "number") return t;
  const ns = namespaceOf(name);
  if (typeof ns === "number") return ns;
  if (t.loc.mount.readonly) return Errno.EROFS;
  const denied = permission(task, t.loc.inode, name, true);
  if (denied !== 0) return denied;
  if (!hasXattrs(t.loc.inode)) return Errno.EOPNOTSUPP;
  return t.loc.inode.removexattr(name);
}

/**
 * `setxattr(2)`: set an attribute of the file `path` names (symlinks followed).
 *
 * @param task Caller.
 * @param path File.
 * @param name Full name (`user.comment`).
 * @param value Bytes (at most 64 KiB).
 * @param flags `XATTR_CREATE` (1), `XATTR_REPLACE` (2) or 0.
 * @returns 0 or an errno.
 * @example
 * ```ts ignore
 * setxattr(task, "/data/f", "user.origin", new TextEncoder().encode("cam1"), 0);
 * ```
 */
export function setxattr(
  task: FileTask,
  path: string,
  name: string,
  value: Uint8Array,
  flags: number,
): 0 | Errno {
  return doSet(task, byPath(task, path, true), name, value, flags);
}

/**
 * `lsetxattr(2)`: as {@link setxattr} on the symlink itself.
 *
 * @param task Caller.
 * @param path File or symlink.
 * @param name Full name.
 * @param value Bytes.
 * @param flags `XATTR_CREATE`, `XATTR_REPLACE` or 0.
 * @returns 0 or an errno.
 */
export function lsetxattr(
  task: FileTask,
  path: string,
  name: string,
  value: Uint8Array,
  flags: number,
): 0 | Errno {
  return doSet(task, byPath(task, path, false), name, value, flags);
}

/**
 * `fsetxattr(2)`: as {@link setxattr} on an open file.
 *
 * @param task Caller.
 * @param fd Descriptor (not `O_PATH`).
 * @param name Full name.
 * @param value Bytes.
 * @param flags `XATTR_CREATE`, `XATTR_REPLACE` or 0.
 * @returns 0 or an errno.
 */
export function fsetxattr(
  task: FileTask,
  fd: number,
  name: string,
  value: Uint8Array,
  flags: number,
): 0 | Errno {
  return doSet(task, byFd(task, fd), name, value, flags);
}

/**
 * `getxattr(2)`: copy an attribute's value into `buf`.
 *
 * @param task Caller.
 * @param path File (symlinks followed).
 * @param name Full name.
 * @param buf Destination; empty to ask for the size.
 * @returns The value's length, or `ENODATA`, `ERANGE` (buffer too small), …
 * @example
 * ```ts ignore
 * const size = getxattr(task, "/f", "user.k", new Uint8Array(0));
 * ```
 */
export function getxattr(
  task: FileTask,
  path: string,
  name: string,
  buf: Uint8Array,
): number | Errno {
  return doGet(task, byPath(task, path, true), name, buf);
}

/**
 * `lgetxattr(2)`: as {@link getxattr} on the symlink itself.
 *
 * @param task Caller.
 * @param path File or symlink.
 * @param name Full name.
 * @param buf Destination; empty to ask for the size.
 * @returns The value's length or an errno.
 */
export function lgetxattr(
  task: FileTask,
  path: string,
  name: string,
  buf: Uint8Array,
): number | Errno {
  return doGet(task, byPath(task, path, false), name, buf);
}

/**
 * `fgetxattr(2)`: as {@link getxattr} on an open file.
 *
 * @param task Caller.
 * @param fd Descriptor.
 * @param name Full name.
 * @param buf Destination; empty to ask for the size.
 * @returns The value's length or an errno.
 */
export function fgetxattr(
  task: FileTask,
  fd: number,
  name: string,
  buf: Uint8Array,
): number | Errno {
  return doGet(task, byFd(task, fd), name, buf);
}

/**
 * `listxattr(2)`: the attribute names of a file, each ended by a NUL byte (`trusted.*`
 * only for root).
 *
 * @param task Caller.
 * @param path File (symlinks followed).
 * @param buf Destination; empty to ask for the size.
 * @returns The list's length (0 on file systems without attributes) or an errno.
 * @example
 * ```ts ignore
 * const n = listxattr(task, "/f", buf); // "user.a\0user.b\0"
 * ```
 */
export function listxattr(task: FileTask, path: string, buf: Uint8Array): number | Errno {
  return doList(task, byPath(task, path, true), buf);
}

/**
 * `llistxattr(2)`: as {@link listxattr} on the symlink itself.
 *
 * @param task Caller.
 * @param path File or symlink.
 * @param buf Destination; empty to ask for the size.
 * @returns The list's length or an errno.
 */
export function llistxattr(task: FileTask, path: string, buf: Uint8Array): number | Errno {
  return doList(task, byPath(task, path, false), buf);
}

/**
 * `flistxattr(2)`: as {@link listxattr} on an open file.
 *
 * @param task Caller.
 * @param fd Descriptor.
 * @param buf Destination; empty to ask for the size.
 * @returns The list's length or an errno.
 */
export function flistxattr(task: FileTask, fd: number, buf: Uint8Array): number | Errno {
  return doList(task, byFd(task, fd), buf);
}

/**
 * `removexattr(2)`.
 *
 * @param task Caller.
 * @param path File (symlinks followed).
 * @param name Full name.
 * @returns 0, `ENODATA` when absent, or an errno.
 * @example
 * ```ts ignore
 * removexattr(task, "/f", "user.k");
 * ```
 */
export function removexattr(task: FileTask, path: string, name: string): 0 | Errno {
  return doRemove(task, byPath(task, path, true), name);
}

/**
 * `lremovexattr(2)`: as {@link removexattr} on the symlink itself.
 *
 * @param task Caller.
 * @param path File or symlink.
 * @param name Full name.
 * @returns 0 or an errno.
 */
export function lremovexattr(task: FileTask, path: string, name: string): 0 | Errno {
  return doRemove(task, byPath(task, path, false), name);
}

/**
 * `fremovexattr(2)`: as {@link removexattr} on an open file.
 *
 * @param task Caller.
 * @param fd Descriptor.
 * @param name Full name.
 * @returns 0 or an errno.
 */
export function fremovexattr(task: FileTask, fd: number, name: string): 0 | Errno {
  return doRemove(task, byFd(task, fd), name);
}
