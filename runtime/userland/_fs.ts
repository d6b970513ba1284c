/**
 * File-system helpers for applets: directory listing, stat shortcuts, path joining.
 *
 * @module
 */
import { Errno, isErrno } from "../kernel/errno.ts";
import { AT, O, S_IFDIR, S_IFLNK, S_IFMT } from "../kernel/syscalls/api.ts";
import type { Dirent, Stat, Syscalls } from "../kernel/syscalls/api.ts";

/**
 * All entries of a directory except `.` and `..`, in the order the file system gives.
 *
 * @param sys System calls.
 * @param path Directory path.
 * @returns The entries or an errno.
 */
export async function listDir(sys: Syscalls, path: string): Promise<Dirent[] | Errno> {
  let fd = sys.openat(AT.FDCWD, path, O.RDONLY | O.DIRECTORY | O.CLOEXEC, 0);
  if (fd instanceof Promise) fd = await fd;
  if (isErrno(fd)) return fd;
  const all: Dirent[] = [];
  for (;;) {
    const batch = sys.getdents64(fd, 4096);
    if (isErrno(batch)) {
      sys.close(fd);
      return batch;
    }
    if (batch.length === 0) break;
    for (const d of batch) if (d.name !== "." && d.name !== "..") all.push(d);
  }
  sys.close(fd);
  return all;
}

/**
 * `lstat`.
 *
 * @param sys System calls.
 * @param path Path.
 * @returns The stat or an errno.
 */
export function lstat(sys: Syscalls, path: string): Stat | Errno {
  return sys.fstatat(AT.FDCWD, path, AT.SYMLINK_NOFOLLOW);
}

/**
 * `stat` (follows symlinks).
 *
 * @param sys System calls.
 * @param path Path.
 * @returns The stat or an errno.
 */
export function stat(sys: Syscalls, path: string): Stat | Errno {
  return sys.fstatat(AT.FDCWD, path, 0);
}

/** Whether a mode is a directory. */
export function isDir(mode: number): boolean {
  return (mode & S_IFMT) === S_IFDIR;
}

/** Whether a mode is a symlink. */
export function isLink(mode: number): boolean {
  return (mode & S_IFMT) === S_IFLNK;
}

/**
 * Join a directory and a name without doubling slashes.
 *
 * @param dir Directory.
 * @param name Entry name.
 * @returns `dir/name`.
 */
export function joinPath(dir: string, name: string): string {
  if (dir === "" || dir === ".") return dir === "." ? `./${name}` : name;
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

/**
 * Whether a path exists (without following a final symlink).
 *
 * @param sys System calls.
 * @param path Path.
 * @returns true when lstat succeeds.
 */
export function exists(sys: Syscalls, path: string): boolean {
  return !isErrno(lstat(sys, path));
}

/**
 * Byte-wise string compare, as `LC_ALL=C` sorting does.
 *
 * @param a First.
 * @param b Second.
 * @returns Negative, zero or positive.
 */
export function compareC(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `ENOENT` re-exported for applets. */
export const ENOENT: Errno = Errno.ENOENT;
