/**
 * The CFS-like scheduler of the one emulated CPU.
 *
 * - Runnable entities wait in per-cgroup run queues; the next process is found by walking
 *   down from the root cgroup, taking at each level the entity with the lowest virtual
 *   runtime (group scheduling, as Linux CFS with cgroup v2).
 * - A process that ran Δ µs adds Δ·1024/w(nice) to its own vruntime (Linux's nice-to-weight
 *   table: each nice step is ~10% of CPU against a sibling) and Δ·100/`cpu.weight` to the
 *   vruntime of every cgroup on its path, so a parent's share divides among its children by
 *   weight.
 * - `cpu.max` bandwidth: a cgroup that used its quota in the current period is throttled
 *   (removed from its parent's queue) until the period ends; overruns carry over as debt.
 * - A process holds the CPU for a slice (default 4 ms); it gives it back when it blocks,
 *   yields, exits, or reaches a preemption point after its slice ends.
 * - Dispatch is chained through microtasks, and goes through a `MessageChannel` message
 *   (a host macrotask turn, ≈ 2 µs) when the host has not had a turn for `hostYieldMs`.
 *   Measured on Deno 2.9: a chain of MessageChannel (or setImmediate) turns starves
 *   `Deno.serve` and timers for as long as the CPU stays busy (a request waited the whole
 *   3 s of a busy run), because those turns never reach the I/O poll. So at least every
 *   `ioTurnMs` (default 4 ms) the dispatch waits for the completion of tiny host
 *   operations instead: three one-byte digests in a row (async ops needing no permission),
 *   each coming back through one event-loop iteration with its poll phase (≈ 0.07–0.3 ms
 *   each; a request needs several iterations: accept, read, answer, flush); and every
 *   fourth such turn is a `setTimeout(0)` turn (≈ 2 ms: the loop sleeps for the timer),
 *   for the host's own timers. Measured on Deno 2.9 next to spinning programs: timer turns
 *   alone left programs half the CPU; one op per turn left 0.9 of it but a `/_ping` next
 *   to a fork bomb took up to 450 ms; ops alone (three per turn) left ~0.9 but a WASI
 *   sleeper's wake-up next to a spinner was now and then 170–350 ms late, because host
 *   timers fire late without a turn that sleeps. Kernel sleeps do not depend on the host's
 *   timers: each dispatch fires the kernel timers that are due (timers.ts), as Linux's tick
 *   does, so the timer turns only serve the host. One in sixteen would make a 1-byte pipe
 *   ping-pong ≈ 15% faster (1.27 against 1.47 µs), but the daemon, which then sleeps less,
 *   once answered `/_ping` next to a fork bomb after 6.4 s in the parallel test suite on
 *   this 2-core machine, and next to three host CPU hogs its worst `/_ping` was 29–496 ms
 *   (median of five runs 132 ms) against 38–168 ms (66 ms) with one in four. With nothing runnable the scheduler does nothing at all: no polling, no timers
 *   (except throttle ends).
 *
 * @module
 */
import { SelfPort } from "./self_port.ts";
import type { Cgroup, SchedEntity } from "./cgroup.ts";
import { clearKernelTimeout, runDueTimers, setKernelTimeout } from "./timers.ts";

/** A process as the scheduler sees it. */
export interface Schedulable extends SchedEntity {
  /** The cgroup the process belongs to. */
  readonly cgroup: Cgroup;
  /** User CPU time, µs. */
  utimeUs: number;
  /** System CPU time, µs. */
  stimeUs: number;
  /** System time spent in the current slice so far (syscalls), µs. */
  sliceSysUs: number;
  /** The pending CPU wait, or null. */
  cpuWait: CpuWait | null;
  /** Whether the process is stopped (SIGSTOP): it waits but is not queued. */
  stopped: boolean;
  /** Vruntime scale of its nice value (1 at nice 0). */
  readonly niceScale: number;
}

/** A pending wait for the CPU. */
export interface CpuWait {
  /** Called when the CPU is granted. */
  resolve(): void;
  /** Called when the process is killed (unwinding executors). */
  reject(err: unknown): void;
}

/** Input of the host operation whose completion gives the event loop an I/O turn. */
const ONE_BYTE = new Uint8Array(1);
/** Host operations awaited in a row per I/O turn: event-loop iterations (see the module doc). */
const OPS_PER_TURN = 3;
/** Every how many I/O turns one is a `setTimeout(0)` turn instead (see the module doc). */
const TIMER_TURN_EVERY = 4;

/** One host operation: its completion comes back through an event-loop iteration. */
function hostOp(): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-1", ONE_BYTE);
}

/** Message kind of a dispatch (stall checks carry the grant number, always > 0). */
const DISPATCH = 0;

/** Scheduler tunables. */
export interface SchedulerOptions {
  /** Slice length, ms (default 4). */
  sliceMs?: number;
  /** Longest run of microtask-chained dispatches before a host macrotask turn, ms (default 2). */
  hostYieldMs?: number;
  /** Longest time without a full event-loop turn (timers and I/O), ms (default 4). */
  ioTurnMs?: number;
  /**
   * Most CPU time one slice is charged, ms (default 50): a longer slice means the host did
   * not run the kernel meanwhile (a loaded machine), or a program ran that long without a
   * preemption point (a builtin computing without system calls), which the cap also bounds.
   */
  maxChargeMs?: number;
}

/** The scheduler of one kernel. */
export class Scheduler {
  /** The process holding the CPU, or null when idle. */
  current: Schedulable | null = null;
  /** When the current slice began, ms. */
  sliceStartMs = 0;
  /** When the current slice ends, ms. */
  sliceEndMs = 0;
  /** Number of dispatches (context switches) so far. */
  switches = 0;
  readonly #root: Cgroup;
  readonly #sliceMs: number;
  readonly #hostYieldMs: number;
  readonly #ioTurnMs: number;
  readonly #maxChargeMs: number;
  #lastIoTurnMs = performance.now();
  /** The pending I/O turn, if any. */
  #ioTurn: Promise<void> | null = null;
  #ioTimer: ReturnType<typeof setTimeout> | undefined;
  #ioTurns = 0;
  #idle = true;
  #idleCheck = false;
  #scheduled = false;
  /** Clock value of the last release, reused by a dispatch chained in the same turn. */
  #lastNow = 0;
  #lastHostTurnMs = performance.now();
  /** Number of the current CPU grant (stall checks compare it). */
  #grant = 1;
  #stallArmed = false;
  #stopped = false;
  readonly #throttledGroups = new Set<Cgroup>();

  /**
   * An idle scheduler over the cgroup tree of `root`.
   *
   * @param root The root cgroup.
   * @param opts Tunables.
   */
  constructor(root: Cgroup, opts: SchedulerOptions = {}) {
    this.#root = root;
    this.#sliceMs = opts.sliceMs ?? 4;
    this.#hostYieldMs = opts.hostYieldMs ?? 2;
    this.#ioTurnMs = opts.ioTurnMs ?? 4;
    this.#maxChargeMs = opts.maxChargeMs ?? 50;
  }

  /**
   * Ask for the CPU: `p` becomes runnable and `wait` is called when it is granted.
   *
   * @param p The process.
   * @param wait Callbacks for the grant (or a kill).
   */
  requestCpu(p: Schedulable, wait: CpuWait): void {
    if (this.current === p && !p.stopped) {
      // It holds the CPU already, waiting on another of its calls: go on now.
      wait.resolve();
      return;
    }
    const prev = p.cpuWait;
    // A program may wait on several calls at once (Promise.all): one grant wakes them all.
    p.cpuWait = prev
      ? {
        resolve: () => {
          prev.resolve();
          wait.resolve();
        },
        reject: (err) => {
          prev.reject(err);
          wait.reject(err);
        },
      }
      : wait;
    if (!p.stopped) this.#enqueue(p);
  }

  /**
   * Run `w` once the microtasks queued so far have run: for a sleeper woken from inside
   * another process's call, whose request for the CPU must wait until that process has
   * released it or gone on (one shared microtask per batch, no closure per wake-up).
   *
   * @param w What to run.
   */
  soon(w: { run(): void }): void {
    this.#soon.push(w);
    if (this.#soon.length === 1) queueMicrotask(this.#runSoon);
  }

  readonly #soon: { run(): void }[] = [];

  readonly #runSoon = (): void => {
    const list = this.#soon;
    try {
      // Runs may add more: they are run in this pass too.
      for (let i = 0; i < list.length; i++) (list[i] as { run(): void }).run();
    } finally {
      list.length = 0;
    }
  };

  /**
   * Ask for the CPU and get a promise of the grant.
   *
   * @param p The process.
   * @returns A promise resolved when `p` holds the CPU.
   */
  waitCpu(p: Schedulable): Promise<void> {
    return new Promise<void>((resolve, reject) => this.requestCpu(p, { resolve, reject }));
  }

  /** Whether the current slice is used up. */
  sliceExpired(): boolean {
    return performance.now() >= this.sliceEndMs;
  }

  /**
   * The current process gives the CPU back (it blocks, yields or exits). Its CPU time is
   * accounted; another process is dispatched.
   *
   * @param p The current process.
   * @param now The time, if the caller just read the clock (a read costs ~0.2 µs here).
   */
  release(p: Schedulable, now: number = performance.now()): void {
    if (this.current !== p) return;
    this.#account(p, now);
    this.current = null;
    this.#lastNow = now;
    this.#schedule();
  }

  /**
   * Forget a process that died: give back its CPU or drop it from its run queue.
   *
   * @param p The process.
   * @returns The pending CPU wait it had, if any (so the caller can reject it).
   */
  remove(p: Schedulable): CpuWait | null {
    if (this.current === p) this.release(p);
    this.#dequeue(p);
    const w = p.cpuWait;
    p.cpuWait = null;
    return w;
  }

  /** A stopped process continues: queue its pending CPU wait. */
  resume(p: Schedulable): void {
    if (p.cpuWait && !p.stopped) this.#enqueue(p);
  }

  /** A process stops: take it out of its run queue (its CPU wait stays pending). */
  suspend(p: Schedulable): void {
    this.#dequeue(p);
  }

  /** A cgroup's freeze state or bandwidth settings changed: requeue it. */
  refreshGroup(g: Cgroup): void {
    this.#refreshGroup(g);
    if (g.cpuQuotaUs === null && g.throttled) this.#unthrottle(g, performance.now());
    this.#schedule();
  }

  /** Move a queued process to another cgroup's run queue after its cgroup changed. */
  requeue(p: Schedulable, oldGroup: Cgroup): void {
    if (!oldGroup.runq.has(p)) return;
    oldGroup.runq.delete(p);
    this.#refreshGroup(oldGroup);
    this.#enqueue(p);
  }

  /**
   * Stop dispatching and cancel timers (kernel shutdown).
   *
   * @returns When the pending I/O turn (a host operation that cannot be cancelled) is over.
   */
  shutdown(): Promise<void> {
    this.#stopped = true;
    if (this.#ioTimer !== undefined) {
      // A cancelled timer turn never settles: nothing is left to wait for.
      clearTimeout(this.#ioTimer);
      this.#ioTimer = undefined;
      this.#ioTurn = null;
    }
    for (const g of this.#throttledGroups) clearKernelTimeout(g.unthrottleTimer);
    this.#throttledGroups.clear();
    this.#port.close();
    return this.#ioTurn ?? Promise.resolve();
  }

  #enqueue(p: Schedulable): void {
    const g = p.cgroup;
    if (g.runq.has(p)) return;
    if (p.vruntime < g.minVruntime) p.vruntime = g.minVruntime;
    g.runq.add(p);
    this.#refreshGroup(g);
    if (this.current) this.#armStallCheck();
    else this.#schedule(true);
  }

  #dequeue(p: Schedulable): void {
    const g = p.cgroup;
    if (g.runq.delete(p)) this.#refreshGroup(g);
  }

  #refreshGroup(start: Cgroup): void {
    for (let g: Cgroup = start; g.parent; g = g.parent) {
      const active = g.runq.size > 0 && !g.throttled && !g.freezeSelf;
      if (active === g.enqueued) return;
      const parent = g.parent;
      if (active) {
        if (g.vruntime < parent.minVruntime) g.vruntime = parent.minVruntime;
        parent.runq.add(g);
      } else {
        parent.runq.delete(g);
      }
      g.enqueued = active;
    }
  }

  /**
   * Arrange the next dispatch. `wake`: a process just became runnable on an idle CPU, which
   * it takes at once (as Linux runs a woken task on an idle CPU); after a release the
   * dispatch waits for the microtasks queued so far, so that the releasing process (which
   * re-queues right after, when preempted) competes for the pick.
   */
  #schedule(wake = false): void {
    if (this.#scheduled || this.current || this.#stopped) return;
    if (this.#root.runq.size === 0) {
      // Still nothing to run once the microtasks queued so far settle (a preempted process
      // re-queues synchronously; a process woken by the one that just blocked asks a few
      // microtasks later, and its dispatch reuses the clock value of the release): idle.
      // The next wake-up comes from a host callback, itself a fresh event-loop turn.
      if (!this.#idleCheck) {
        this.#idleCheck = true;
        queueMicrotask(this.#checkIdle);
      }
      return;
    }
    this.#scheduled = true;
    const now = this.#lastNow || performance.now();
    if (this.#idle) {
      this.#idle = false;
      this.#lastIoTurnMs = this.#lastHostTurnMs = now;
    }
    if (now - this.#lastIoTurnMs >= this.#ioTurnMs) {
      this.#lastNow = 0;
      const turn = () => {
        this.#ioTurn = null;
        this.#ioTimer = undefined;
        this.#lastIoTurnMs = this.#lastHostTurnMs = this.#lastNow = performance.now();
        this.#dispatch();
      };
      if (++this.#ioTurns % TIMER_TURN_EVERY === 0) {
        this.#ioTurn = new Promise<void>((r) => (this.#ioTimer = setTimeout(r, 0))).then(turn);
      } else {
        let p = hostOp();
        for (let i = 1; i < OPS_PER_TURN; i++) p = p.then(hostOp);
        this.#ioTurn = p.then(turn, turn);
      }
    } else if (now - this.#lastHostTurnMs >= this.#hostYieldMs) {
      this.#lastNow = 0;
      this.#post(DISPATCH);
    } else if (wake) {
      this.#dispatch();
    } else {
      queueMicrotask(this.#dispatchNext);
    }
  }

  /** `#dispatch` as a microtask (one function for every dispatch: no closure each). */
  readonly #dispatchNext = (): void => this.#dispatch();

  /** The idle check as a microtask (see `#schedule`). */
  readonly #checkIdle = (): void => {
    this.#idleCheck = false;
    if (!this.current && !this.#scheduled && this.#root.runq.size === 0) {
      this.#idle = true;
      this.#lastNow = 0;
    }
  };

  /** Post a message to ourselves: a host macrotask turn (see self_port.ts). */
  #post(kind: number): void {
    this.#port.post(kind);
  }

  readonly #port = new SelfPort<number>((m) => {
    if (m === DISPATCH) {
      this.#lastHostTurnMs = this.#lastNow = performance.now();
      this.#dispatch();
    } else this.#stallCheck(m);
  });

  /**
   * Runs once the microtasks of the turn that granted the CPU have settled. If the same
   * grant is still current, the process is not executing (single thread): it awaits
   * something that is not a system call (several calls at once, a host promise). It gives
   * the CPU back; its next system call or completion asks for it again.
   */
  #stallCheck(grant: number): void {
    this.#stallArmed = false;
    const p = this.current;
    if (p && this.#grant === grant && !this.#stopped) this.release(p);
  }

  /** Arm a stall check of the current grant (someone else wants the CPU). */
  #armStallCheck(): void {
    if (this.#stallArmed || !this.current || this.#stopped) return;
    this.#stallArmed = true;
    this.#post(this.#grant);
  }

  #dispatch(): void {
    this.#scheduled = false;
    if (this.current || this.#stopped) return;
    const now = this.#lastNow || performance.now();
    this.#lastNow = 0;
    // The tick: sleeps that ended while the CPU was busy wake now (their wake-ups queue
    // microtasks; a timer may also stop or kill a queued process).
    runDueTimers(now);
    // A timer may have woken a process, whose request dispatched it already.
    if (this.current || this.#stopped) return;
    const p = this.#pick();
    if (!p) return;
    this.#dequeue(p);
    let end = now + this.#sliceMs;
    for (let g: Cgroup | null = p.cgroup; g; g = g.parent) {
      if (g.cpuQuotaUs === null) continue;
      this.#refreshPeriod(g, now);
      const left = Math.max(0.05, (g.cpuQuotaUs - g.periodUsedUs) / 1000);
      if (now + left < end) end = now + left;
    }
    this.current = p;
    this.#grant += 1;
    this.sliceStartMs = now;
    this.sliceEndMs = end;
    p.sliceSysUs = 0;
    this.switches++;
    const w = p.cpuWait;
    p.cpuWait = null;
    w?.resolve();
  }

  #pick(): Schedulable | null {
    let g: Cgroup = this.#root;
    for (;;) {
      const best = g.runq.min();
      if (!best) return null;
      if (best.vruntime > g.minVruntime) g.minVruntime = best.vruntime;
      if (!best.isGroup) return best as Schedulable;
      g = best as Cgroup;
    }
  }

  #account(p: Schedulable, now: number): void {
    // A slice is charged at most `maxChargeMs`: wall time beyond it is the host (OS, other
    // threads of the daemon) not running the kernel, not the process using the CPU.
    const us = Math.max(0, Math.min(now - this.sliceStartMs, this.#maxChargeMs) * 1000);
    const sys = Math.min(us, p.sliceSysUs);
    p.sliceSysUs = 0;
    p.stimeUs += sys;
    p.utimeUs += us - sys;
    p.vruntime += us * p.niceScale;
    for (let g: Cgroup | null = p.cgroup; g; g = g.parent) {
      g.usageUs += us;
      g.systemUs += sys;
      g.userUs += us - sys;
      if (g.parent) g.vruntime += (us * 100) / g.cpuWeight;
      if (g.cpuQuotaUs !== null) {
        this.#refreshPeriod(g, now);
        g.periodUsedUs += us;
        if (!g.throttled && g.periodUsedUs >= g.cpuQuotaUs) this.#throttle(g, now);
      }
    }
  }

  #refreshPeriod(g: Cgroup, now: number): void {
    const periodMs = g.cpuPeriodUs / 1000;
    if (g.periodStartMs === 0) g.periodStartMs = now;
    if (now < g.periodStartMs + periodMs) return;
    const n = Math.floor((now - g.periodStartMs) / periodMs);
    g.periodStartMs += n * periodMs;
    // As Linux's period timer: elapsed periods count while the group is active, and
    // periods that end with the group throttled count as throttled.
    if (g.throttled) {
      g.nrPeriods += n;
      g.nrThrottled += n;
    } else if (g.periodUsedUs > 0) g.nrPeriods += 1;
    g.periodUsedUs = Math.max(0, g.periodUsedUs - n * (g.cpuQuotaUs ?? 0));
  }

  #throttle(g: Cgroup, now: number): void {
    g.throttled = true;
    g.throttledAtMs = now;
    this.#throttledGroups.add(g);
    this.#refreshGroup(g);
    this.#armUnthrottle(g, now);
  }

  #armUnthrottle(g: Cgroup, now: number): void {
    clearKernelTimeout(g.unthrottleTimer);
    const periodMs = g.cpuPeriodUs / 1000;
    const delay = Math.max(0, g.periodStartMs + periodMs - now);
    const boundary = g.periodStartMs + periodMs;
    g.unthrottleTimer = setKernelTimeout(() => {
      g.unthrottleTimer = undefined;
      // The timer may fire at a dispatch with an older clock value: the boundary has passed.
      const t = Math.max(performance.now(), boundary);
      this.#refreshPeriod(g, t);
      if (g.cpuQuotaUs !== null && g.periodUsedUs >= g.cpuQuotaUs) {
        this.#armUnthrottle(g, t);
        return;
      }
      this.#unthrottle(g, t);
    }, delay);
  }

  #unthrottle(g: Cgroup, now: number): void {
    clearKernelTimeout(g.unthrottleTimer);
    g.unthrottleTimer = undefined;
    if (!g.throttled) return;
    g.throttled = false;
    g.throttledUs += (now - g.throttledAtMs) * 1000;
    this.#throttledGroups.delete(g);
    this.#refreshGroup(g);
    this.#schedule();
  }
}
