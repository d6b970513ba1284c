/**
 * The boundary between the process side of the kernel (processes, scheduler, cgroups,
 * signals) and the subsystems that act for a process (VFS, pipes, IPC).
 *
 * A subsystem's system call receives the calling {@link Task}: it reads credentials,
 * the fd table, the root and cwd, charges memory, and blocks through {@link Task.block}
 * so that signals can interrupt the sleep and the scheduler knows the task is asleep.
 *
 * @module
 */
import type { Errno } from "./errno.ts";

/** What a sleep is settled through by a {@link DirectWake}. */
export interface SleepTarget {
  /**
   * End the sleep with a value (which may be a promise to adopt) or an error.
   *
   * @param v The value or error.
   * @param failed Whether `v` is an error.
   */
  settle(v: unknown, failed: boolean): void;
}

/**
 * A wake-up that settles a sleep itself: {@link Task.block} hands it the sleep with
 * `sleepInto` (instead of registering callbacks with `then`, two closures at every sleep)
 * and calls `cancelSleep` when a signal interrupts the sleep. It stays a `PromiseLike` for
 * tasks that only know `then`.
 */
export interface DirectWake<T> extends PromiseLike<T> {
  /**
   * Settle `target` when the wake-up comes (once).
   *
   * @param target The sleep.
   */
  sleepInto(target: SleepTarget): void;
  /**
   * Stop: a signal interrupted the sleep.
   *
   * @returns What the interrupted call returns instead of `EINTR` (a write's count of the
   *   bytes it moved before it slept), or undefined for `EINTR`.
   */
  cancelSleep(): number | void;
}

/**
 * The shared part of a {@link DirectWake}: the sleep it was handed, taken once by whoever
 * ends it, and `then` for tasks that only know promises.
 */
export abstract class DirectSleeper<T> implements DirectWake<T> {
  #target: SleepTarget | null = null;

  /**
   * Settle `target` when the wake-up comes (once).
   *
   * @param target The sleep.
   */
  sleepInto(target: SleepTarget): void {
    this.#target = target;
  }

  /**
   * Stop: a signal interrupted the sleep.
   *
   * @returns What the call returns instead of `EINTR`, or undefined for `EINTR`.
   */
  abstract cancelSleep(): number | void;

  /**
   * The sleep waiting here, taken (null when none waits or it was taken already).
   *
   * @returns The sleep to settle.
   */
  protected takeSleep(): SleepTarget | null {
    const t = this.#target;
    this.#target = null;
    return t;
  }

  /**
   * For tasks that only know `then`; what it returns is ignored (no promise is made).
   *
   * @param onWake Called with the value.
   * @param onFail Called with an error.
   * @returns This object.
   */
  then<A = T, B = never>(
    onWake?: ((v: T) => A | PromiseLike<A>) | null,
    onFail?: ((e: unknown) => B | PromiseLike<B>) | null,
  ): PromiseLike<A | B> {
    this.#target = { settle: (v, failed) => failed ? onFail?.(v) : onWake?.(v as T) };
    return this as unknown as PromiseLike<A | B>;
  }
}

/**
 * Whether `wake` is a {@link DirectWake}.
 *
 * @param wake A wake-up.
 * @returns true when it settles sleeps itself.
 */
export function isDirectWake<T>(wake: PromiseLike<T>): wake is DirectWake<T> {
  return typeof (wake as Partial<DirectWake<T>>).sleepInto === "function";
}

/** Kinds of memory a cgroup accounts separately (`memory.stat`). */
export type MemoryKind = "anon" | "file" | "kernel" | "pipe" | "ipc";

/** Charges memory to a memory cgroup, hierarchically. Implemented by the cgroup tree. */
export interface MemoryCharger {
  /**
   * Charge `bytes` of `kind`. Returns false (and charges nothing) when a `memory.max`
   * on the path to the root would be exceeded; the caller then fails with
   * `ENOMEM`/`ENOSPC` as Linux would.
   */
  tryCharge(bytes: number, kind: MemoryKind): boolean;
  /** Give back bytes charged earlier. */
  uncharge(bytes: number, kind: MemoryKind): void;
}

/** Credentials used for permission checks. */
export interface Credentials {
  /** Real uid. */
  uid: number;
  /** Real gid. */
  gid: number;
  /** Effective uid (0 = root, which overrides mode bits as Linux does). */
  euid: number;
  /** Effective gid. */
  egid: number;
  /** Supplementary groups. */
  groups: number[];
}

/**
 * What a subsystem may know of the calling process.
 *
 * `Fs` is the VFS's per-process state (root, cwd, fd table, mount namespace, umask),
 * owned by the VFS and stored opaquely by the process. `Ipc` is the IPC namespace.
 */
export interface Task<Fs = unknown, Ipc = unknown> {
  /** Global (init namespace) pid: stable id for the kernel's own tables. */
  readonly id: number;
  /** Pid as seen in the task's own PID namespace. */
  readonly nsPid: number;
  /** Credentials. */
  readonly cred: Credentials;
  /** File-system state: root, cwd, umask, fd table, mount namespace. */
  readonly fs: Fs;
  /** IPC namespace. */
  readonly ipc: Ipc;
  /** The memory cgroup of the task. */
  readonly memory: MemoryCharger;
  /**
   * Sleep until `wake` settles. Resolves with its value, or with `Errno.EINTR` when a
   * signal that is not ignored arrives first (then `cancel` is called so the waiter
   * can unregister; without `cancel`, a {@link DirectWake}'s `cancelSleep`). The
   * scheduler counts the task as sleeping meanwhile.
   */
  block<T>(wake: PromiseLike<T>, cancel?: () => void): Promise<T | Errno>;
  /** Send a signal to this task (e.g. `SIGPIPE` = 13 on a write to a broken pipe). */
  signal(sig: number): void;
}
