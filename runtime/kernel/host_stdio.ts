/**
 * Stream handles that connect a process's descriptors to the host: the write end of a
 * process's stdout/stderr becomes a `ReadableStream` for the embedder, and a host
 * `ReadableStream` becomes a process's stdin. They follow the VFS's `FileHandle`
 * contract (`vfs/types.ts`) structurally, so the VFS can install them in a descriptor
 * table like any other open file.
 *
 * @module
 */
import { Errno } from "./errno.ts";
import type { MaybeAsync } from "./syscalls/api.ts";

/** What a stream handle uses of the calling task (a VFS `IoContext.task`). */
export interface IoTask {
  /** Send a signal to the task. */
  signal(sig: number): void;
  /** Sleep interruptibly until `wake` settles. */
  block<T>(wake: PromiseLike<T>, cancel?: () => void): Promise<T | Errno>;
}

/** A stream-like open file backend (structurally a VFS `FileHandle`). */
export interface StreamHandle {
  /** Always true: no offsets. */
  readonly stream: boolean;
  /** Read into `buf`; 0 at end of stream. */
  read(buf: Uint8Array, pos: number, io?: unknown): MaybeAsync<number | Errno>;
  /** Write `buf`; returns bytes written. */
  write(buf: Uint8Array, pos: number, io?: unknown): MaybeAsync<number | Errno>;
  /** Called when the last descriptor is closed. */
  release?(): void;
  /** Whether this is a terminal. */
  isatty?(): boolean;
}

/**
 * A handle whose writes come out of a `ReadableStream` (a process's stdout/stderr). The
 * stream closes when the last descriptor for the handle is released. Writes wait while the
 * reader is more than `highWaterMark` bytes behind (backpressure), so a process that
 * writes faster than its output is read sleeps instead of using memory.
 *
 * @param highWaterMark Bytes buffered before writes wait (default 64 KiB, a pipe's size).
 * @returns The handle and the stream.
 * @example
 * ```ts
 * import { hostSink } from "./host_stdio.ts";
 * const { handle, readable } = hostSink();
 * handle.write(new TextEncoder().encode("hi"), 0);
 * handle.release?.();
 * console.assert((await new Response(readable).text()) === "hi");
 * ```
 */
export function hostSink(
  highWaterMark = 65536,
): { handle: StreamHandle; readable: ReadableStream<Uint8Array> } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  let cancelled = false;
  let waiters: (() => void)[] = [];
  const readable = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    pull() {
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    },
    cancel() {
      cancelled = true;
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    },
  }, new ByteLengthQueuingStrategy({ highWaterMark }));
  const handle: StreamHandle = {
    stream: true,
    read: () => Errno.EBADF,
    write(buf, _pos, io) {
      const task = (io as { task?: IoTask } | undefined)?.task;
      if (closed) return Errno.EBADF;
      if (cancelled) {
        // The reader went away: a broken pipe, with SIGPIPE as for a pipe without readers.
        task?.signal(13);
        return Errno.EPIPE;
      }
      controller.enqueue(buf.slice());
      if ((controller.desiredSize ?? 1) > 0) return buf.length;
      const drained = new Promise<void>((resolve) => waiters.push(resolve));
      // The data is queued already: an interrupted wait still reports it written.
      if (task) return task.block(drained).then(() => buf.length);
      return drained.then(() => buf.length);
    },
    release() {
      if (closed) return;
      closed = true;
      if (!cancelled) controller.close();
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    },
  };
  return { handle, readable };
}

/**
 * A handle whose reads come from a host `ReadableStream` (a process's stdin). A read that
 * waits for the host sleeps interruptibly when the VFS passes the caller (`io.task`).
 *
 * @param source The stream.
 * @returns The handle.
 * @example
 * ```ts
 * import { hostSource } from "./host_stdio.ts";
 * const h = hostSource(new Blob(["abc"]).stream());
 * const buf = new Uint8Array(8);
 * console.assert((await h.read(buf, 0)) === 3);
 * ```
 */
export function hostSource(source: ReadableStream<Uint8Array>): StreamHandle {
  const reader = source.getReader();
  let rest: Uint8Array | null = null;
  let done = false;
  let failed = false;
  // One host read at a time, shared by every sleeping reader; its chunk goes to `rest`, so
  // a reader interrupted by a signal loses nothing.
  let filling: Promise<void> | null = null;
  const fill = (): Promise<void> =>
    filling ??= reader.read().then((r) => {
      filling = null;
      if (r.done) done = true;
      else rest = r.value;
    }, () => {
      filling = null;
      done = true;
      failed = true;
    });
  const take = (buf: Uint8Array): number => {
    if (!rest) return 0;
    const n = Math.min(buf.length, rest.length);
    buf.set(rest.subarray(0, n));
    rest = n < rest.length ? rest.subarray(n) : null;
    return n;
  };
  const read = (buf: Uint8Array, io?: unknown): MaybeAsync<number | Errno> => {
    if (buf.length === 0) return 0;
    if (rest) return take(buf);
    if (failed) {
      failed = false;
      return Errno.EIO;
    }
    if (done) return 0;
    const task = (io as { task?: IoTask } | undefined)?.task;
    // Interruptible, as a read of a pipe or terminal is (EINTR, or SA_RESTART).
    if (task) return task.block(fill()).then((r) => (r === Errno.EINTR ? r : read(buf, io)));
    return fill().then(() => read(buf, io));
  };
  return {
    stream: true,
    read: (buf, _pos, io) => read(buf, io),
    write: () => Errno.EBADF,
    release() {
      done = true;
      reader.cancel().catch(() => {});
    },
  };
}

/**
 * `/dev/null` as a handle: reads give end of file, writes are discarded.
 *
 * @returns The handle.
 * @example
 * ```ts
 * import { nullHandle } from "./host_stdio.ts";
 * console.assert(nullHandle().read(new Uint8Array(4), 0) === 0);
 * ```
 */
export function nullHandle(): StreamHandle {
  return { stream: true, read: () => 0, write: (buf) => buf.length };
}
