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
 * - runs signal handlers at call return, and then restarts a call that a handler
 *   interrupted (`EINTR`) when every handler that ran has `SA.RESTART` and the call is
 *   one signal(7) restarts ({@link RESTARTABLE}).
 *
 * @module
 */
import { Errno } from "../errno.ts";
import type { Kernel } from "../kernel.ts";
import { ProcessExit, ProcessKilled } from "../executor.ts";
import type { Process, Sleep } from "../process.ts";
import type { SleepTarget } from "../task.ts";
import type { CpuWait } from "../scheduler.ts";
import { runHandlers } from "../signal_send.ts";
import type { Syscalls } from "./api.ts";
import { procCalls } from "./sys_proc.ts";
import { signalCalls } from "./sys_signal.ts";
import { FILE_CALLS, IPC_CALLS } from "./file_calls.ts";
import { kernelDelay } from "../timers.ts";

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

/**
 * Calls restarted after an interruption by a handler with `SA.RESTART`, as Linux's
 * signal(7) lists them: I/O on slow files (pipes, FIFOs, terminals), `open` of a FIFO,
 * `wait4`, POSIX message queues, file locks and `getrandom`. Calls not listed (`nanosleep`,
 * `pause`, `poll`, `msgsnd`/`msgrcv`/`semop`, …) fail with `EINTR` whatever the flags.
 */
export const RESTARTABLE: ReadonlySet<string> = new Set([
  "openat",
  "read",
  "write",
  "pread",
  "pwrite",
  "readv",
  "writev",
  "ioctl",
  "fcntl_lock",
  "flock",
  "wait4",
  "mq_send",
  "mq_receive",
  "getrandom",
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
export function preemptNow(k: Kernel, p: Process, now?: number): Promise<void> {
  k.scheduler.release(p, now);
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
export function shouldYield(k: Kernel, p: Process, now: number = performance.now()): boolean {
  const s = k.scheduler;
  return s.current !== p || p.stopped || now >= s.sliceEndMs;
}

/**
 * Sleep on a call's promise: the CPU is given back, and taken again before the result is
 * returned and pending handlers run. A result of `EINTR` is replaced by `again()` (the
 * call made anew) when the handlers that ran all had `SA.RESTART`.
 *
 * This is the context-switch path of every blocking call. A call that returns its sleep's
 * own promise (`Process.block`) gets no promise more: the syscall layer takes the sleep over
 * and settles that promise at the grant; another promise is wrapped in one. Only a pending
 * signal handler (user code, which may throw) runs a microtask later.
 */
function sleepOn(
  k: Kernel,
  p: Process,
  r: Promise<unknown>,
  now: number,
  again?: () => unknown,
): Promise<unknown> {
  k.scheduler.release(p, now);
  const s = p.lastSleep;
  p.lastSleep = null;
  if (s !== null && s.promise === r && s.slot >= 0) {
    // The call returned its sleep's own promise, still asleep: take the sleep over, and
    // settle that promise once the CPU is back (nothing else chains on it before the
    // program does).
    s.handOff(new SleepWake(k, p, again, s, NOOP, NOOP));
    return r;
  }
  return new Promise<unknown>((resolve, reject) => {
    const w = new SleepWake(k, p, again, null, resolve, reject);
    r.then((v) => w.settle(v, false), reject);
  });
}

/**
 * The end of a sleeping call: its value waits for the CPU, then settles the call (the
 * sleep's own promise, or a promise made for a call that returned another one).
 */
class SleepWake implements CpuWait, SleepTarget {
  #value: unknown = undefined;
  #failed = false;

  constructor(
    private readonly k: Kernel,
    private readonly p: Process,
    private readonly again: (() => unknown) | undefined,
    private readonly sleep: Sleep | null,
    private readonly settleCall: (v: unknown) => void,
    private readonly failCall: (e: unknown) => void,
  ) {}

  /**
   * The wake-up came with `v`: ask for the CPU. A sleep taken over is woken from inside
   * another process's call, which holds the CPU (asking then would arm a stall check): it
   * asks once the microtasks queued so far have run (`Scheduler.soon`).
   */
  settle(v: unknown, failed: boolean): void {
    this.#value = v;
    this.#failed = failed;
    if (this.sleep) this.k.scheduler.soon(this);
    else this.run();
  }

  /** Ask for the CPU (unless the process died meanwhile). */
  run(): void {
    const p = this.p;
    if (p.dead) {
      if (p.unwindOnKill) this.reject(new ProcessKilled(p.killedBy || 9));
      return;
    }
    this.k.scheduler.requestCpu(p, this);
  }

  /** The CPU is granted: settle the call (after the process's pending handlers, if any). */
  resolve(): void {
    const v = this.#value;
    if (this.#failed) this.reject(v);
    else if (!this.p.hasDeliverable) this.#settle(v);
    else this.#settle(Promise.resolve(v).then((v) => this.#afterHandlers(v)));
  }

  /** Fail the call (the process was killed). */
  reject(e: unknown): void {
    if (this.sleep) this.sleep.finish(e, true);
    else this.failCall(e);
  }

  #settle(v: unknown): void {
    if (this.sleep) this.sleep.finish(v, false);
    else this.settleCall(v);
  }

  #afterHandlers(v: unknown): unknown {
    const handled = runHandlers(this.k, this.p);
    return v === Errno.EINTR && this.again && handled === "restart" ? this.again() : v;
  }
}

const NOOP = (): void => {};

type AnyCall = (...args: unknown[]) => unknown;

/**
 * A call's arguments pass through the wrappers as six fixed parameters (the most any call
 * of api.ts takes is five): a rest parameter would allocate an array at every call, and
 * the calls ignore the unused trailing ones, as they ignore missing optional ones.
 */
type Call6 = (a: unknown, b: unknown, c: unknown, d: unknown, e: unknown, f: unknown) => unknown;

/** One non-blocking call in this many is timed for system-time accounting. */
const SAMPLE_EVERY = 64;
/**
 * A call that may block but returned at once reads the clock for the end of the slice
 * one time in this many (a clock read costs about as much as a pipe write): a slice
 * overruns by at most this many calls, as Linux's tick lets a slice overrun by a tick.
 */
const CLOCK_CHECK_EVERY = 4;

/**
 * The sleep owed for allocations over `memory.high` (interruptible).
 *
 * @param p The process.
 * @returns A promise settled when the delay is over (or interrupted).
 */
export function overHighDelay(p: Process): Promise<unknown> {
  const ms = p.highPenaltyMs;
  p.highPenaltyMs = 0;
  const done = kernelDelay(ms, undefined);
  // Exit interrupts every sleep, which cancels the timer.
  return p.block(done.promise, done.cancel);
}

/** The clock value read after the last timed call of {@link callSampled}, 0 when untimed. */
let sampledAt = 0;

/**
 * Run a call, timing one in SAMPLE_EVERY for the process's system time (scaled); the
 * clock value read after a timed call is left in `sampledAt` for the caller.
 */
function callSampled(
  p: Process,
  fn: Call6,
  a: unknown,
  b: unknown,
  c: unknown,
  d: unknown,
  e: unknown,
  f: unknown,
): unknown {
  if (++p.syscallSample !== SAMPLE_EVERY) {
    sampledAt = 0;
    return fn(a, b, c, d, e, f);
  }
  p.syscallSample = 0;
  const t0 = performance.now();
  const r = fn(a, b, c, d, e, f);
  sampledAt = performance.now();
  p.sliceSysUs += (sampledAt - t0) * 1000 * SAMPLE_EVERY;
  return r;
}

function wrap(k: Kernel, p: Process, name: string, fn: Call6): AnyCall {
  if (name === "sched_yield") {
    // The context-switch path, kept to one clock read and two promises.
    const resumed = () => {
      if (p.hasDeliverable) runHandlers(k, p);
      return 0;
    };
    return () => {
      if (p.dead) return afterDeath(p, true);
      const s = k.scheduler;
      const now = performance.now();
      // Nothing else to run and slice left: keep the CPU (timers and I/O still get their
      // host turn when the slice ends).
      if (s.current === p && !p.stopped && k.cgroups.root.runq.size === 0 && now < s.sliceEndMs) {
        return 0;
      }
      s.release(p, now);
      return reacquireCpu(k, p).then(resumed);
    };
  }
  const restartable = RESTARTABLE.has(name);
  if (!MAY_BLOCK.has(name)) {
    // Calls that never sleep: a clock read costs more than most of them, so their system
    // time is sampled, one call in SAMPLE_EVERY timed and scaled (Linux samples at ticks).
    const call: Call6 = (a, b, c, d, e, f) => {
      if (p.dead) return afterDeath(p, false);
      const r = callSampled(p, fn, a, b, c, d, e, f);
      if (r instanceof Promise) {
        return sleepOn(
          k,
          p,
          r,
          performance.now(),
          restartable ? () => call(a, b, c, d, e, f) : undefined,
        );
      }
      if (p.dead) return afterDeath(p, false);
      if (p.hasDeliverable) runHandlers(k, p);
      return r;
    };
    return call;
  }
  const call: Call6 = (a, b, c, d, e, f) => {
    if (p.dead) return afterDeath(p, true);
    // The clock is read when the call sleeps (to account the slice), and otherwise one
    // time in CLOCK_CHECK_EVERY; system time is sampled as for the calls above.
    const r = callSampled(p, fn, a, b, c, d, e, f);
    let now = sampledAt;
    if (r instanceof Promise) {
      return sleepOn(
        k,
        p,
        r,
        now || performance.now(),
        restartable ? () => call(a, b, c, d, e, f) : undefined,
      );
    }
    if (p.dead) return afterDeath(p, true);
    if (p.highPenaltyMs > 0) {
      return sleepOn(k, p, overHighDelay(p).then(() => r), now || performance.now());
    }
    const s = k.scheduler;
    let due = s.current !== p || p.stopped;
    if (!due && (now !== 0 || ++p.clockCheck >= CLOCK_CHECK_EVERY)) {
      p.clockCheck = 0;
      if (now === 0) now = performance.now();
      due = now >= s.sliceEndMs;
    }
    if (due) return preemptNow(k, p, now || undefined).then(() => r);
    if (p.hasDeliverable) runHandlers(k, p);
    return r;
  };
  return call;
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
  const sys = Object.create(SYSCALLS_PROTO) as Record<symbol, unknown>;
  sys[OWNER] = { k, p, proc: null, signal: null };
  return sys as unknown as Syscalls;
}

const OWNER = Symbol("berth.syscalls.owner");

interface Owner {
  k: Kernel;
  p: Process;
  proc: Record<string, AnyCall> | null;
  signal: Record<string, AnyCall> | null;
}

function implOf(o: Owner, name: string): AnyCall {
  if (PROC_NAMES.has(name)) {
    o.proc ??= procCalls(o.k, o.p) as unknown as Record<string, AnyCall>;
    return o.proc[name]!;
  }
  if (SIGNAL_NAMES.has(name)) {
    o.signal ??= signalCalls(o.k, o.p) as unknown as Record<string, AnyCall>;
    return o.signal[name]!;
  }
  if (FILE_NAMES.has(name)) {
    return (o.k.fileCallsOf(o.p) as unknown as Record<string, AnyCall>)[name]!;
  }
  return (o.k.ipcCallsOf(o.p) as unknown as Record<string, AnyCall>)[name]!;
}

const PROC_NAMES: ReadonlySet<string> = new Set(Object.keys(procCalls(null!, null!)));
const SIGNAL_NAMES: ReadonlySet<string> = new Set(Object.keys(signalCalls(null!, null!)));
const FILE_NAMES: ReadonlySet<string> = new Set(FILE_CALLS);

/**
 * The shared prototype of every process's Syscalls: one lazy getter per call, which wraps
 * the implementation on first use and caches it as an own property of the process's object
 * (so a spawn pays only for the calls its program makes, and destructured calls stay bound).
 */
const SYSCALLS_PROTO: object = (() => {
  const proto = {};
  const names = [...PROC_NAMES, ...SIGNAL_NAMES, ...FILE_CALLS, ...IPC_CALLS];
  for (const name of names) {
    Object.defineProperty(proto, name, {
      enumerable: true,
      configurable: true,
      get(this: Record<symbol, Owner>) {
        const o = this[OWNER]!;
        const fn = wrap(o.k, o.p, name, implOf(o, name));
        Object.defineProperty(this, name, { value: fn, enumerable: true, writable: true });
        return fn;
      },
    });
  }
  return proto;
})();
