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
 * - Buffered bytes are charged (kind "pipe") to the memory cgroup of the writer; a refused
 *   charge fails the write with `ENOMEM` when nothing was written yet.
 *
 * @module
 */
import { Errno } from "../errno.ts";
import type { MemoryCharger } from "../task.ts";
import { type FileHandle, type IoContext, POLL } from "../vfs/types.ts";

/** Bytes a write is guaranteed atomic up to (Linux `PIPE_BUF`). */
export const PIPE_BUF = 4096;
/** Default capacity (Linux: 16 pages). */
export const PIPE_DEFAULT_SIZE = 65536;
/** Largest `F_SETPIPE_SZ` (Linux `/proc/sys/fs/pipe-max-size`). */
export const PIPE_MAX_SIZE = 1 << 20;
/** `SIGPIPE`. */
const SIGPIPE = 13;

let nextPipeIno = 1;

interface Chunk {
  bytes: Uint8Array;
  start: number;
  memory: MemoryCharger | null;
}

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
  #chunks: Chunk[] = [];
  #size = 0;
  #waiters: (() => void)[] = [];

  /** Bytes buffered. */
  get size(): number {
    return this.#size;
  }

  /** Wake everyone sleeping on this pipe (data, space, or an end closed). */
  notify(): void {
    const w = this.#waiters;
    if (w.length === 0) return;
    this.#waiters = [];
    for (const f of w) f();
  }

  /**
   * A promise that settles at the next change, and a way to stop waiting.
   *
   * @returns The promise and its cancel function.
   */
  changed(): { promise: Promise<void>; cancel: () => void } {
    let fn!: () => void;
    const promise = new Promise<void>((resolve) => {
      fn = resolve;
    });
    this.#waiters.push(fn);
    return {
      promise,
      cancel: () => {
        const i = this.#waiters.indexOf(fn);
        if (i >= 0) this.#waiters.splice(i, 1);
      },
    };
  }

  /**
   * Take up to `buf.length` buffered bytes.
   *
   * @param buf Destination.
   * @returns Bytes copied (0 when empty).
   */
  take(buf: Uint8Array): number {
    let n = 0;
    while (n < buf.length && this.#chunks.length > 0) {
      const c = this.#chunks[0] as Chunk;
      const avail = c.bytes.length - c.start;
      const k = Math.min(avail, buf.length - n);
      buf.set(c.bytes.subarray(c.start, c.start + k), n);
      c.start += k;
      n += k;
      if (c.start === c.bytes.length) {
        this.#chunks.shift();
        c.memory?.uncharge(c.bytes.length, "pipe");
      }
    }
    this.#size -= n;
    if (n > 0) this.notify();
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
    if (data.length === 0) return 0;
    if (memory && !memory.tryCharge(data.length, "pipe")) return Errno.ENOMEM;
    this.#chunks.push({ bytes: data.slice(), start: 0, memory });
    this.#size += data.length;
    this.notify();
    return 0;
  }

  /** Free space. */
  get space(): number {
    return Math.max(0, this.capacity - this.#size);
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
    for (const c of this.#chunks) c.memory?.uncharge(c.bytes.length, "pipe");
    this.#chunks = [];
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
    const n = this.take(buf);
    if (n > 0) return n;
    if (this.writers === 0) return 0;
    if (io.nonblock) return Errno.EAGAIN;
    return this.#sleepThen(io, () => this.read(buf, io));
  }

  /**
   * Write as a process.
   *
   * @param buf Data.
   * @param io Caller and `O_NONBLOCK`.
   * @returns Bytes written, or an errno (`EPIPE` with `SIGPIPE` when there is no reader).
   */
  write(buf: Uint8Array, io: IoContext): number | Errno | Promise<number | Errno> {
    return this.#write(buf, 0, io);
  }

  #write(
    buf: Uint8Array,
    done: number,
    io: IoContext,
  ): number | Errno | Promise<number | Errno> {
    for (;;) {
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
        const r = this.put(buf.subarray(done, done + k), io.task.memory);
        if (r < 0) return done > 0 ? done : r;
        done += k;
        continue;
      }
      if (io.nonblock) return done > 0 ? done : Errno.EAGAIN;
      const sofar = done;
      return this.#sleepThen(io, () => this.#write(buf, sofar, io), sofar);
    }
  }

  #sleepThen(
    io: IoContext,
    retry: () => number | Errno | Promise<number | Errno>,
    partial = 0,
  ): Promise<number | Errno> {
    const w = this.changed();
    return io.task.block(w.promise, w.cancel).then((r) =>
      r === Errno.EINTR ? (partial > 0 ? partial : Errno.EINTR) : retry()
    );
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
        this.capacity = cap;
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
