/**
 * Buffered output and line input for applets, over the syscall API only.
 *
 * @module
 */
import { Errno, isErrno } from "../kernel/errno.ts";
import { O } from "../kernel/syscalls/api.ts";
import type { Syscalls } from "../kernel/syscalls/api.ts";
import { HeapMeter } from "./_heap.ts";

const encoder = new TextEncoder();

/** Encode a string as UTF-8. */
export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/**
 * A buffered writer on one fd. Text and bytes are appended; the buffer is written when it
 * passes `limit` bytes and on {@link Output.flush}. A write error (e.g. `EPIPE`) is kept in
 * {@link Output.error} and later output is dropped, as stdio does.
 */
export class Output {
  #chunks: Uint8Array[] = [];
  #size = 0;
  /** The first write error, if any. */
  error: Errno | 0 = 0;

  /**
   * @param sys The process's system calls.
   * @param fd The fd to write to.
   * @param limit Buffer size before an automatic flush (0 = write through).
   */
  constructor(readonly sys: Syscalls, readonly fd: number, readonly limit = 16384) {}

  /**
   * Append text or bytes; flushes when the buffer is full.
   *
   * @param data What to write.
   * @returns A promise only when a flush happened.
   */
  write(data: string | Uint8Array): void | Promise<void> {
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    if (bytes.length === 0) return;
    this.#chunks.push(bytes);
    this.#size += bytes.length;
    if (this.#size >= this.limit) return this.flush();
  }

  /**
   * Write out everything buffered.
   *
   * @returns Resolves when the data was written (or dropped after an error).
   */
  async flush(): Promise<void> {
    if (this.#size === 0) return;
    let buf: Uint8Array;
    if (this.#chunks.length === 1) buf = this.#chunks[0]!;
    else {
      buf = new Uint8Array(this.#size);
      let o = 0;
      for (const c of this.#chunks) {
        buf.set(c, o);
        o += c.length;
      }
    }
    this.#chunks = [];
    this.#size = 0;
    if (this.error) return;
    const r = await writeAll(this.sys, this.fd, buf);
    if (isErrno(r)) this.error = r;
  }
}

/**
 * Write all of `buf` to `fd`, looping over short writes.
 *
 * @param sys System calls.
 * @param fd Destination.
 * @param buf Bytes.
 * @returns 0, or the errno of the failing write.
 */
export async function writeAll(sys: Syscalls, fd: number, buf: Uint8Array): Promise<0 | Errno> {
  let off = 0;
  while (off < buf.length) {
    let r = sys.write(fd, off === 0 ? buf : buf.subarray(off));
    if (r instanceof Promise) r = await r;
    if (isErrno(r)) {
      if (r === Errno.EINTR) continue;
      return r;
    }
    if (r === 0) return Errno.EIO;
    off += r;
  }
  return 0;
}

/**
 * Read one chunk from `fd`, retrying on `EINTR`.
 *
 * @param sys System calls.
 * @param fd Source.
 * @param buf Destination buffer.
 * @returns Bytes read (0 at end of file) or an errno.
 */
export async function readSome(
  sys: Syscalls,
  fd: number,
  buf: Uint8Array,
): Promise<number | Errno> {
  for (;;) {
    let r = sys.read(fd, buf);
    if (r instanceof Promise) r = await r;
    if (r === Errno.EINTR) continue;
    return r;
  }
}

/**
 * Read `fd` to its end. What accumulates is declared to the kernel as it grows (see
 * `_heap.ts`), so an endless input stops at the container's `memory.max` instead of growing
 * the daemon: with `heap`, the caller keeps the declaration (it holds the result); without,
 * it is given back when the result is returned.
 *
 * @param sys System calls.
 * @param fd Source.
 * @param heap The caller's meter, when it keeps what it reads.
 * @returns All the bytes, or an errno (`ENOMEM` when the kernel refused the memory).
 */
export async function readAll(
  sys: Syscalls,
  fd: number,
  heap?: HeapMeter,
): Promise<Uint8Array | Errno> {
  const meter = heap ?? new HeapMeter(sys);
  const start = meter.held;
  let kept = 0;
  try {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      if (!meter.hold(65536)) return Errno.ENOMEM;
      const buf = new Uint8Array(65536);
      const n = await readSome(sys, fd, buf);
      if (isErrno(n)) return n;
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
    }
    if (chunks.length <= 1) {
      kept = chunks.length * 65536; // the one read buffer holds the result
      return chunks[0] ?? new Uint8Array(0);
    }
    if (!meter.hold(total)) return Errno.ENOMEM;
    const out = new Uint8Array(total);
    let o = 0;
    for (const c of chunks) {
      out.set(c, o);
      o += c.length;
    }
    kept = total;
    return out;
  } finally {
    // The caller's meter keeps the result's share; a meter of our own gives it all back.
    if (heap) meter.set(start + kept);
    else meter.close();
  }
}

/**
 * Open a path for reading; `-` means stdin (fd 0, not to be closed).
 *
 * @param sys System calls.
 * @param path A path or `-`.
 * @returns The fd or an errno.
 */
export async function openInput(sys: Syscalls, path: string): Promise<number | Errno> {
  if (path === "-") return 0;
  let r = sys.openat(-100, path, O.RDONLY | O.CLOEXEC, 0);
  if (r instanceof Promise) r = await r;
  if (r >= 0) {
    const st = sys.fstat(r);
    if (!isErrno(st) && (st.mode & 0o170000) === 0o040000) {
      sys.close(r);
      return Errno.EISDIR;
    }
  }
  return r;
}

/**
 * Read a whole file (or stdin for `-`).
 *
 * @param sys System calls.
 * @param path Path or `-`.
 * @param heap The caller's meter, when it keeps what it reads (see {@link readAll}).
 * @returns The bytes or an errno.
 */
export async function readFile(
  sys: Syscalls,
  path: string,
  heap?: HeapMeter,
): Promise<Uint8Array | Errno> {
  const fd = await openInput(sys, path);
  if (isErrno(fd)) return fd;
  const data = await readAll(sys, fd, heap);
  if (fd !== 0) sys.close(fd);
  return data;
}

/**
 * Read a whole file as UTF-8 text.
 *
 * @param sys System calls.
 * @param path Path or `-`.
 * @returns The text or an errno.
 */
export async function readText(sys: Syscalls, path: string): Promise<string | Errno> {
  const r = await readFile(sys, path);
  return isErrno(r) ? r : new TextDecoder().decode(r);
}

/**
 * Create or truncate a file and write `data` to it.
 *
 * @param sys System calls.
 * @param path Destination.
 * @param data Bytes or text.
 * @param flags Extra open flags (`O.APPEND` to append instead of truncating).
 * @returns 0 or an errno.
 */
export async function writeFile(
  sys: Syscalls,
  path: string,
  data: Uint8Array | string,
  flags: number = O.TRUNC,
): Promise<0 | Errno> {
  let fd = sys.openat(-100, path, O.WRONLY | O.CREAT | O.CLOEXEC | flags, 0o666);
  if (fd instanceof Promise) fd = await fd;
  if (isErrno(fd)) return fd;
  const r = await writeAll(sys, fd, typeof data === "string" ? utf8(data) : data);
  sys.close(fd);
  return r;
}

/**
 * Reads lines from an fd; each line is returned without its `\n`. The last line is
 * returned even without a newline; {@link LineReader.lastHadNewline} tells which.
 */
export class LineReader {
  #decoder = new TextDecoder();
  #pending = "";
  #lines: string[] = [];
  #eof = false;
  #buf = new Uint8Array(65536);
  /** Whether the line last returned ended with a newline. */
  lastHadNewline = true;
  /** The read error that ended input, if any. */
  error: Errno | 0 = 0;

  /**
   * @param sys System calls.
   * @param fd Source fd.
   */
  constructor(readonly sys: Syscalls, readonly fd: number) {}

  /** Whether {@link next} has a line without reading (it will not block). */
  get hasLine(): boolean {
    return this.#lines.length > 0;
  }

  /**
   * The next line if one is buffered, without a promise: loops over lines call this first
   * and {@link next} only when it has none (an `await` per line is a microtask turn each).
   *
   * @returns The line, or undefined when {@link next} must read.
   */
  nextBuffered(): string | undefined {
    if (this.#lines.length === 0) return undefined;
    this.lastHadNewline = true;
    return this.#lines.pop();
  }

  /**
   * The next line.
   *
   * @param beforeWait Called before a read that may wait for input, at most once: a
   *   filter writes what it has made there, so that `tail -f log | grep x` prints as lines
   *   come.
   * @returns The line, or null at end of input.
   */
  async next(beforeWait?: () => Promise<void>): Promise<string | null> {
    while (this.#lines.length === 0) {
      if (this.#eof) {
        if (this.#pending === "") return null;
        const last = this.#pending;
        this.#pending = "";
        this.lastHadNewline = false;
        return last;
      }
      if (beforeWait) await beforeWait();
      beforeWait = undefined;
      const n = await readSome(this.sys, this.fd, this.#buf);
      if (isErrno(n) || n === 0) {
        if (isErrno(n)) this.error = n;
        this.#eof = true;
        this.#pending += this.#decoder.decode();
        continue;
      }
      const text = this.#pending + this.#decoder.decode(this.#buf.subarray(0, n), { stream: true });
      const parts = text.split("\n");
      this.#pending = parts.pop()!;
      this.#lines = parts.reverse();
    }
    this.lastHadNewline = true;
    return this.#lines.pop()!;
  }
}
