/**
 * What every WASI import family shares: the process's system calls, the guest memory,
 * the preopened directories and the helpers that turn kernel results into WASI errnos
 * on both the synchronous fast path and after a sleep.
 *
 * @module
 */
import type { MaybeAsync, Syscalls } from "../kernel/syscalls/api.ts";
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
