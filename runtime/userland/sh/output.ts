/**
 * Buffered output of one shell (or in-process subshell): text is collected per file
 * descriptor and written when the buffer grows, when the shell writes to another fd
 * (so that stdout and stderr keep their order), and before the shell spawns, waits,
 * reads or exits.
 *
 * @module
 */
import { Errno } from "../../kernel/errno.ts";
import type { Syscalls } from "../../kernel/syscalls/api.ts";
import { type FdRef, MemFile } from "./fd_table.ts";

const encoder = new TextEncoder();
const LIMIT = 8192;

/** Thrown when a write fails with `EPIPE` (the reader of a pipe is gone). */
export class BrokenPipe extends Error {
  /** Creates the error. */
  constructor() {
    super("broken pipe");
    this.name = "BrokenPipe";
  }
}

/**
 * An output buffer bound to a process's system calls.
 *
 * @example
 * ```ts ignore
 * const out = new Output(sys);
 * await out.write(1, "hello\n");
 * await out.flush();
 * ```
 */
export class Output {
  #sys: Syscalls;
  #fd = -1;
  #text = "";
  #error = 0;

  /**
   * The errno of a write that failed since the last call (EBADF, EINVAL from a
   * `/proc/sys` file, ENOSPC…), or 0; reading it clears it.
   *
   * @returns The errno or 0.
   */
  takeError(): number {
    const e = this.#error;
    this.#error = 0;
    return e;
  }

  /**
   * @param sys System calls of the shell's process.
   */
  constructor(sys: Syscalls) {
    this.#sys = sys;
  }

  /**
   * Queues text for a real fd.
   *
   * @param target Real file descriptor, or a memory file (appended to at once).
   * @param text Text to write.
   * @returns A promise when the buffer had to be flushed, else undefined.
   */
  write(target: FdRef, text: string): Promise<void> | undefined {
    if (target instanceof MemFile) {
      target.append(text);
      return undefined;
    }
    const fd = target;
    if (fd !== this.#fd && this.#text !== "") {
      return this.flush().then(() => {
        this.#fd = fd;
        this.#text = text;
        if (this.#text.length > LIMIT) return this.flush();
      });
    }
    this.#fd = fd;
    this.#text += text;
    if (this.#text.length > LIMIT) return this.flush();
    return undefined;
  }

  /**
   * Writes everything queued.
   *
   * @throws BrokenPipe when the reader is gone.
   */
  async flush(): Promise<void> {
    if (this.#text === "") return;
    const fd = this.#fd;
    let bytes = encoder.encode(this.#text);
    this.#text = "";
    while (bytes.length > 0) {
      let n = this.#sys.write(fd, bytes);
      if (typeof n !== "number") n = await n;
      if (n === Errno.EINTR || n === Errno.EAGAIN) continue;
      if (n === Errno.EPIPE) throw new BrokenPipe();
      if (n < 0) {
        // The output is lost, as with a closed fd; the builtin that wrote it reports it.
        this.#error = n;
        return;
      }
      bytes = bytes.subarray(n);
    }
  }

  /** Drops queued output for `fd` (after a failed write). */
  discard(): void {
    this.#text = "";
  }
}
