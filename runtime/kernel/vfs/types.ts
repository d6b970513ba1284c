/**
 * The contracts between the VFS and the file systems behind it (tmpfs, overlay, procfs,
 * cgroupfs, devfs, bind): an {@link Inode} per file, a {@link FileHandle} per open file
 * of a special kind (devices, generated files), and a {@link FileSystem} per mount source.
 *
 * The VFS does the generic work (path walk, mounts, permission checks, type checks such as
 * `ENOTDIR`/`EISDIR`, sticky bits, read-only mounts); an inode does the mechanics of its
 * own file system and returns an {@link Errno} for anything it refuses.
 *
 * @module
 */
import type { Errno } from "../errno.ts";
import type { Credentials, MemoryCharger, Task } from "../task.ts";
import type { MaybeAsync, Stat, StatFs } from "../syscalls/api.ts";

/** Longest path accepted by the walk, bytes (Linux `PATH_MAX`). */
export const PATH_MAX = 4096;
/** Longest single name, bytes (Linux `NAME_MAX`). */
export const NAME_MAX = 255;
/** Symlinks followed in one walk before `ELOOP` (Linux's limit). */
export const MAX_SYMLINKS = 40;

/** `poll` event bits. */
export const POLL = { IN: 1, PRI: 2, OUT: 4, ERR: 8, HUP: 16, NVAL: 32 } as const;

/** Kinds of node a directory can create. */
export type NodeKind = "file" | "dir" | "symlink" | "fifo" | "char" | "block" | "socket";

/** What an operation needs to know of its caller. */
export interface OpContext {
  /** Credentials of the caller (owner of new nodes, permission checks). */
  cred: Credentials;
  /** The calling task, when there is one (procfs's `self`, fd links). */
  task?: Task;
}

/** Attribute changes for {@link Inode.setattr}; absent fields are kept. */
export interface AttrChange {
  /** New permission bits (no type bits). */
  mode?: number;
  /** New owner. */
  uid?: number;
  /** New group. */
  gid?: number;
  /** New access time, ms since the epoch. */
  atimeMs?: number;
  /** New modification time, ms since the epoch. */
  mtimeMs?: number;
  /** New size (truncate/extend) of a regular file. */
  size?: number;
}

/** One directory entry as a file system lists it. */
export interface DirEntry {
  /** Name (never "." or ".."; the VFS adds those). */
  name: string;
  /** Inode number. */
  ino: number;
  /** `DT_*` type. */
  type: number;
}

/** Who does an I/O and how: blocking calls sleep through `task.block`. */
export interface IoContext {
  /** The calling task (sleeps, signals, memory). */
  task: Task;
  /** `O_NONBLOCK` is set on the open file: return `EAGAIN` instead of sleeping. */
  nonblock: boolean;
}

/**
 * An open file of a kind whose reads and writes are not plain data at an offset:
 * pipes, FIFOs, devices, ttys, generated proc/cgroup files.
 */
export interface FileHandle {
  /** True when offsets do not apply (pipes, ttys): `lseek` gives `ESPIPE`. */
  readonly stream: boolean;
  /** Read into `buf` at `pos` (ignored for streams). */
  read(buf: Uint8Array, pos: number, io: IoContext): MaybeAsync<number | Errno>;
  /** Write `buf` at `pos` (ignored for streams). */
  write(buf: Uint8Array, pos: number, io: IoContext): MaybeAsync<number | Errno>;
  /** Ready events now (`POLL.*`). Absent: always readable and writable. */
  poll?(): number;
  /** A promise that settles when readiness may have changed. */
  waitReady?(): Promise<void>;
  /** ioctl on the handle (`ENOTTY` when absent); `ctx` is the caller (terminal job control). */
  ioctl?(
    request: number,
    arg: unknown,
    ctx?: OpContext,
  ): number | { rows: number; cols: number } | Errno;
  /** Whether this is a terminal. */
  isatty?(): boolean;
  /** fcntl pipe size get/set (`F_GETPIPE_SZ`/`F_SETPIPE_SZ`). */
  pipeSize?(size?: number): number | Errno;
  /** Called when the last descriptor for the open file description is closed. */
  release?(): void;
  /** Flush to stable storage (bind mounts). */
  fsync?(): MaybeAsync<0 | Errno>;
  /** Size for `SEEK_END` on generated files. */
  size?(): number;
  /** `fstat` of a handle with no inode (anonymous pipes). */
  stat?(): Stat;
}

/**
 * A file of some file system. Directory operations exist on directories, data operations
 * on regular files, `readlink` on symlinks, `open` on special files; the VFS never calls an
 * operation the inode's type does not have.
 */
export interface Inode {
  /** The file system this inode belongs to. */
  readonly fs: FileSystem;
  /** Inode number, unique within {@link FileSystem.dev}. */
  readonly ino: number;
  /** Attributes as `struct stat`. */
  stat(): Stat;
  /** Type, permission bits and owner only, cheaply (the path walk's per-component check). */
  perm?(): Perm;
  /** Change attributes (chmod/chown/utimes/truncate). */
  setattr(change: AttrChange, ctx: OpContext): 0 | Errno;
  /** Parent directory (directories only; the fs root returns itself). */
  parent?(): Inode;
  /** The name of this directory in its parent, when the file system knows it (getcwd). */
  nameInParent?(): string | undefined;
  /** Look a name up in this directory (`ctx` absent for kernel-internal lookups). */
  lookup?(name: string, ctx?: OpContext): Inode | Errno;
  /** List this directory (without "." and ".."). */
  readdir?(): DirEntry[] | Errno;
  /** Create a node named `name` (the VFS checked that it does not exist). */
  create?(
    name: string,
    kind: NodeKind,
    mode: number,
    ctx: OpContext,
    extra?: { target?: string; rdev?: number },
  ): Inode | Errno;
  /** Hard-link `target` (same fs, not a directory) as `name`. */
  link?(name: string, target: Inode, ctx: OpContext): 0 | Errno;
  /** Remove `name`; `dir` says whether it must be an (empty) directory. */
  unlink?(name: string, dir: boolean, ctx: OpContext): 0 | Errno;
  /** Move `oldName` to `newDir/newName` (same fs; the VFS checked types and flags). */
  rename?(
    oldName: string,
    newDir: Inode,
    newName: string,
    flags: number,
    ctx: OpContext,
  ): 0 | Errno;
  /** Symlink target. */
  readlink?(ctx?: OpContext): string | Errno;
  /**
   * A "magic" link (procfs `fd/N`, `cwd`, `root`, `exe`): following it jumps straight to
   * a place instead of resolving its text. Returning `undefined` falls back to the text.
   */
  magic?(ctx: OpContext): MagicTarget | Errno | undefined;
  /** Read regular-file data at `pos`. */
  readAt?(buf: Uint8Array, pos: number): number | Errno;
  /** Write regular-file data at `pos`. */
  writeAt?(buf: Uint8Array, pos: number): number | Errno;
  /** Called before a regular file is opened for writing (overlay copies up here). */
  openForWrite?(flags: number): 0 | Errno;
  /** An open file description now refers to this inode. */
  retain?(): void;
  /** An open file description referring to this inode was released. */
  release?(): void;
  /** `open` returns an existing open file again (procfs `fd/N` of a pipe): no type checks. */
  readonly reopens?: boolean;
  /** Open a special or generated file. */
  open?(flags: number, ctx: OpContext): FileHandle | Errno;
}

/** Where a magic link leads: a mount and an inode of it. */
export interface MagicTarget {
  /** The mount (`vfs/mount.ts` `Mount`). */
  mount: unknown;
  /** The inode. */
  inode: Inode;
}

/** What permission checks need of a file. */
export interface Perm {
  /** Type and permission bits. */
  readonly mode: number;
  /** Owner. */
  readonly uid: number;
  /** Group. */
  readonly gid: number;
}

/**
 * Type, permission bits and owner of an inode (its `perm()` when it has one).
 *
 * @param inode The inode.
 * @returns mode, uid, gid.
 */
export function permOf(inode: Inode): Perm {
  return inode.perm ? inode.perm() : inode.stat();
}

/** A mounted (or mountable) file system instance. */
export interface FileSystem {
  /** Type name as `/proc/mounts` shows it ("tmpfs", "overlay", "proc", …). */
  readonly type: string;
  /** Device number (unique per instance). */
  readonly dev: number;
  /** Root directory. */
  readonly root: Inode;
  /** The file system refuses every write (procfs outside its writable files, `:ro` binds). */
  readonly readonly?: boolean;
  /** Options as `/proc/mounts` shows them. */
  options?(): string;
  /** `statfs` figures. */
  statfs(): StatFs;
}

/** Options every memory-backed file system takes at creation. */
export interface MemoryFsOptions {
  /** Where data bytes are charged. */
  memory: MemoryCharger;
  /** Capacity in bytes (`size=`); `Infinity` for none. */
  sizeLimit?: number;
}

let nextDev = 64;
/**
 * A fresh device number for a new file-system instance.
 *
 * @returns A number never returned before in this kernel.
 * @example
 * ```ts
 * import { allocDev } from "./types.ts";
 * console.assert(allocDev() !== allocDev());
 * ```
 */
export function allocDev(): number {
  return nextDev++;
}

/**
 * `statfs` figures of a file system that holds no blocks or inodes of its own (procfs,
 * devpts, mqueue, synthetic trees): only its magic number differs.
 *
 * @param type The file system's magic number (`f_type`).
 * @returns The figures.
 * @example
 * ```ts
 * import { pseudoStatFs } from "./types.ts";
 * console.assert(pseudoStatFs(0x1cd1).namelen === 255);
 * ```
 */
export function pseudoStatFs(type: number): StatFs {
  return { type, bsize: 4096, blocks: 0, bfree: 0, bavail: 0, files: 0, ffree: 0, namelen: 255 };
}

/** `DT_*` from `st_mode`. */
export function dtype(mode: number): number {
  switch (mode & 0o170000) {
    case 0o010000:
      return 1;
    case 0o020000:
      return 2;
    case 0o040000:
      return 4;
    case 0o060000:
      return 6;
    case 0o100000:
      return 8;
    case 0o120000:
      return 10;
    case 0o140000:
      return 12;
    default:
      return 0;
  }
}

/** `S_IF*` bits for a node kind. */
export function kindBits(kind: NodeKind): number {
  switch (kind) {
    case "file":
      return 0o100000;
    case "dir":
      return 0o040000;
    case "symlink":
      return 0o120000;
    case "fifo":
      return 0o010000;
    case "char":
      return 0o020000;
    case "block":
      return 0o060000;
    case "socket":
      return 0o140000;
  }
}

/** Milliseconds to a Timespec. */
export function msToTimespec(ms: number): { sec: number; nsec: number } {
  const sec = Math.floor(ms / 1000);
  return { sec, nsec: Math.round((ms - sec * 1000) * 1e6) };
}

/** Whether `mode` is a directory. */
export const isDir = (mode: number): boolean => (mode & 0o170000) === 0o040000;
/** Whether `mode` is a symlink. */
export const isLnk = (mode: number): boolean => (mode & 0o170000) === 0o120000;
/** Whether `mode` is a regular file. */
export const isReg = (mode: number): boolean => (mode & 0o170000) === 0o100000;
/** Whether `mode` is a FIFO. */
export const isFifo = (mode: number): boolean => (mode & 0o170000) === 0o010000;
