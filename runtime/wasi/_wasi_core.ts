/**
 * What every WASI import family shares: the process's system calls, the guest memory,
 * the preopened directories and the helpers that turn kernel results into WASI errnos
 * on both the synchronous fast path and after a sleep.
 *
 * @module
 */
import { AT, type MaybeAsync, type Syscalls } from "../kernel/syscalls/api.ts";
import { Errno } from "../kernel/errno.ts";
import { GuestFault, GuestIlseq, type GuestMemory } from "./_guest_memory.ts";
import { toWasiErrno, WasiErrno } from "./wasi_errno.ts";

/** A WASI import's result: a WASI errno now, or after the process sleeps. */
export type WasiResult = number | Promise<number>;

/** The state the WASI imports of one process share. */
export interface WasiCore {
  /** The process's system calls. */
  readonly sys: Syscalls;
  /** The instance's memory. */
  readonly mem: GuestMemory;
  /** Preopened directories: fd → name the guest sees. */
  readonly preopens: Map<number, string>;
  /** argv the program sees. */
  readonly argv: readonly string[];
  /** Environment the program sees. */
  readonly env: readonly string[];
  /** Called when a blocking call resumes; throws to unwind a killed process. */
  resumed(): void;
}

/**
 * The directory and path a `path_*` call on `fd` acts on.
 *
 * WASI preview1 has no working directory: wasi-libc keeps its own, starting at `/`, and
 * strips the preopens `/` and `.` to the same empty prefix, so it hands every path, relative
 * or absolute (without its leading `/`), to the preopen registered last (wasi-libc#484).
 * With a working directory other than `/`, the executor preopens `/` and then `.` (the
 * working directory); a path given on `.` whose first component does not exist there is
 * resolved against `/` instead, unless it is a single name that the call creates. So
 * relative names and absolute paths into the working directory or to system directories
 * (`/etc/x`, `/tmp`) all work; a single name created by absolute path (`/out.txt`) and a
 * path whose first component exists in both places resolve in the working directory.
 *
 * @param core The process's WASI state.
 * @param fd The directory descriptor the guest gave.
 * @param path The path it gave.
 * @param creates Whether the call creates the last component (a single name then stays in
 *   the working directory).
 * @returns The descriptor and path to use.
 */
export function resolveAt(
  core: WasiCore,
  fd: number,
  path: string,
  creates = false,
): [number, string] {
  if (core.preopens.get(fd) !== ".") return [fd, path];
  let slash = path.indexOf("/");
  if (slash < 0) {
    if (creates) return [fd, path];
    slash = path.length;
  }
  if (slash === 0 || path === "." || path.startsWith("./") || path.startsWith("../")) {
    return [fd, path];
  }
  let root = -1;
  for (const [f, name] of core.preopens) if (name === "/") root = f;
  if (root < 0) return [fd, path];
  const first = core.sys.fstatat(fd, path.slice(0, slash), AT.SYMLINK_NOFOLLOW);
  return first === Errno.ENOENT ? [root, path] : [fd, path];
}

/** Kernel result (value or negative errno) → WASI errno, calling `ok` on success. */
export function settle<T>(
  core: WasiCore,
  result: MaybeAsync<T>,
  ok: (value: T) => number,
): WasiResult {
  if (result instanceof Promise) {
    return result.then((value) => {
      core.resumed();
      core.mem.refresh();
      return guarded(() => finish(value, ok));
    });
  }
  return finish(result, ok);
}

function finish<T>(value: T, ok: (value: T) => number): number {
  if (typeof value === "number" && value < 0) return toWasiErrno(value);
  return ok(value);
}

/** Run `fn`, mapping guest-memory faults to `FAULT` and bad UTF-8 to `ILSEQ`. */
export function guarded(fn: () => number): number {
  try {
    return fn();
  } catch (e) {
    return faultErrno(e);
  }
}

/** The errno for a guest fault, or rethrow anything else (ProcessExit, kills, bugs). */
export function faultErrno(e: unknown): number {
  if (e instanceof GuestFault || e instanceof RangeError) return WasiErrno.FAULT;
  if (e instanceof GuestIlseq) return WasiErrno.ILSEQ;
  throw e;
}

/** Wrap an import so that guest faults become errnos. */
export function wrapImport<A extends unknown[]>(
  fn: (...args: A) => WasiResult,
): (...args: A) => WasiResult {
  return (...args: A) => {
    try {
      return fn(...args);
    } catch (e) {
      return faultErrno(e);
    }
  };
}
