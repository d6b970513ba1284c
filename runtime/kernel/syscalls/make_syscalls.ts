/**
 * Builds the {@link Syscalls} object of a process: every call of every family goes
 * through one wrapper that
 *
 * - refuses calls from a dead process (a killed builtin never runs again: an async call
 *   never settles, a sync call throws `ProcessKilled`/`ProcessExit`);
 * - charges the time spent in the kernel to the process's system time;
 * - gives the CPU back when a call sleeps (returns a promise) and settles the call only
 *   once the scheduler has given the CPU back to the process;
 * - preempts at calls that may block (`MaybeAsync` in api.ts) when the slice is used
 *   up or the process was stopped;
 * - runs signal handlers at call return.
 *
 * @module
 */
import type { Kernel } from "../kernel.ts";
import { ProcessExit, ProcessKilled } from "../executor.ts";
import type { Process } from "../process.ts";
import { runHandlers } from "../signal_send.ts";
import type { Syscalls } from "./api.ts";
import { procCalls } from "./sys_proc.ts";
import { signalCalls } from "./sys_signal.ts";

/** Calls that may block, hence may preempt (their api.ts type is `MaybeAsync`). */
export const MAY_BLOCK: ReadonlySet<string> = new Set([
  "spawn",
  "execve",
  "wait4",
  "sched_yield",
  "nanosleep",
  "pause",
  "openat",
  "read",
  "write",
  "pread",
  "pwrite",
  "readv",
  "writev",
  "fsync",
  "poll",
  "msgsnd",
  "msgrcv",
  "semop",
  "mq_send",
  "mq_receive",
]);

/** Calls too cheap to time (identity reads). */
const UNTIMED: ReadonlySet<string> = new Set([
  "getpid",
  "getppid",
  "gettid",
  "getuid",
  "getgid",
  "geteuid",
  "getegid",
  "clock_gettime",
  "exit",
]);

const NEVER: Promise<never> = new Promise<never>(() => {});

function afterDeath(p: Process, mayBlock: boolean): unknown {
  if (mayBlock) return p.unwindOnKill ? Promise.reject(new ProcessKilled(p.killedBy || 9)) : NEVER;
  if (p.killedBy) throw new ProcessKilled(p.killedBy);
  const st = p.state.kind === "running" ? 0 : p.state.status;
  throw new ProcessExit((st >> 8) & 0xff);
}

/**
 * Wait for the CPU again after a sleep or a preemption.
 *
 * @param k The kernel.
 * @param p The process.
 * @returns A promise resolved when `p` holds the CPU; never settles (or rejects with
 * `ProcessKilled` for unwinding executors) when `p` dies first.
 */
export function reacquireCpu(k: Kernel, p: Process): Promise<void> {
  if (p.dead) {
    return p.unwindOnKill ? Promise.reject(new ProcessKilled(p.killedBy || 9)) : NEVER;
  }
  return new Promise<void>((resolve, reject) => k.scheduler.requestCpu(p, { resolve, reject }));
}

/**
 * Give up the CPU at a preemption point and get it back.
 *
 * @param k The kernel.
 * @param p The current process.
 * @returns A promise resolved when `p` runs again.
 */
export function preemptNow(k: Kernel, p: Process): Promise<void> {
  k.scheduler.release(p);
  return reacquireCpu(k, p).then(() => {
    if (p.hasDeliverable) runHandlers(k, p);
  });
}

/**
 * Whether `p` must give up the CPU now (slice used up, stopped, or not the current process).
 *
 * @param k The kernel.
 * @param p The process.
 * @returns true when a preemption point should yield.
 */
export function shouldYield(k: Kernel, p: Process): boolean {
  const s = k.scheduler;
  return s.current !== p || p.stopped || performance.now() >= s.sliceEndMs;
}

function sleepOn(k: Kernel, p: Process, r: Promise<unknown>): Promise<unknown> {
  k.scheduler.release(p);
  return r.then((v) =>
    reacquireCpu(k, p).then(() => {
      if (p.hasDeliverable) runHandlers(k, p);
      return v;
    })
  );
}

type AnyCall = (...args: unknown[]) => unknown;

function wrap(k: Kernel, p: Process, name: string, fn: AnyCall): AnyCall {
  const mayBlock = MAY_BLOCK.has(name);
  const timed = !UNTIMED.has(name);
  return (...args: unknown[]) => {
    if (p.dead) return afterDeath(p, mayBlock);
    const t0 = timed ? performance.now() : 0;
    const r = fn(...args);
    if (timed) p.sliceSysUs += (performance.now() - t0) * 1000;
    if (r instanceof Promise) return sleepOn(k, p, r);
    if (p.dead) return afterDeath(p, mayBlock);
    if (mayBlock && shouldYield(k, p)) return preemptNow(k, p).then(() => r);
    if (p.hasDeliverable) runHandlers(k, p);
    return r;
  };
}

/**
 * The system calls of `p`.
 *
 * @param k The kernel.
 * @param p The process.
 * @returns Its `Syscalls` object.
 * @example
 * ```ts ignore
 * const sys = makeSyscalls(kernel, proc);
 * ```
 */
export function makeSyscalls(k: Kernel, p: Process): Syscalls {
  const impls: Syscalls = {
    ...procCalls(k, p),
    ...signalCalls(k, p),
    ...k.fileCallsOf(p),
    ...k.ipcCallsOf(p),
  };
  const out: Record<string, AnyCall> = {};
  for (const [name, fn] of Object.entries(impls)) out[name] = wrap(k, p, name, fn as AnyCall);
  return out as unknown as Syscalls;
}
