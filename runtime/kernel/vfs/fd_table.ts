/**
 * Open file descriptions and the per-process file descriptor table.
 *
 * An {@link OpenFile} is Linux's `struct file`: the offset and status flags, shared by
 * every descriptor that `dup`, `dup3`, `fcntl(F_DUPFD)` or fd inheritance across `spawn`
 * made from the same `open`. An {@link FdTable} maps small integers to open files plus the
 * per-descriptor `FD_CLOEXEC` flag, and enforces `RLIMIT_NOFILE` (`EMFILE`).
 *
 * @module
 */
import { Errno } from "../errno.ts";
import { type Dirent, O } from "../syscalls/api.ts";
import type { Loc } from "./mount.ts";
import type { FileHandle, IoContext } from "./types.ts";
import {
  anyLocks,
  hasLocks,
  type LockKey,
  lockKeyOf,
  releaseFlock,
  releasePosix,
} from "./file_lock.ts";

/** Status flags `F_SETFL` may change. */
const SETFL_MASK = O.APPEND | O.NONBLOCK;

/** An open file description. */
export class OpenFile {
  /** Where the file was opened (null for anonymous pipes). */
  readonly loc: Loc | null;
  /** Path as `/proc/PID/fd/N` shows it ("pipe:[12]" for pipes). */
  readonly path: string;
  /** Read/write backend. */
  readonly handle: FileHandle;
  /** Access mode and status flags (`O_*`), minus creation flags. */
  flags: number;
  /** File offset (also the directory cursor of `getdents64`). */
  offset = 0;
  /** The directory and name it was opened by (for `/proc/PID/fd/N` of non-directories). */
  where: { dir: Loc; name: string } | null = null;
  /** Directory listing snapshot taken by `getdents64` at offset 0. */
  dirents: Dirent[] | null = null;
  /** The file this description holds a `flock(2)` lock on (released at the last close). */
  flockKey: LockKey | null = null;
  #refs = 1;
  #io: IoContext | null = null;

  /**
   * A description with one reference.
   *
   * @param loc Where it was opened, or null.
   * @param path Display path.
   * @param handle Backend.
   * @param flags `O_*` flags given to open.
   */
  constructor(loc: Loc | null, path: string, handle: FileHandle, flags: number) {
    this.loc = loc;
    this.path = path;
    this.handle = handle;
    this.flags = flags & ~(O.CREAT | O.EXCL | O.TRUNC | O.NOCTTY | O.CLOEXEC);
    if (loc) loc.mount.openFiles++;
  }

  /** Whether reads are allowed (`O_RDONLY`/`O_RDWR`, not `O_PATH`). */
  get readable(): boolean {
    const acc = this.flags & O.ACCMODE;
    return (this.flags & O.PATH) === 0 && (acc === O.RDONLY || acc === O.RDWR);
  }

  /** Whether writes are allowed. */
  get writable(): boolean {
    const acc = this.flags & O.ACCMODE;
    return (this.flags & O.PATH) === 0 && (acc === O.WRONLY || acc === O.RDWR);
  }

  /** Whether `O_NONBLOCK` is set. */
  get nonblock(): boolean {
    return (this.flags & O.NONBLOCK) !== 0;
  }

  /**
   * The I/O context of a call on this file by `task`: one object per file and caller, reused
   * while the same task calls (no allocation per read or write); `nonblock` is refreshed
   * from the flags at each call, as Linux reads `f_flags` at each.
   *
   * @param task The caller.
   * @returns The context.
   */
  ioFor(task: IoContext["task"]): IoContext {
    const nonblock = (this.flags & O.NONBLOCK) !== 0;
    const c = this.#io;
    if (c && c.task === task) {
      c.nonblock = nonblock;
      return c;
    }
    return (this.#io = { task, nonblock });
  }

  /** Take a reference (dup, inheritance). */
  ref(): this {
    this.#refs++;
    return this;
  }

  /** Drop a reference; the last one releases the backend. */
  unref(): void {
    if (--this.#refs !== 0) return;
    if (this.loc) this.loc.mount.openFiles--;
    if (this.flockKey !== null) releaseFlock(this.flockKey, this);
    this.handle.release?.();
  }

  /** Current reference count. */
  get refs(): number {
    return this.#refs;
  }

  /**
   * `F_SETFL`: change `O_APPEND`/`O_NONBLOCK`, keep the rest.
   *
   * @param flags New status flags.
   */
  setStatusFlags(flags: number): void {
    this.flags = (this.flags & ~SETFL_MASK) | (flags & SETFL_MASK);
  }
}

interface Slot {
  file: OpenFile;
  cloexec: boolean;
}

/** The descriptor table of a process. */
export class FdTable {
  #slots: (Slot | undefined)[] = [];
  /** Soft `RLIMIT_NOFILE`: descriptors must be below it. The process side sets it on `prlimit`. */
  limit: number;

  /**
   * An empty table.
   *
   * @param limit `RLIMIT_NOFILE` soft limit (default 1024).
   */
  constructor(limit = 1024) {
    this.limit = limit;
  }

  /**
   * The open file behind `fd`.
   *
   * @param fd Descriptor.
   * @returns The open file, or undefined when `fd` is not open.
   */
  get(fd: number): OpenFile | undefined {
    return this.#slots[fd]?.file;
  }

  /**
   * Install `file` (taking over its reference) at the lowest free fd >= `min`.
   *
   * @param file Open file; the table owns the caller's reference on success.
   * @param cloexec `FD_CLOEXEC`.
   * @param min Lowest acceptable fd (`F_DUPFD`).
   * @returns The fd, or `EMFILE` (the reference is dropped then).
   */
  install(file: OpenFile, cloexec: boolean, min = 0): number | Errno {
    let fd = min;
    while (fd < this.#slots.length && this.#slots[fd]) fd++;
    if (fd >= this.limit) {
      file.unref();
      return Errno.EMFILE;
    }
    this.#slots[fd] = { file, cloexec };
    return fd;
  }

  /**
   * Put `file` at exactly `fd`, closing what was there (`dup2`/`dup3`).
   *
   * @param fd Target descriptor.
   * @param file Open file (the table takes the caller's reference).
   * @param cloexec `FD_CLOEXEC`.
   * @returns `fd`, or `EBADF` when `fd` is out of range.
   */
  installAt(fd: number, file: OpenFile, cloexec: boolean): number | Errno {
    if (!Number.isInteger(fd) || fd < 0 || fd >= this.limit) {
      file.unref();
      return Errno.EBADF;
    }
    const old = this.#slots[fd];
    this.#slots[fd] = { file, cloexec };
    if (old) this.#drop(old.file);
    return fd;
  }

  /**
   * Close `fd`.
   *
   * @param fd Descriptor.
   * @returns 0, or `EBADF`.
   */
  close(fd: number): 0 | Errno {
    const s = this.#slots[fd];
    if (!s) return Errno.EBADF;
    this.#slots[fd] = undefined;
    this.#drop(s.file);
    return 0;
  }

  /**
   * A descriptor of `file` went away: this table's POSIX record locks on the file go too
   * (any close of the file by the owner releases them, as on Linux), then the reference.
   */
  #drop(file: OpenFile): void {
    if (anyLocks()) {
      const key = lockKeyOf(file);
      if (hasLocks(key)) releasePosix(key, this);
    }
    file.unref();
  }

  /** `FD_CLOEXEC` of `fd`, or undefined when not open. */
  getCloexec(fd: number): boolean | undefined {
    return this.#slots[fd]?.cloexec;
  }

  /** Set `FD_CLOEXEC` of an open `fd`. */
  setCloexec(fd: number, on: boolean): void {
    const s = this.#slots[fd];
    if (s) s.cloexec = on;
  }

  /** Open descriptors, ascending. */
  fds(): number[] {
    const out: number[] = [];
    this.#slots.forEach((s, i) => s && out.push(i));
    return out;
  }

  /**
   * A copy sharing every open file (fork / spawn inheritance).
   *
   * @returns The new table.
   */
  fork(): FdTable {
    const t = new FdTable(this.limit);
    this.#slots.forEach((s, i) => {
      if (s) t.#slots[i] = { file: s.file.ref(), cloexec: s.cloexec };
    });
    return t;
  }

  /** Close every `FD_CLOEXEC` descriptor (exec). */
  closeOnExec(): void {
    this.#slots.forEach((s, i) => {
      if (s?.cloexec) this.close(i);
    });
  }

  /** Close everything (process exit). */
  closeAll(): void {
    this.#slots.forEach((s, i) => s && this.close(i));
  }
}
