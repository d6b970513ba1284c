/**
 * Host paths that cannot be redirected by a racing host: the bind mounts' answer to a
 * directory swapped for a symlink between a check and an operation.
 *
 * Deno has no `openat`, so this opens host directories through libc (Deno's FFI), one
 * component at a time from `/`, with `O_PATH | O_NOFOLLOW | O_DIRECTORY`: a symlink
 * anywhere on the way makes the walk fail instead of being followed. The directory reached
 * is then named `/proc/self/fd/N`, a path that keeps meaning that directory whatever
 * happens to its name, and every host operation goes through `/proc/self/fd/N/name`, which
 * follows no symlink of the chain (only the last name, as the operation itself would: the
 * callers use operations that do not follow it, or check the opened file). The
 * descriptors live until the current synchronous run of JavaScript ends (a microtask
 * closes them), which covers every operation of the synchronous bind file system.
 *
 * Where FFI is not allowed (no `--allow-ffi`) or not on Linux, {@link hostAt} returns null
 * and the bind file system falls back to checking the chain with `realpath` before each
 * operation (a race window remains, as the README says).
 *
 * @module
 */
import { Errno } from "../../errno.ts";

const O_PATH = 0o10000000;
const O_NOFOLLOW = 0o400000;
const O_DIRECTORY = 0o200000;
const O_CLOEXEC = 0o2000000;
const AT_FDCWD = -100;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
/** Offset of `st_mode` in x86_64 `struct stat`. */
const ST_MODE_OFFSET = 24;
/** Size of x86_64 `struct stat`. */
const STAT_SIZE = 144;

const SYMBOLS = {
  openat: { parameters: ["i32", "buffer", "i32", "u32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  fstat: { parameters: ["i32", "buffer"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

type Libc = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

const enc = new TextEncoder();
/** Linux errno numbers by value (Berth's Errno values are their negatives). */
const ERRNO_BY_NUMBER = new Map<number, Errno>(
  Object.values(Errno).filter((v): v is number => typeof v === "number").map((v) => [-v, v]),
);

/**
 * The directory and last name of an absolute, normalised host path other than `/`.
 *
 * @param abs The path.
 * @returns `[directory, name]`.
 */
export function splitHostPath(abs: string): [string, string] {
  const slash = abs.lastIndexOf("/");
  return [slash <= 0 ? "/" : abs.slice(0, slash), abs.slice(slash + 1)];
}

/** Pinned host directories of the current synchronous run (see the module doc). */
export class HostAt {
  readonly #libc: Libc;
  readonly #dirs = new Map<string, number>();
  readonly #fds: number[] = [];
  #closing = false;
  readonly #stat = new Uint8Array(STAT_SIZE);

  /**
   * Over an opened libc.
   *
   * @param libc The libc symbols.
   */
  constructor(libc: Libc) {
    this.#libc = libc;
  }

  /**
   * `/proc/self/fd/N` naming the host directory `abs` (absolute, normalised), reached with
   * no symlink followed.
   *
   * @param abs The directory.
   * @returns The path, `ENOENT` when a component is a symlink, or the walk's errno.
   */
  dir(abs: string): string | Errno {
    const fd = this.#dirFd(abs);
    return typeof fd === "number" && fd < 0 ? fd as Errno : `/proc/self/fd/${fd}`;
  }

  /**
   * `/proc/self/fd/M` naming the node `name` of the pinned directory `abs` itself (a
   * symlink is not followed: it is the node), and its type bits.
   *
   * @param abs Its directory.
   * @param name Its name.
   * @returns The path and `S_IFMT` bits, or an errno.
   */
  node(abs: string, name: string): { path: string; type: number } | Errno {
    const dir = this.#dirFd(abs);
    if (dir < 0) return dir as Errno;
    const fd = this.#open(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return fd as Errno;
    const type = this.#type(fd);
    return type < 0 ? type as Errno : { path: `/proc/self/fd/${fd}`, type };
  }

  /** `S_IFMT` bits of an open descriptor, or an errno. */
  #type(fd: number): number {
    if (this.#libc.fstat(fd, this.#stat) !== 0) return this.#errno();
    return new DataView(this.#stat.buffer).getUint32(ST_MODE_OFFSET, true) & S_IFMT;
  }

  /** `S_IFMT` bits of `name` in directory `dir`, not followed, or an errno. */
  #typeAt(dir: number, name: string): number {
    const fd = this.#open(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    return fd < 0 ? fd : this.#type(fd);
  }

  #dirFd(abs: string): number {
    const known = this.#dirs.get(abs);
    if (known !== undefined) return known;
    let fd: number;
    if (abs === "/") {
      fd = this.#open(AT_FDCWD, "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    } else {
      const [dir, name] = splitHostPath(abs);
      const parent = this.#dirFd(dir);
      if (parent < 0) return parent;
      fd = this.#open(parent, name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
      // A symlink in the chain reads as ENOTDIR (O_NOFOLLOW with O_DIRECTORY): it is not
      // a way through, the path names nothing (as the realpath check answered).
      if (fd === Errno.ENOTDIR || fd === Errno.ELOOP) {
        const n = this.#typeAt(parent, name);
        fd = n === S_IFLNK || n < 0 ? Errno.ENOENT : Errno.ENOTDIR;
      }
    }
    if (fd >= 0) this.#dirs.set(abs, fd);
    return fd;
  }

  #open(dir: number, name: string, flags: number): number {
    const fd = this.#libc.openat(dir, enc.encode(name + "\0"), flags, 0);
    if (fd < 0) return this.#errno();
    this.#fds.push(fd);
    if (!this.#closing) {
      this.#closing = true;
      queueMicrotask(() => this.#closeAll());
    }
    return fd;
  }

  #errno(): Errno {
    const p = this.#libc.__errno_location();
    const n = p ? new Deno.UnsafePointerView(p).getInt32() : 5;
    return ERRNO_BY_NUMBER.get(n) ?? Errno.EIO;
  }

  #closeAll(): void {
    this.#closing = false;
    for (const fd of this.#fds) this.#libc.close(fd);
    this.#fds.length = 0;
    this.#dirs.clear();
  }
}

let shared: HostAt | null | undefined;

/**
 * The process's {@link HostAt}, or null when libc cannot be reached through FFI (no
 * `--allow-ffi`, not Linux x86_64).
 *
 * @returns It, or null.
 */
export function hostAt(): HostAt | null {
  if (shared !== undefined) return shared;
  shared = null;
  if (Deno.build.os !== "linux" || Deno.build.arch !== "x86_64") return null;
  try {
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return null;
    shared = new HostAt(Deno.dlopen("libc.so.6", SYMBOLS).symbols);
  } catch {
    shared = null;
  }
  return shared;
}
