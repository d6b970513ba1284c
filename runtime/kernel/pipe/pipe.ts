/**
 * Pipes and FIFOs: a 64 KiB byte buffer between readers and writers, like Linux's.
 *
 * - A read with data returns what is there; with no data and no writer it returns 0 (EOF);
 *   otherwise it sleeps (through `Task.block`, so signals interrupt it with `EINTR`) or,
 *   with `O_NONBLOCK`, returns `EAGAIN`.
 * - A write with no reader raises `SIGPIPE` on the writer and returns `EPIPE`. Writes of at
 *   most {@link PIPE_BUF} bytes are atomic (never interleaved with another write); larger
 *   writes may be split and sleep until everything is written (`O_NONBLOCK`: partial count
 *   or `EAGAIN`).
 * - The buffer is charged (kind "pipe") by page to the memory cgroup of the writer whose
 *   bytes needed the page, and one emptied page stays charged for the next write while the
 *   pipe is open, as Linux allocates pipe buffers by page and keeps a `tmp_page` (so a
 *   small-message ping-pong charges nothing after its first write). A refused charge fails
 *   the write with `ENOMEM` when nothing was written yet.
 * - A sleeping read or write retries inside the `notify()` that wakes it (a {@link Sleeper}),
 *   so the sleeper's `Task.block` settles with the result at once: one promise hop from a
 *   write to the reader running again, not three (a 1-byte ping-pong halves).
 *
 * @module
 */
import { Errno } from "../errno.ts";
import { DirectSleeper, type MemoryCharger } from "../task.ts";
import { type FileHandle, type IoContext, POLL } from "../vfs/types.ts";

/** Bytes a write is guaranteed atomic up to (Linux `PIPE_BUF`). */
export const PIPE_BUF = 4096;
/** Default capacity (Linux: 16 pages). */
export const PIPE_DEFAULT_SIZE = 65536;
/** Largest `F_SETPIPE_SZ` (Linux `/proc/sys/fs/pipe-max-size`). */
export const PIPE_MAX_SIZE = 1 << 20;
/** `SIGPIPE`. */
const SIGPIPE = 13;

/** Copies up to this many bytes go byte by byte. */
const SMALL_COPY = 16;

let nextPipeIno = 1;
const NOOP = (): void => {};

/** What an attempt of a sleeping call returns when it must go on sleeping. */
const AGAIN = Symbol("again");

/**
 * A sleeping read or write, given to `Task.block` as its wake-up: `then` registers the
 * block's callbacks, and the pipe's `notify()` makes the call's next attempt and hands them
 * the result synchronously (unlike a Promise, whose callbacks would run a microtask later;
 * `block` only needs them called once). An attempt that cannot finish (another reader took
 * the data first, a large write filled the pipe again) leaves the call asleep on the same
 * sleeper: it never sleeps anew from inside another process's call, which would wake the
 * process to hold the CPU while it waits.
 */
class Sleeper extends DirectSleeper<number | Errno> {
  constructor(
    private readonly pipe: Pipe,
    private readonly attempt: () => number | Errno | typeof AGAIN,
    private readonly moved: () => number,
  ) {
    super();
  }

  /** Called by the pipe at a change: try again, and settle the sleep with the outcome. */
  wake(): void {
    const target = this.takeSleep();
    if (!target) return;
    let r: number | Errno | typeof AGAIN;
    try {
      r = this.attempt();
    } catch (e) {
      target.settle(e, true);
      return;
    }
    if (r === AGAIN) {
      this.sleepInto(target);
      this.pipe.sleep(this);
    } else target.settle(r, false);
  }

  /**
   * Stop sleeping (a signal interrupted the block).
   *
   * @returns The bytes a write moved before, which it returns instead of `EINTR`.
   */
  cancelSleep(): number | void {
    this.takeSleep();
    this.pipe.forget(this);
    const moved = this.moved();
    if (moved > 0) return moved;
  }
}

/** Pages of the buffer charged to one writer's cgroup, oldest first. */
interface Charge {
  memory: MemoryCharger | null;
  pages: number;
}

/** Unit of pipe buffer charges (a page). */
const PAGE = 4096;

/** A pipe buffer with its reader and writer counts. */
export class Pipe {
  /** Inode number for `pipe:[N]`. */
  readonly ino: number = nextPipeIno++;
  /** Capacity in bytes (`F_SETPIPE_SZ`). */
  capacity: number = PIPE_DEFAULT_SIZE;
  /** Open read ends. */
  readers = 0;
  /** Open write ends. */
  writers = 0;
  /** Ring buffer (allocated on first write, dropped when the pipe is drained). */
  #ring: Uint8Array | null = null;
  #head = 0;
  #size = 0;
  #charges: Charge[] = [];
  /** Pages charged (the sum of `#charges`). */
  #pages = 0;
  #wait: { promise: Promise<void>; cancel: () => void } | null = null;
  #resolve: (() => void) | null = null;
  #sleepers: Sleeper[] = [];

  /** Bytes buffered. */
  get size(): number {
    return this.#size;
  }

  /** Wake everyone sleeping on this pipe (data, space, or an end closed). */
  notify(): void {
    const r = this.#resolve;
    if (r) {
      this.#wait = null;
      this.#resolve = null;
      r();
    }
    if (this.#sleepers.length === 0) return;
    // Sleepers that sleep again while being woken go on the fresh list.
    const woken = this.#sleepers;
    this.#sleepers = [];
    for (const s of woken) s.wake();
  }

  /**
   * Add a sleeper to wake at the next change.
   *
   * @param s The sleeper.
   */
  sleep(s: Sleeper): void {
    this.#sleepers.push(s);
  }

  /**
   * Drop a sleeper that stopped waiting.
   *
   * @param s The sleeper.
   */
  forget(s: Sleeper): void {
    const i = this.#sleepers.indexOf(s);
    if (i >= 0) this.#sleepers.splice(i, 1);
  }

  /**
   * A promise that settles at the next change (shared by every waiter, so a sleep costs
   * no allocation when someone already waits), and a way to stop waiting.
   *
   * @returns The promise and its cancel function.
   */
  changed(): { promise: Promise<void>; cancel: () => void } {
    if (!this.#wait) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.#resolve = resolve;
      this.#wait = { promise, cancel: NOOP };
    }
    return this.#wait;
  }

  /**
   * Take up to `buf.length` buffered bytes.
   *
   * @param buf Destination.
   * @returns Bytes copied (0 when empty).
   */
  take(buf: Uint8Array): number {
    const ring = this.#ring;
    const n = Math.min(buf.length, this.#size);
    if (n === 0 || !ring) return 0;
    const cap = ring.length;
    if (n <= SMALL_COPY) {
      // Byte loop: cheaper than making subarray views for a few bytes.
      let h = this.#head;
      for (let i = 0; i < n; i++) {
        buf[i] = ring[h] as number;
        if (++h === cap) h = 0;
      }
      this.#head = h;
    } else {
      const first = Math.min(n, cap - this.#head);
      buf.set(ring.subarray(this.#head, this.#head + first), 0);
      if (first < n) buf.set(ring.subarray(0, n - first), first);
      this.#head = (this.#head + n) % cap;
    }
    this.#size -= n;
    // Pages emptied are given back, except one kept for the next write.
    const keep = Math.max(1, Math.ceil(this.#size / PAGE));
    if (this.#pages > keep) this.#uncharge(this.#pages - keep);
    if (this.#size === 0) this.#head = 0;
    this.notify();
    return n;
  }

  /**
   * Append bytes (the caller checked space).
   *
   * @param data Bytes (copied).
   * @param memory Charger of the writer, or null for host-side writers.
   * @returns 0, or `ENOMEM` when the charge is refused.
   */
  put(data: Uint8Array, memory: MemoryCharger | null): 0 | Errno {
    const n = data.length;
    if (n === 0) return 0;
    const need = Math.ceil((this.#size + n) / PAGE);
    if (need > this.#pages) {
      const add = need - this.#pages;
      if (memory && !memory.tryCharge(add * PAGE, "pipe")) return Errno.ENOMEM;
      const last = this.#charges[this.#charges.length - 1];
      if (last && last.memory === memory) last.pages += add;
      else this.#charges.push({ memory, pages: add });
      this.#pages = need;
    }
    const ring = this.#ring ??= new Uint8Array(this.capacity);
    const cap = ring.length;
    const tail = (this.#head + this.#size) % cap;
    if (n <= SMALL_COPY) {
      let t = tail;
      for (let i = 0; i < n; i++) {
        ring[t] = data[i] as number;
        if (++t === cap) t = 0;
      }
    } else {
      const first = Math.min(n, cap - tail);
      ring.set(first === n ? data : data.subarray(0, first), tail);
      if (first < n) ring.set(data.subarray(first), 0);
    }
    this.#size += n;
    this.notify();
    return 0;
  }

  /**
   * Change the capacity (`F_SETPIPE_SZ`), keeping the buffered bytes.
   *
   * @param cap New capacity (>= the bytes buffered).
   */
  resize(cap: number): void {
    if (this.#ring) {
      const next = new Uint8Array(cap);
      const old = this.#ring;
      const first = Math.min(this.#size, old.length - this.#head);
      next.set(old.subarray(this.#head, this.#head + first), 0);
      if (first < this.#size) next.set(old.subarray(0, this.#size - first), first);
      this.#ring = next;
      this.#head = 0;
    }
    this.capacity = cap;
  }

  /** Free space. */
  get space(): number {
    return Math.max(0, this.capacity - this.#size);
  }

  /** Give back `pages` charged pages, oldest charges first. */
  #uncharge(pages: number): void {
    this.#pages -= pages;
    while (pages > 0 && this.#charges.length > 0) {
      const c = this.#charges[0] as Charge;
      const k = Math.min(c.pages, pages);
      c.memory?.uncharge(k * PAGE, "pipe");
      c.pages -= k;
      pages -= k;
      if (c.pages === 0) this.#charges.shift();
    }
  }

  /** Readiness for poll, from the point of view of a read or a write end. */
  pollFor(end: "r" | "w"): number {
    if (end === "r") {
      let ev = this.#size > 0 ? POLL.IN : 0;
      if (this.writers === 0) ev |= POLL.HUP;
      return ev;
    }
    if (this.readers === 0) return POLL.ERR | POLL.OUT;
    return this.space >= PIPE_BUF || this.space === this.capacity ? POLL.OUT : 0;
  }

  /** Drop everything buffered (last end closed). */
  drain(): void {
    this.#uncharge(this.#pages);
    this.#ring = null;
    this.#head = 0;
    this.#size = 0;
  }

  /**
   * Read as a process: data, EOF, `EAGAIN`, or sleep.
   *
   * @param buf Destination.
   * @param io Caller and `O_NONBLOCK`.
   * @returns Bytes read, 0 at EOF, or an errno.
   */
  read(buf: Uint8Array, io: IoContext): number | Errno | Promise<number | Errno> {
    if (buf.length === 0) return 0;
    const r = this.#readAttempt(buf);
    if (r !== AGAIN) return r;
    if (io.nonblock) return Errno.EAGAIN;
    return this.#sleepUntil(io, () => this.#readAttempt(buf), () => 0);
  }

  /** Data, EOF, or {@link AGAIN} when there is neither yet. */
  #readAttempt(buf: Uint8Array): number | typeof AGAIN {
    const n = this.take(buf);
    if (n > 0) return n;
    return this.writers === 0 ? 0 : AGAIN;
  }

  /**
   * Write as a process.
   *
   * @param buf Data.
   * @param io Caller and `O_NONBLOCK`.
   * @returns Bytes written, or an errno (`EPIPE` with `SIGPIPE` when there is no reader).
   */
  write(buf: Uint8Array, io: IoContext): number | Errno | Promise<number | Errno> {
    const progress = { done: 0 };
    const r = this.#writeAttempt(buf, progress, io);
    if (r !== AGAIN) return r;
    return this.#sleepUntil(
      io,
      () => this.#writeAttempt(buf, progress, io),
      () => progress.done,
    );
  }

  /**
   * Write what fits, from `progress.done` on: the count (or an errno) when the write is over,
   * {@link AGAIN} when it must wait for space.
   */
  #writeAttempt(
    buf: Uint8Array,
    progress: { done: number },
    io: IoContext,
  ): number | Errno | typeof AGAIN {
    for (;;) {
      const done = progress.done;
      if (this.readers === 0) {
        io.task.signal(SIGPIPE);
        return done > 0 ? done : Errno.EPIPE;
      }
      const left = buf.length - done;
      if (left === 0) return done;
      const atomic = buf.length <= PIPE_BUF;
      const space = this.space;
      if ((atomic && space >= left) || (!atomic && space > 0)) {
        const k = Math.min(space, left);
        const r = this.put(
          done === 0 && k === buf.length ? buf : buf.subarray(done, done + k),
          io.task.memory,
        );
        if (r < 0) return done > 0 ? done : r;
        progress.done = done + k;
        continue;
      }
      if (io.nonblock) return done > 0 ? done : Errno.EAGAIN;
      return AGAIN;
    }
  }

  /**
   * Sleep until `attempt` finishes the call; a signal ends the sleep with `EINTR`, or with
   * `moved()` bytes when that is not 0.
   */
  #sleepUntil(
    io: IoContext,
    attempt: () => number | Errno | typeof AGAIN,
    moved: () => number,
  ): Promise<number | Errno> {
    const s = new Sleeper(this, attempt, moved);
    this.#sleepers.push(s);
    return io.task.block(s);
  }

  /**
   * A file handle on one end; opening counts the end, releasing uncounts it.
   *
   * @param end "r" or "w".
   * @returns The handle.
   */
  openEnd(end: "r" | "w"): FileHandle {
    if (end === "r") this.readers++;
    else this.writers++;
    this.notify();
    let released = false;
    return {
      stream: true,
      read: (buf, _pos, io) => end === "r" ? this.read(buf, io) : Errno.EBADF,
      write: (buf, _pos, io) => end === "w" ? this.write(buf, io) : Errno.EBADF,
      poll: () => this.pollFor(end),
      waitReady: () => this.changed().promise,
      ioctl: (req) => req === 0x541b ? this.size : Errno.ENOTTY,
      pipeSize: (size) => {
        if (size === undefined) return this.capacity;
        if (size > PIPE_MAX_SIZE) return Errno.EPERM;
        let cap = 4096;
        while (cap < size) cap *= 2;
        if (cap < this.size) return Errno.EBUSY;
        this.resize(cap);
        this.notify();
        return cap;
      },
      release: () => {
        if (released) return;
        released = true;
        if (end === "r") this.readers--;
        else this.writers--;
        if (this.readers === 0 && this.writers === 0) this.drain();
        this.notify();
      },
    };
  }
}
