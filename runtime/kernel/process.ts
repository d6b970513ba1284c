/**
 * A process of the emulated kernel: identity (a pid per PID-namespace level), tree
 * links, credentials, namespaces, cgroup, CPU and memory accounting, signal state, and
 * the {@link Task} view that the VFS and IPC subsystems receive.
 *
 * Lifecycle: `running` (runnable, on the CPU, sleeping or stopped) → `zombie` (exited,
 * waiting for its parent's `wait4`) → `reaped`. Operations on the tree (spawn, exit,
 * wait, signals) live in `process_*.ts` and `signal_*.ts`.
 *
 * @module
 */
import { Errno } from "./errno.ts";
import type { Cgroup, CgroupMember } from "./cgroup.ts";
import { chargeMemory, unchargeMemory } from "./cgroup.ts";
import type { PidNamespace, PidRef, UtsNamespace } from "./namespaces.ts";
import type { CpuWait, Schedulable } from "./scheduler.ts";
import type { SignalDisposition, Syscalls } from "./syscalls/api.ts";
import {
  type Credentials,
  type DirectWake,
  isDirectWake,
  type MemoryCharger,
  type MemoryKind,
  type SleepTarget,
  type Task,
} from "./task.ts";
import type { UserNamespace } from "./user_namespace.ts";
import type { KernelTimer } from "./timers.ts";
import { SlotList } from "./slot_list.ts";

/** The state of a process. */
export type ProcState =
  | { kind: "running" }
  | { kind: "zombie"; status: number }
  | { kind: "reaped"; status: number };

/** Fixed kernel memory charged per process (task struct, stacks, tables), bytes. */
export const PROCESS_KERNEL_BYTES = 16 * 1024;

/** What a process needs from the kernel that created it (implemented by `Kernel`). */
export interface ProcessHost {
  /** Deliver a signal to `p` (the full semantics: dispositions, masks, default actions). */
  sendSignal(p: Process, sig: number): void;
}

/** Construction parameters of a {@link Process}. */
export interface ProcessInit {
  /** Pid numbers, one per level. */
  pid: PidRef<Process>;
  /** Parent, null for a process the kernel API spawned. */
  parent: Process | null;
  /** Process group. */
  pgrp: PidRef<Process>;
  /** Session. */
  session: PidRef<Process>;
  /** Credentials (copied). */
  cred: Credentials;
  /** VFS state. */
  fs: unknown;
  /** IPC namespace. */
  ipc: unknown;
  /** UTS namespace. */
  uts: UtsNamespace;
  /** User namespace. */
  userNs: UserNamespace;
  /** Cgroup. */
  cgroup: Cgroup;
  /** Namespace for children (differs from the own after `unshare(CLONE_NEWPID)`). */
  childPidNs: PidNamespace<Process>;
  /** Root of the cgroup namespace. */
  cgroupNsRoot: Cgroup;
  /** The kernel. */
  host: ProcessHost;
}

/** One process. */
export class Process implements Task, Schedulable, CgroupMember {
  /** Pid numbers per namespace level. */
  readonly pid: PidRef<Process>;
  /** Parent (null for a process of the kernel API, or after its parent is gone and it has no reaper). */
  parent: Process | null;
  /** Children, including zombies. */
  readonly children: Set<Process> = new Set();
  /** Process group id. */
  pgrp: PidRef<Process>;
  /** Session id. */
  session: PidRef<Process>;
  /** Credentials. */
  readonly cred: Credentials;
  /** VFS state (root, cwd, umask, fds, mount namespace), owned by the VFS. */
  fs: unknown;
  /** IPC namespace, owned by the IPC subsystem. */
  ipc: unknown;
  /** UTS namespace. */
  uts: UtsNamespace;
  /** User namespace: the ids the process sees (credentials are kernel ids). */
  userNs: UserNamespace;
  /**
   * The program generation (`execGeneration`) up to which the process holds every
   * capability in its user namespace, given by `CLONE_NEWUSER` (-1: none).
   */
  userNsCapsGen: number = -1;
  /** Cgroup. */
  cgroup: Cgroup;
  /** PID namespace new children are created in. */
  childPidNs: PidNamespace<Process>;
  /** Root of the process's cgroup namespace (`/proc/self/cgroup` and cgroupfs are relative to it). */
  cgroupNsRoot: Cgroup;
  /** argv of the current program. */
  argv: string[] = [];
  /** Environment of the current program. */
  env: string[] = [];
  /** Command name (`comm`, 15 chars): basename of the program. */
  comm = "";
  /** Path of the program file. */
  exePath = "";
  /** Start time, `performance.now()` ms. */
  readonly startMs: number = performance.now();
  /** Start time, wall clock ms since the epoch. */
  readonly startWallMs: number = Date.now();
  /** State. */
  state: ProcState = { kind: "running" };
  /** Whether the process has exited (zombie or reaped): a fast copy of `state`. */
  dead = false;
  /** Bumped by every exec, so a replaced program's end is ignored. */
  execGeneration = 0;
  /** Rlimits by resource: [soft, hard]. */
  readonly rlimits: Map<number, [number, number]> = new Map([[7, [1024, 1048576]]]);

  // scheduler
  /** Virtual runtime. */
  vruntime = 0;
  /** Slot in its cgroup's run queue (RunQueue). */
  slot: number = -1;
  /** Queueing order in its cgroup's run queue (RunQueue). */
  rqSeq: number = 0;
  /** Nice value, -20 (most favoured) to 19 (`setpriority`; inherited by children). */
  nice = 0;
  /** Vruntime scale of the nice value: 1024 / Linux's `sched_prio_to_weight[nice + 20]`. */
  niceScale = 1;
  /** Always false. */
  readonly isGroup: boolean = false;
  /** User CPU time, µs. */
  utimeUs = 0;
  /** System CPU time, µs. */
  stimeUs = 0;
  /** System time of the current slice. */
  sliceSysUs = 0;
  /** Counter of non-blocking calls for sampled system-time accounting. */
  syscallSample = 0;
  /** Counter of calls that returned at once, for sampled checks of the slice's end. */
  clockCheck: number = 0;
  /** CPU time of reaped children, µs. */
  cutimeUs = 0;
  /** System CPU time of reaped children, µs. */
  cstimeUs = 0;
  /** Pending CPU wait. */
  cpuWait: CpuWait | null = null;
  /** Stopped by a stop signal. */
  stopped = false;
  /** A stop not yet reported to `wait4(WUNTRACED)`: the signal. */
  stopToReport = 0;
  /** A continue not yet reported to `wait4(WCONTINUED)`. */
  contToReport = false;

  // signals
  /** Pending signals (bit n-1 = signal n). */
  pending = 0n;
  /** Blocked signals. */
  blocked = 0n;
  /** Dispositions other than default. */
  readonly handlers: Map<number, SignalDisposition> = new Map();
  /** `SA` flags of the handlers (absent = 0). */
  readonly handlerFlags: Map<number, number> = new Map();
  /** Whether a pending, unblocked signal with a handler waits for delivery. */
  hasDeliverable = false;
  /** The current interruptible sleeps (a signal interrupts them). */
  readonly interrupts: SleepList = new SleepList();
  /**
   * The sleep `block` made last: when a system call returns its promise as is, the syscall
   * layer takes the sleep over ({@link Sleep.handOff}) instead of wrapping the promise.
   */
  lastSleep: Sleep | null = null;
  /** The signal that killed the process, 0 if none. */
  killedBy = 0;
  /** Timer of `alarm`. */
  alarmTimer: KernelTimer | undefined;
  /** When the alarm fires, ms. */
  alarmAtMs = 0;

  // executor
  /** Reject CPU waits with ProcessKilled on kill. */
  unwindOnKill = false;
  /** Callbacks to run at exit. */
  readonly exitCallbacks: (() => void)[] = [];
  /** Waiters for a state change of a child (wait4). */
  readonly childWaiters: Set<() => void> = new Set();
  /** The system call object, created once. */
  sys: Syscalls | null = null;
  /** The file-family implementations (unwrapped), created once. */
  files: unknown = null;
  /** The IPC-family implementations (unwrapped), created once. */
  ipcCalls: unknown = null;
  /** Memory charged for this process by kind, bytes. */
  readonly charged: Record<MemoryKind, number> = { anon: 0, file: 0, kernel: 0, pipe: 0, ipc: 0 };
  /** Delay owed for allocations over `memory.high`, ms (paid at the next blocking-capable call). */
  highPenaltyMs = 0;
  /** Peak resident memory, bytes. */
  peakRss = 0;
  /** Bytes of heap the program declared with `sbrk` (charged as anon; see api.ts). */
  heapBytes = 0;
  /** Task.memory: charges count in the process's cgroup and in its own accounting. */
  readonly memory: MemoryCharger;
  readonly #host: ProcessHost;

  /**
   * A process in the running state, with nothing charged yet.
   *
   * @param init Construction parameters.
   */
  constructor(init: ProcessInit) {
    this.pid = init.pid;
    this.parent = init.parent;
    this.pgrp = init.pgrp;
    this.session = init.session;
    this.cred = { ...init.cred, groups: [...init.cred.groups] };
    this.fs = init.fs;
    this.ipc = init.ipc;
    this.uts = init.uts;
    this.userNs = init.userNs;
    this.cgroup = init.cgroup;
    this.childPidNs = init.childPidNs;
    this.cgroupNsRoot = init.cgroupNsRoot;
    this.#host = init.host;
    this.memory = {
      tryCharge: (bytes, kind) => this.tryCharge(bytes, kind),
      uncharge: (bytes, kind) => this.uncharge(bytes, kind),
    };
  }

  /** Global pid (Task.id). */
  get id(): number {
    return this.pid.global;
  }

  /** The PID namespace the process lives in. */
  get pidNs(): PidNamespace<Process> {
    const ns = this.pid.namespaces[this.pid.namespaces.length - 1];
    if (!ns) throw new Error("process without a PID namespace");
    return ns;
  }

  /** Pid in its own namespace (Task.nsPid). */
  get nsPid(): number {
    return this.pid.numbers[this.pid.numbers.length - 1] ?? 0;
  }

  /** Whether the process has not exited. */
  get alive(): boolean {
    return !this.dead;
  }

  /** Resident memory: anon + kernel bytes charged. */
  get rssBytes(): number {
    return this.charged.anon + this.charged.kernel;
  }

  /**
   * Charge memory to the process's cgroup and to the process.
   *
   * @param bytes Bytes.
   * @param kind Kind.
   * @returns false when refused by a `memory.max`.
   */
  tryCharge(bytes: number, kind: MemoryKind): boolean {
    if (chargeMemory(this.cgroup, bytes, kind) !== null) return false;
    this.charged[kind] += bytes;
    const rss = this.rssBytes;
    if (rss > this.peakRss) this.peakRss = rss;
    return true;
  }

  /**
   * Uncharge memory charged by {@link tryCharge}.
   *
   * @param bytes Bytes.
   * @param kind Kind.
   */
  uncharge(bytes: number, kind: MemoryKind): void {
    const n = Math.min(bytes, this.charged[kind]);
    this.charged[kind] -= n;
    unchargeMemory(this.cgroup, n, kind);
  }

  /**
   * Owe a delay for a charge that left a cgroup over its `memory.high` (Linux's
   * `mem_cgroup_handle_over_high`): 10 ms plus 1 s per 100 % of excess, at most 2 s, paid
   * at the process's next return from a blocking-capable call or preemption point.
   *
   * @param excess How far over the limit, as a fraction of it.
   */
  throttleOverHigh(excess: number): void {
    this.highPenaltyMs = Math.min(2000, Math.max(this.highPenaltyMs, 10 + 1000 * excess));
  }

  /** Kill on behalf of the OOM killer. */
  oomKill(): void {
    this.#host.sendSignal(this, 9);
  }

  /** Send a signal to this process (Task.signal). */
  signal(sig: number): void {
    this.#host.sendSignal(this, sig);
  }

  /**
   * Sleep until `wake` settles, interruptibly (Task.block).
   *
   * @param wake What ends the sleep.
   * @param cancel Called when a signal interrupts the sleep.
   * @returns The value of `wake`, or `Errno.EINTR`.
   */
  block<T>(wake: PromiseLike<T>, cancel?: () => void): Promise<T | Errno> {
    if (this.hasDeliverable || !this.alive) {
      cancel?.();
      return Promise.resolve(Errno.EINTR);
    }
    const direct = isDirectWake(wake);
    let s!: Sleep;
    const promise = new Promise<T | Errno>((resolve, reject) => {
      s = new Sleep(
        this.interrupts,
        resolve as (v: unknown) => void,
        reject,
        cancel ?? (direct ? wake : undefined),
      );
    });
    s.promise = promise;
    this.interrupts.add(s);
    this.lastSleep = s;
    if (direct) wake.sleepInto(s);
    else wake.then((v) => s.settle(v, false), (e) => s.settle(e, true));
    return promise;
  }

  /** Interrupt every interruptible sleep of the process (EINTR). */
  interruptSleeps(): void {
    for (const s of this.interrupts.snapshot()) s.interrupt();
  }

  /** Notify waiters in `wait4` that a child changed state. */
  notifyChildChange(): void {
    for (const w of [...this.childWaiters]) w();
  }
}

/** One interruptible sleep (`Process.block`): settled once, by its wake-up or a signal. */
export class Sleep {
  /** Slot in the process's list, -1 once settled. */
  slot: number = -1;
  /** The promise `block` returned for this sleep. */
  promise: Promise<unknown> | null = null;
  #handOff: SleepTarget | null = null;

  /**
   * A sleep of a process, not yet registered.
   *
   * @param list The process's sleeps.
   * @param resolve Settles the blocked call with a value.
   * @param reject Settles the blocked call with an error.
   * @param cancel Unregisters the waiter when a signal interrupts the sleep.
   */
  constructor(
    private readonly list: SleepList,
    private readonly resolve: (v: unknown) => void,
    private readonly reject: (e: unknown) => void,
    private readonly cancel: (() => void) | DirectWake<unknown> | undefined,
  ) {}

  /**
   * The wake-up came: settle with its value or error.
   *
   * @param v The value or error.
   * @param failed Whether `v` is an error.
   */
  settle(v: unknown, failed: boolean): void {
    if (this.slot < 0) return;
    this.list.delete(this);
    if (this.#handOff) this.#handOff.settle(v, failed);
    else this.finish(v, failed);
  }

  /** A signal interrupts the sleep: the waiter unregisters, the call gets `EINTR`. */
  interrupt(): void {
    if (this.slot < 0) return;
    this.list.delete(this);
    const c = this.cancel;
    let v: unknown = Errno.EINTR;
    if (typeof c === "function") c();
    else v = c?.cancelSleep() ?? Errno.EINTR;
    if (this.#handOff) this.#handOff.settle(v, false);
    else this.resolve(v);
  }

  /**
   * Let `to` receive the outcome when the sleep ends, instead of the promise: the system-call
   * layer settles the promise itself with {@link finish} once the process has the CPU again
   * (one promise per sleeping call, not two).
   *
   * @param to Receives the value or error.
   */
  handOff(to: SleepTarget): void {
    this.#handOff = to;
  }

  /**
   * Settle the promise `block` returned.
   *
   * @param v The value (or a promise of it) or error.
   * @param failed Whether `v` is an error.
   */
  finish(v: unknown, failed: boolean): void {
    if (failed) this.reject(v);
    else this.resolve(v);
  }
}

/** The current sleeps of a process (a {@link SlotList}: one add and delete per blocking call). */
export class SleepList extends SlotList<Sleep> {
  /**
   * A copy of the current sleeps (interrupting one changes the list).
   *
   * @returns The sleeps.
   */
  snapshot(): Sleep[] {
    return this.items.slice();
  }
}
