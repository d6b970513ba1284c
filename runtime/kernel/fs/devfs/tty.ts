/**
 * A simple terminal for `run -it`: bytes the host writes to {@link Tty.input} are read by
 * the container's processes; what they write comes out of {@link Tty.output}. It answers
 * `isatty`, `TIOCGWINSZ`/`TIOCSWINSZ` and `FIONREAD`.
 *
 * Line discipline: raw, with two output/input translations of a cooked Linux tty —
 * `ONLCR` ("\n" written becomes "\r\n") and `ICRNL` ("\r" typed becomes "\n"). There is
 * no echo, no line editing and no job-control signals (^C arrives as byte 3); the host's
 * terminal, in raw mode, shows what the shell echoes itself. When the host closes the input,
 * reads return 0 (end of file).
 *
 * @module
 */
import { Errno } from "../../errno.ts";
import { type FileHandle, type IoContext, POLL } from "../../vfs/types.ts";

/** `TIOCGWINSZ`. */
export const TIOCGWINSZ = 0x5413;
/** `TIOCSWINSZ`. */
export const TIOCSWINSZ = 0x5414;
/** `FIONREAD`. */
export const FIONREAD = 0x541b;

/** Options of {@link Tty}. */
export interface TtyOptions {
  /** Initial rows (default 24). */
  rows?: number;
  /** Initial columns (default 80). */
  cols?: number;
  /** Translate "\n" to "\r\n" on output (default true). */
  onlcr?: boolean;
  /** Called when the window size changes (the kernel sends SIGWINCH). */
  onResize?: (rows: number, cols: number) => void;
}

/** A terminal device. */
export class Tty {
  /** Window size. */
  rows: number;
  /** Window size. */
  cols: number;
  /** Host side: write keystrokes here. */
  readonly input: WritableStream<Uint8Array>;
  /** Host side: the terminal's output. */
  readonly output: ReadableStream<Uint8Array>;
  #in: Uint8Array[] = [];
  #inSize = 0;
  #eof = false;
  #waiters: (() => void)[] = [];
  #out!: ReadableStreamDefaultController<Uint8Array>;
  #outClosed = false;
  readonly #onlcr: boolean;
  readonly #onResize?: (rows: number, cols: number) => void;

  /**
   * A new terminal.
   *
   * @param opts Size and translations.
   * @example
   * ```ts ignore
   * const tty = new Tty({ rows: 40, cols: 120 });
   * hostStdin.pipeTo(tty.input); tty.output.pipeTo(hostStdout);
   * ```
   */
  constructor(opts: TtyOptions = {}) {
    this.rows = opts.rows ?? 24;
    this.cols = opts.cols ?? 80;
    this.#onlcr = opts.onlcr ?? true;
    this.#onResize = opts.onResize;
    this.output = new ReadableStream<Uint8Array>({
      start: (c) => {
        this.#out = c;
      },
      cancel: () => {
        this.#outClosed = true;
      },
    });
    this.input = new WritableStream<Uint8Array>({
      write: (chunk) => this.type(chunk),
      close: () => this.hangup(),
      abort: () => this.hangup(),
    });
  }

  /**
   * Bytes typed on the host side (`ICRNL` applied).
   *
   * @param chunk Bytes.
   */
  type(chunk: Uint8Array): void {
    const c = chunk.slice();
    for (let i = 0; i < c.length; i++) if (c[i] === 13) c[i] = 10;
    this.#in.push(c);
    this.#inSize += c.length;
    this.#wake();
  }

  /**
   * End of input once (Ctrl-D on an empty line in canonical mode): the next read that
   * finds no data before it returns 0, later reads wait for more input again.
   */
  eof(): void {
    this.#in.push(new Uint8Array(0));
    this.#wake();
  }

  /** The host closed its side: readers see end of file from now on. */
  hangup(): void {
    this.#eof = true;
    this.#wake();
  }

  /**
   * Change the window size (`docker resize`).
   *
   * @param rows Rows.
   * @param cols Columns.
   */
  resize(rows: number, cols: number): void {
    this.rows = rows;
    this.cols = cols;
    this.#onResize?.(rows, cols);
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  /** Copy typed bytes out; -1 when a one-shot EOF marker is consumed first. */
  #take(buf: Uint8Array): number {
    let n = 0;
    while (n < buf.length && this.#in.length) {
      const c = this.#in[0] as Uint8Array;
      if (c.length === 0) {
        if (n > 0) break;
        this.#in.shift();
        return -1;
      }
      const k = Math.min(c.length, buf.length - n);
      buf.set(c.subarray(0, k), n);
      n += k;
      if (k === c.length) this.#in.shift();
      else this.#in[0] = c.subarray(k);
    }
    this.#inSize -= n;
    return n;
  }

  /**
   * Read typed bytes (a process's `read`).
   *
   * @param buf Destination.
   * @param io Caller.
   * @returns Bytes, 0 at hang-up, `EAGAIN`, or `EINTR`.
   */
  read(buf: Uint8Array, io: IoContext): number | Errno | Promise<number | Errno> {
    if (buf.length === 0) return 0;
    const n = this.#take(buf);
    if (n < 0) return 0;
    if (n > 0 || this.#eof) return n;
    if (io.nonblock) return Errno.EAGAIN;
    let wake!: () => void;
    const p = new Promise<void>((r) => wake = r);
    this.#waiters.push(wake);
    return io.task.block(p, () => {
      this.#waiters = this.#waiters.filter((f) => f !== wake);
    }).then((r) => (r === Errno.EINTR ? Errno.EINTR : this.read(buf, io)));
  }

  /**
   * Write to the terminal (`ONLCR` applied).
   *
   * @param buf Bytes.
   * @returns `buf.length`, or `EIO` once the host stopped reading.
   */
  write(buf: Uint8Array): number | Errno {
    if (this.#outClosed) return Errno.EIO;
    let out = buf.slice();
    if (this.#onlcr && out.includes(10)) {
      const parts: number[] = [];
      for (const b of out) {
        if (b === 10) parts.push(13);
        parts.push(b);
      }
      out = new Uint8Array(parts);
    }
    try {
      this.#out.enqueue(out);
    } catch {
      this.#outClosed = true;
      return Errno.EIO;
    }
    return buf.length;
  }

  /** Close the host output stream (the container exited). */
  closeOutput(): void {
    if (this.#outClosed) return;
    this.#outClosed = true;
    try {
      this.#out.close();
    } catch { /* already closed */ }
  }

  /**
   * A file handle on this terminal (what opening `/dev/tty` or `/dev/console` gives).
   *
   * @returns The handle.
   */
  open(): FileHandle {
    return {
      stream: true,
      read: (buf, _pos, io) => this.read(buf, io),
      write: (buf) => this.write(buf),
      isatty: () => true,
      poll: () => (this.#in.length > 0 || this.#eof ? POLL.IN : 0) | POLL.OUT,
      waitReady: () => new Promise<void>((r) => this.#waiters.push(r)),
      ioctl: (req, arg) => {
        if (req === TIOCGWINSZ) return { rows: this.rows, cols: this.cols };
        if (req === TIOCSWINSZ) {
          const a = arg as { rows?: number; cols?: number } | undefined;
          if (!a || typeof a.rows !== "number" || typeof a.cols !== "number") {
            return Errno.EINVAL;
          }
          this.resize(a.rows, a.cols);
          return 0;
        }
        if (req === FIONREAD) return this.#inSize;
        return Errno.ENOTTY;
      },
    };
  }
}
