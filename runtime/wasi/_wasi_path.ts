/**
 * `path_*` imports of `wasi_snapshot_preview1`, translated to the kernel's `*at` calls.
 * Paths resolve in the kernel's VFS, which never leaves the process's root: `..` at the
 * root stays there and absolute symlinks resolve inside the root.
 *
 * @module
 */
import { AT, O } from "../kernel/syscalls/api.ts";
import { resolveAt, settle, type WasiCore, type WasiResult } from "./_wasi_core.ts";
import {
  FdFlags,
  FstFlags,
  LOOKUP_SYMLINK_FOLLOW,
  OFlags,
  Rights,
  timeArg,
  writeFilestat,
} from "./_wasi_abi.ts";
import { atFollow } from "./_wasi_fd.ts";
import { utf8 } from "./_guest_memory.ts";
import { toWasiErrno, WasiErrno } from "./wasi_errno.ts";

const READ_RIGHTS = Rights.FD_READ | Rights.FD_READDIR;
const WRITE_RIGHTS = Rights.FD_WRITE | Rights.FD_ALLOCATE | Rights.FD_FILESTAT_SET_SIZE |
  Rights.FD_DATASYNC;

/**
 * Kernel `open` flags for a WASI `path_open`.
 *
 * @param dirflags lookupflags
 * @param oflags WASI oflags
 * @param rights requested base rights
 * @param fdflags WASI fdflags
 * @returns Linux open flags
 */
export function openFlags(
  dirflags: number,
  oflags: number,
  rights: bigint,
  fdflags: number,
): number {
  const read = (rights & READ_RIGHTS) !== 0n;
  const write = (rights & WRITE_RIGHTS) !== 0n;
  let flags = oflags & OFlags.DIRECTORY ? O.RDONLY : write ? (read ? O.RDWR : O.WRONLY) : O.RDONLY;
  if (oflags & OFlags.CREAT) flags |= O.CREAT;
  if (oflags & OFlags.DIRECTORY) flags |= O.DIRECTORY;
  if (oflags & OFlags.EXCL) flags |= O.EXCL;
  if (oflags & OFlags.TRUNC) flags |= O.TRUNC;
  if (fdflags & FdFlags.APPEND) flags |= O.APPEND;
  if (fdflags & FdFlags.NONBLOCK) flags |= O.NONBLOCK;
  if (fdflags & (FdFlags.SYNC | FdFlags.RSYNC)) flags |= O.SYNC;
  else if (fdflags & FdFlags.DSYNC) flags |= O.DSYNC;
  if (!(dirflags & LOOKUP_SYMLINK_FOLLOW)) flags |= O.NOFOLLOW;
  return flags;
}

/**
 * The `path_*` imports bound to one process.
 *
 * @param core shared WASI state
 * @returns import functions by WASI name
 */
export function pathImports(core: WasiCore): Record<string, (...args: never[]) => WasiResult> {
  const { sys, mem } = core;
  const err = toWasiErrno;
  const path = (ptr: number, len: number) => mem.string(ptr, len);
  /** The descriptor and path a call on `fd` acts on (see `resolveAt`). */
  const at = (fd: number, ptr: number, len: number, creates = false) =>
    resolveAt(core, fd, path(ptr, len), creates);
  const done = (r: number) => (r < 0 ? err(r) : 0);

  return {
    path_create_directory(fd: number, p: number, l: number): number {
      return done(sys.mkdirat(...at(fd, p, l, true), 0o777));
    },
    path_filestat_get(fd: number, flags: number, p: number, l: number, out: number): number {
      const st = sys.fstatat(...at(fd, p, l), atFollow(flags));
      if (typeof st === "number") return err(st);
      writeFilestat(mem, out, st);
      return 0;
    },
    path_filestat_set_times(
      fd: number,
      flags: number,
      p: number,
      l: number,
      atim: bigint,
      mtim: bigint,
      fst: number,
    ): number {
      if (
        (fst & FstFlags.ATIM && fst & FstFlags.ATIM_NOW) ||
        (fst & FstFlags.MTIM && fst & FstFlags.MTIM_NOW)
      ) {
        return WasiErrno.INVAL;
      }
      return done(sys.utimensat(
        ...at(fd, p, l),
        timeArg(atim, fst, FstFlags.ATIM, FstFlags.ATIM_NOW),
        timeArg(mtim, fst, FstFlags.MTIM, FstFlags.MTIM_NOW),
        atFollow(flags),
      ));
    },
    path_link(
      oldFd: number,
      oldFlags: number,
      op: number,
      ol: number,
      newFd: number,
      np: number,
      nl: number,
    ): number {
      const follow = oldFlags & LOOKUP_SYMLINK_FOLLOW ? AT.SYMLINK_FOLLOW : 0;
      return done(sys.linkat(...at(oldFd, op, ol), ...at(newFd, np, nl, true), follow));
    },
    path_open(
      fd: number,
      dirflags: number,
      p: number,
      l: number,
      oflags: number,
      rights: bigint,
      _inheriting: bigint,
      fdflags: number,
      out: number,
    ): WasiResult {
      mem.check(out, 4);
      const flags = openFlags(dirflags, oflags, rights, fdflags);
      return settle(
        core,
        sys.openat(...at(fd, p, l, (flags & O.CREAT) !== 0), flags, 0o666),
        (newFd) => {
          mem.setU32(out, newFd);
          return 0;
        },
      );
    },
    path_readlink(fd: number, p: number, l: number, buf: number, len: number, out: number): number {
      const target = sys.readlinkat(...at(fd, p, l));
      if (typeof target === "number") return err(target);
      const bytes = utf8(target);
      const n = Math.min(len, bytes.length);
      mem.bytes(buf, n).set(bytes.subarray(0, n));
      mem.setU32(out, n);
      return 0;
    },
    path_remove_directory(fd: number, p: number, l: number): number {
      return done(sys.unlinkat(...at(fd, p, l), AT.REMOVEDIR));
    },
    path_rename(fd: number, op: number, ol: number, newFd: number, np: number, nl: number): number {
      return done(sys.renameat2(...at(fd, op, ol), ...at(newFd, np, nl, true), 0));
    },
    path_symlink(op: number, ol: number, fd: number, np: number, nl: number): number {
      return done(sys.symlinkat(path(op, ol), ...at(fd, np, nl, true)));
    },
    path_unlink_file(fd: number, p: number, l: number): number {
      return done(sys.unlinkat(...at(fd, p, l), 0));
    },
  };
}
