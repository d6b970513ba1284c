/**
 * Constants and struct writers of the `wasi_snapshot_preview1` ABI shared by the
 * import families.
 *
 * @module
 */
import type { Stat, Timespec } from "../kernel/syscalls/api.ts";
import {
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  S_IFSOCK,
} from "../kernel/syscalls/api.ts";
import type { GuestMemory } from "./_guest_memory.ts";

/** `filetype`. */
export const FileType = {
  UNKNOWN: 0,
  BLOCK_DEVICE: 1,
  CHARACTER_DEVICE: 2,
  DIRECTORY: 3,
  REGULAR_FILE: 4,
  SOCKET_DGRAM: 5,
  SOCKET_STREAM: 6,
  SYMBOLIC_LINK: 7,
} as const;

/** `rights` bits used here. */
export const Rights = {
  FD_DATASYNC: 1n << 0n,
  FD_READ: 1n << 1n,
  FD_SEEK: 1n << 2n,
  FD_WRITE: 1n << 6n,
  FD_ALLOCATE: 1n << 8n,
  FD_READDIR: 1n << 14n,
  FD_TELL: 1n << 5n,
  FD_FILESTAT_SET_SIZE: 1n << 22n,
  ALL: (1n << 30n) - 1n,
} as const;

/** `fdflags`. */
export const FdFlags = { APPEND: 1, DSYNC: 2, NONBLOCK: 4, RSYNC: 8, SYNC: 16 } as const;
/** `oflags`. */
export const OFlags = { CREAT: 1, DIRECTORY: 2, EXCL: 4, TRUNC: 8 } as const;
/** `lookupflags`. */
export const LOOKUP_SYMLINK_FOLLOW = 1;
/** `fstflags`. */
export const FstFlags = { ATIM: 1, ATIM_NOW: 2, MTIM: 4, MTIM_NOW: 8 } as const;
/** `UTIME_OMIT` as the kernel's utimensat takes it. */
export const UTIME_OMIT: Timespec = { sec: 0, nsec: 0x3ffffffe };

/** WASI file type of an `st_mode`. */
export function fileTypeOfMode(mode: number): number {
  switch (mode & S_IFMT) {
    case S_IFDIR:
      return FileType.DIRECTORY;
    case S_IFREG:
      return FileType.REGULAR_FILE;
    case S_IFLNK:
      return FileType.SYMBOLIC_LINK;
    case S_IFCHR:
      return FileType.CHARACTER_DEVICE;
    case S_IFBLK:
      return FileType.BLOCK_DEVICE;
    case S_IFSOCK:
      return FileType.SOCKET_STREAM;
    default:
      return FileType.UNKNOWN;
  }
}

/** WASI file type of a `getdents64` `DT_*` value. */
export function fileTypeOfDirent(dt: number): number {
  switch (dt) {
    case 4:
      return FileType.DIRECTORY;
    case 8:
      return FileType.REGULAR_FILE;
    case 10:
      return FileType.SYMBOLIC_LINK;
    case 2:
      return FileType.CHARACTER_DEVICE;
    case 6:
      return FileType.BLOCK_DEVICE;
    case 12:
      return FileType.SOCKET_STREAM;
    default:
      return FileType.UNKNOWN;
  }
}

/** Nanoseconds of a timespec. */
export function toNs(ts: Timespec): bigint {
  return BigInt(ts.sec) * 1_000_000_000n + BigInt(ts.nsec);
}

/** Timespec of nanoseconds. */
export function fromNs(ns: bigint): Timespec {
  return { sec: Number(ns / 1_000_000_000n), nsec: Number(ns % 1_000_000_000n) };
}

/** Write a 64-byte `filestat`. */
export function writeFilestat(m: GuestMemory, ptr: number, st: Stat): void {
  m.check(ptr, 64);
  const dv = m.dv;
  dv.setBigUint64(ptr, BigInt(st.dev), true);
  dv.setBigUint64(ptr + 8, BigInt(st.ino), true);
  dv.setUint8(ptr + 16, fileTypeOfMode(st.mode));
  for (let i = 17; i < 24; i++) dv.setUint8(ptr + i, 0);
  dv.setBigUint64(ptr + 24, BigInt(st.nlink), true);
  dv.setBigUint64(ptr + 32, BigInt(st.size), true);
  dv.setBigUint64(ptr + 40, toNs(st.atime), true);
  dv.setBigUint64(ptr + 48, toNs(st.mtime), true);
  dv.setBigUint64(ptr + 56, toNs(st.ctime), true);
}

/** The kernel's time argument for a `*_set_times` call: a time, `null` for now, or omit. */
export function timeArg(ns: bigint, flags: number, set: number, now: number): Timespec | null {
  if (flags & now) return null;
  if (flags & set) return fromNs(ns);
  return UTIME_OMIT;
}

/** WASI signal number → Linux signal number. */
export function linuxSignal(wasiSig: number): number {
  return wasiSig <= 15 ? wasiSig : wasiSig + 1;
}
