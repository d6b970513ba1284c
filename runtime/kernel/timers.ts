/**
 * Kernel timers: the deadlines of sleeping calls (`nanosleep`, `poll`, `alarm`, timed IPC
 * waits, `memory.high` delays, `cpu.max` period ends).
 *
 * Each timer is a host `setTimeout` (which wakes an idle kernel) and an entry in a
 * deadline heap that every scheduler checks at each dispatch, with the clock value it
 * reads anyway: a busy CPU fires due timers itself, the way Linux's tick does, instead of
 * waiting for the host event loop to reach its timer phase (which a chain of dispatches
 * reaches only at the scheduler's rarer timer turns). Whichever comes first fires the
 * timer, once; the other is cancelled. A timer never fires before its deadline on the
 * kernel's clock (`performance.now()`): a host timer that comes back early waits again for
 * the rest.
 *
 * The heap is shared by every kernel of the host process, as the host's own timer queue is.
 *
 * @module
 */

/** A pending kernel timer. */
export interface KernelTimer {
  /** Deadline, `performance.now()` ms. */
  readonly at: number;
  /** Position in the heap, -1 once fired or cancelled. */
  index: number;
  /** What runs at the deadline. */
  readonly run: () => void;
  /** The host timer that wakes an idle kernel. */
  host: ReturnType<typeof setTimeout> | undefined;
}

const heap: KernelTimer[] = [];

/**
 * Run `run` once, `ms` milliseconds from now (as `setTimeout`, but also fired by a busy
 * scheduler as soon as the deadline passes).
 *
 * @param run The callback.
 * @param ms Delay, ms.
 * @returns The timer, for {@link clearKernelTimeout}.
 */
export function setKernelTimeout(run: () => void, ms: number): KernelTimer {
  const delay = Math.max(0, ms);
  const t: KernelTimer = {
    at: performance.now() + delay,
    index: heap.length,
    run,
    host: undefined,
  };
  heap.push(t);
  up(t.index);
  armHost(t, delay);
  return t;
}

function armHost(t: KernelTimer, delay: number): void {
  t.host = setTimeout(() => {
    t.host = undefined;
    if (t.index < 0) return;
    const left = t.at - performance.now();
    if (left > 0) armHost(t, left);
    else fire(t);
  }, delay);
}

/**
 * Cancel a timer (no-op when it already fired, was cancelled, or is undefined).
 *
 * @param t The timer.
 */
export function clearKernelTimeout(t: KernelTimer | undefined): void {
  if (!t || t.index < 0) return;
  remove(t);
  clearTimeout(t.host);
  t.host = undefined;
}

/**
 * Fire every timer whose deadline is at or before `now` (called by the schedulers).
 *
 * @param now The current `performance.now()`.
 */
export function runDueTimers(now: number): void {
  while (heap.length > 0 && (heap[0] as KernelTimer).at <= now) {
    const t = heap[0] as KernelTimer;
    clearTimeout(t.host);
    t.host = undefined;
    fire(t);
  }
}

/** A delay on a kernel timer: its promise, and a way to cancel it. */
export interface KernelDelay<T> {
  /** Resolved with the value after the delay; never settles once cancelled. */
  promise: Promise<T>;
  /** Cancel the timer (no-op once fired or cancelled). */
  cancel: () => void;
}

/**
 * A promise resolved with `value` after `ms`, and a way to cancel it (the promise then
 * never settles).
 *
 * @param ms Delay, ms.
 * @param value What the promise resolves with.
 * @returns The promise and its cancel function.
 */
export function kernelDelay<T>(ms: number, value: T): KernelDelay<T> {
  let timer: KernelTimer | undefined;
  const promise = new Promise<T>((resolve) => (timer = setKernelTimeout(() => resolve(value), ms)));
  return { promise, cancel: () => clearKernelTimeout(timer) };
}

function fire(t: KernelTimer): void {
  remove(t);
  t.run();
}

function remove(t: KernelTimer): void {
  const i = t.index;
  t.index = -1;
  const last = heap.pop() as KernelTimer;
  if (last === t) return;
  heap[i] = last;
  last.index = i;
  down(i);
  up(last.index);
}

function swap(i: number, j: number): void {
  const a = heap[i] as KernelTimer;
  const b = heap[j] as KernelTimer;
  heap[i] = b;
  heap[j] = a;
  a.index = j;
  b.index = i;
}

function up(i: number): void {
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if ((heap[parent] as KernelTimer).at <= (heap[i] as KernelTimer).at) return;
    swap(i, parent);
    i = parent;
  }
}

function down(i: number): void {
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < heap.length && (heap[l] as KernelTimer).at < (heap[m] as KernelTimer).at) m = l;
    if (r < heap.length && (heap[r] as KernelTimer).at < (heap[m] as KernelTimer).at) m = r;
    if (m === i) return;
    swap(i, m);
    i = m;
  }
}
