/**
 * `wasi_snapshot_preview1`, complete, as a translation layer over one process's kernel
 * {@link Syscalls}: every function maps onto system calls (never a second
 * implementation of files or clocks), and kernel errnos are translated to WASI's
 * numbering exactly ({@link toWasiErrno}).
 *
 * Imports that can block (`fd_read`, `fd_write`, `fd_pread`, `fd_pwrite`, `fd_sync`,
 * `fd_datasync`, `path_open`, `poll_oneoff`, `sched_yield`, `proc_raise`) are wrapped in
 * `WebAssembly.Suspending`: when the kernel call completes synchronously they return at
 * once (no stack switch); when it returns a promise the green thread suspends until the
 * kernel runs the process again. All other imports are plain functions.
 *
 * Sockets do not exist yet: `sock_*` return `BADF` for a closed fd and `NOTSUP` otherwise.
 *
 * @module
 */
import type { Syscalls } from "../kernel/syscalls/api.ts";
import { GuestMemory, utf8 } from "./_guest_memory.ts";
import { settle, type WasiCore, type WasiResult, wrapImport } from "./_wasi_core.ts";
import { fdImports } from "./_wasi_fd.ts";
import { pathImports } from "./_wasi_path.ts";
import { pollOneoff } from "./_wasi_poll.ts";
import { linuxSignal, toNs } from "./_wasi_abi.ts";
import { toWasiErrno, WasiErrno } from "./wasi_errno.ts";
import { suspending } from "./_jspi.ts";

/** Names of the imports that may block and are wrapped in `WebAssembly.Suspending`. */
export const SUSPENDING_IMPORTS: ReadonlySet<string> = new Set([
  "fd_read",
  "fd_write",
  "fd_pread",
  "fd_pwrite",
  "fd_sync",
  "fd_datasync",
  "path_open",
  "poll_oneoff",
  "sched_yield",
  "proc_raise",
]);

/** Every function of `wasi_snapshot_preview1` (46), for completeness checks. */
export const WASI_PREVIEW1_FUNCTIONS: readonly string[] = [
  "args_get",
  "args_sizes_get",
  "environ_get",
  "environ_sizes_get",
  "clock_res_get",
  "clock_time_get",
  "fd_advise",
  "fd_allocate",
  "fd_close",
  "fd_datasync",
  "fd_fdstat_get",
  "fd_fdstat_set_flags",
  "fd_fdstat_set_rights",
  "fd_filestat_get",
  "fd_filestat_set_size",
  "fd_filestat_set_times",
  "fd_pread",
  "fd_prestat_get",
  "fd_prestat_dir_name",
  "fd_pwrite",
  "fd_read",
  "fd_readdir",
  "fd_renumber",
  "fd_seek",
  "fd_sync",
  "fd_tell",
  "fd_write",
  "path_create_directory",
  "path_filestat_get",
  "path_filestat_set_times",
  "path_link",
  "path_open",
  "path_readlink",
  "path_remove_directory",
  "path_rename",
  "path_symlink",
  "path_unlink_file",
  "poll_oneoff",
  "proc_exit",
  "proc_raise",
  "sched_yield",
  "random_get",
  "sock_accept",
  "sock_recv",
  "sock_send",
  "sock_shutdown",
];

/** What the WASI layer needs from the executor for one process. */
export interface WasiProcess {
  /** The process's system calls. */
  sys: Syscalls;
  /** argv the program sees. */
  argv: readonly string[];
  /** Environment the program sees (`KEY=value`). */
  env: readonly string[];
  /** Called when a blocking call resumes; throws to unwind a killed process. */
  resumed(): void;
}

/** The import module and the hooks the executor completes after instantiation. */
export interface WasiImports {
  /** `wasi_snapshot_preview1` functions, blocking ones wrapped in `WebAssembly.Suspending`. */
  imports: Record<string, unknown>;
  /** The guest memory accessor; attach the instance's memory before running. */
  memory: GuestMemory;
  /** Preopened directories (fd → guest name); fill before running. */
  preopens: Map<number, string>;
}

type AnyImport = (...args: never[]) => WasiResult;

/**
 * Build the `wasi_snapshot_preview1` import object for one process.
 *
 * @param proc the process's system calls, argv and environment
 * @returns the imports plus the memory and preopen tables to fill in
 * @example
 * ```ts ignore
 * const wasi = createWasiImports({ sys, argv, env, resumed: () => {} });
 * const instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: wasi.imports });
 * wasi.memory.attach(instance.exports.memory as WebAssembly.Memory);
 * ```
 */
export function createWasiImports(proc: WasiProcess): WasiImports {
  const mem = new GuestMemory();
  const core: WasiCore = {
    sys: proc.sys,
    mem,
    preopens: new Map(),
    argv: proc.argv,
    env: proc.env,
    resumed: proc.resumed,
  };
  const { sys } = proc;
  const err = toWasiErrno;

  const strings = (list: readonly string[]) => list.map((s) => utf8(s + "\0"));
  const sizes = (list: readonly string[], countPtr: number, sizePtr: number): number => {
    let size = 0;
    for (const s of strings(list)) size += s.length;
    mem.setU32(countPtr, list.length);
    mem.setU32(sizePtr, size);
    return 0;
  };
  const fill = (list: readonly string[], ptrs: number, buf: number): number => {
    let at = buf;
    strings(list).forEach((s, i) => {
      mem.setU32(ptrs + i * 4, at);
      mem.bytes(at, s.length).set(s);
      at += s.length;
    });
    return 0;
  };
  const notSocket = (fd: number): number => {
    const fl = sys.fcntl(fd, 3 /* F_GETFL */);
    return fl < 0 ? err(fl) : WasiErrno.NOTSUP;
  };

  const plain: Record<string, AnyImport> = {
    args_get: (ptrs: number, buf: number) => fill(core.argv, ptrs, buf),
    args_sizes_get: (c: number, s: number) => sizes(core.argv, c, s),
    environ_get: (ptrs: number, buf: number) => fill(core.env, ptrs, buf),
    environ_sizes_get: (c: number, s: number) => sizes(core.env, c, s),
    clock_res_get(id: number, out: number): number {
      const r = sys.clock_getres(id);
      if (typeof r === "number") return err(r);
      mem.setU64(out, toNs(r));
      return 0;
    },
    ...fdImports(core),
    ...pathImports(core),
    poll_oneoff: pollOneoff(core),
    proc_raise(sig: number): WasiResult {
      if (sig < 0 || sig > 30) return WasiErrno.INVAL;
      if (sig === 0) return 0;
      const r = sys.kill(sys.getpid(), linuxSignal(sig));
      if (r < 0) return err(r);
      // The default action (if any) takes effect at the next scheduling point.
      return settle(core, sys.sched_yield(), () => 0);
    },
    sched_yield: () => settle(core, sys.sched_yield(), () => 0),
    random_get(buf: number, len: number): number {
      const view = mem.bytes(buf, len);
      for (let at = 0; at < len; at += 65536) {
        sys.getrandom(view.subarray(at, Math.min(len, at + 65536)));
      }
      return 0;
    },
    sock_accept: (fd: number) => notSocket(fd),
    sock_recv: (fd: number) => notSocket(fd),
    sock_send: (fd: number) => notSocket(fd),
    sock_shutdown: (fd: number) => notSocket(fd),
  };

  const imports: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(plain)) {
    const wrapped = wrapImport(fn);
    imports[name] = SUSPENDING_IMPORTS.has(name) ? suspending(wrapped) : wrapped;
  }
  // Hot and never faulting on valid input: no wrapper.
  imports.clock_time_get = (id: number, _precision: bigint, out: number): number => {
    const ts = sys.clock_gettime(id);
    if (typeof ts === "number") return err(ts);
    if ((out & 3) === 0 && out >= 0 && out + 8 <= mem.u8.length) {
      const a = Math.floor(ts.sec / TWO16) * NS_PER_SEC;
      const b = (ts.sec % TWO16) * NS_PER_SEC + ts.nsec;
      let lo = (a % TWO16) * TWO16 + (b % TWO32);
      let hi = Math.floor(a / TWO16) + Math.floor(b / TWO32);
      if (lo >= TWO32) {
        lo -= TWO32;
        hi += 1;
      }
      const words = mem.words;
      words[out >>> 2] = lo;
      words[(out >>> 2) + 1] = hi;
      return 0;
    }
    try {
      mem.check(out, 8);
    } catch {
      return WasiErrno.FAULT;
    }
    writeNs(mem.dv, out, ts.sec, ts.nsec);
    return 0;
  };
  imports.proc_exit = (code: number): never => sys.exit(code);
  return { imports, memory: mem, preopens: core.preopens };
}

const TWO16 = 65536;
const TWO32 = 4294967296;
const NS_PER_SEC = 1_000_000_000;

/**
 * Write `sec * 1e9 + nsec` as a little-endian u64 without BigInt (the hot path of
 * `clock_time_get`): 16-bit limbs keep every product exact in doubles.
 *
 * @param dv the view to write into
 * @param ptr byte offset
 * @param sec whole seconds (0 ≤ sec < 2^32)
 * @param nsec nanoseconds
 */
export function writeNs(dv: DataView, ptr: number, sec: number, nsec: number): void {
  const a = Math.floor(sec / TWO16) * NS_PER_SEC; // high limb product, < 2^46
  const b = (sec % TWO16) * NS_PER_SEC + nsec; // low limb product, < 2^47
  const aLow = (a % TWO16) * TWO16;
  const bLow = b % TWO32;
  let lo = aLow + bLow;
  let hi = Math.floor(a / TWO16) + Math.floor(b / TWO32);
  if (lo >= TWO32) {
    lo -= TWO32;
    hi += 1;
  }
  dv.setUint32(ptr, lo, true);
  dv.setUint32(ptr + 4, hi, true);
}
