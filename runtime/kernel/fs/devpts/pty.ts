/**
 * A pseudo-terminal pair, as Linux's `pty` driver with the default `N_TTY` line discipline:
 * bytes written to the **master** are typed on the terminal (the shared
 * {@link LineDiscipline}: echo, line editing, `^C` → `SIGINT`, `^\` → `SIGQUIT`,
 * `^Z` → `SIGTSTP` to the foreground process group, `^D` → end of input); the **slave** is
 * the terminal programs read lines from and write to (`ONLCR`: "\n" comes out as "\r\n");
 * the master reads what the slave wrote plus the echo.
 *
 * Job control, as Linux: a session leader that opens the slave without `O_NOCTTY` (or
 * calls `TIOCSCTTY`) makes it the session's controlling terminal, and its process group the
 * foreground one (`TIOCGPGRP`/`TIOCSPGRP` read and change it). `TIOCSWINSZ` sends
 * `SIGWINCH` to the foreground group. Closing the master hangs the terminal up: `SIGHUP`
 * and `SIGCONT` to the controlling process and the foreground group, slave reads return 0,
 * writes `EIO`. The master reads `EIO` once every slave descriptor is closed. Each
 * direction buffers at most {@link PTY_BUFFER} bytes: past that, writers sleep (or get
 * `EAGAIN`) until the other side reads, and a line holds at most 4095 bytes, as `N_TTY`.
 *
 * Termios: `TCGETS`/`TCSETS`/`TCSETSW`/`TCSETSF` on either side read and set the
 * attributes (`syscalls/termios.ts`) the line discipline honours: raw and cbreak modes,
 * echo off, `ISIG` off (`^C` is a byte), `ICRNL`, `OPOST`/`ONLCR`. A non-canonical read
 * follows `VMIN`/`VTIME`: `MIN>0 TIME=0` waits for MIN bytes (or as many as the buffer
 * holds), `MIN=0 TIME=0` returns at once, `MIN=0 TIME>0` waits up to TIME tenths of a
 * second for a byte, `MIN>0 TIME>0` waits for a first byte and then until MIN bytes or
 * TIME tenths of a second without a new one.
 *
 * Not modelled: background group `SIGTTIN`/`SIGTTOU`, packet mode.
 *
 * @module
 */
import { Errno } from "../../errno.ts";
import type { Task } from "../../task.ts";
import { type FileHandle, type IoContext, type OpContext, POLL } from "../../vfs/types.ts";
import { LineDiscipline, outputProcess } from "../devfs/tty_line.ts";
import { decodeTermios, encodeTermios, LFLAG, TC, V } from "../../syscalls/termios.ts";
import { FIONREAD, TIOCGWINSZ, TIOCSWINSZ } from "../devfs/tty.ts";

/** Terminal ioctl requests beyond the window size (Linux x86_64 numbers). */
export const TIOC = {
  /** Make this the caller's controlling terminal. */
  SCTTY: 0x540e,
  /** Foreground process group. */
  GPGRP: 0x540f,
  /** Set the foreground process group. */
  SPGRP: 0x5410,
  /** Give up the controlling terminal. */
  NOTTY: 0x5422,
  /** Session of the terminal. */
  GSID: 0x5429,
  /** Pty number of a master (`/dev/pts/N`). */
  GPTN: 0x80045430,
  /** Lock (arg != 0) or unlock (arg 0) the slave. */
  SPTLCK: 0x40045431,
  /** Whether the slave is locked. */
  GPTLCK: 0x80045439,
} as const;

/**
 * What a terminal needs of the process side: sessions and process groups (opaque
 * identities) and a way to signal them. The kernel implements it over its processes
 * (`syscalls/sys_tty.ts`); a task it does not know has no session (no job control).
 */
export interface JobControl {
  /** The task's session, or null. */
  sessionOf(task: Task): object | null;
  /** Whether the task leads its session. */
  isSessionLeader(task: Task): boolean;
  /** The task's process group, or null. */
  pgrpOf(task: Task): object | null;
  /** Group `pgid` (as the task numbers it) of the task's session, or null. */
  groupIn(task: Task, pgid: number): object | null;
  /** The number of a group or session as the task sees it (0 when not visible). */
  numberIn(task: Task, ref: object): number;
  /** Signal every live process of a group. */
  signalGroup(group: object, sig: number): void;
  /** Signal the leader of a session (the controlling process), if alive. */
  signalLeader(session: object, sig: number): void;
  /** Whether the leader of a session is still alive (its exit frees the terminal). */
  leaderAlive(session: object): boolean;
}

const SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGCONT = 18, SIGTSTP = 20, SIGWINCH = 28;

/**
 * Bytes one direction of a pair buffers before its writer sleeps (Linux's tty buffer
 * limit, `TTYB_DEFAULT_MEM_LIMIT`): a program writing to a terminal nobody reads blocks
 * instead of growing the kernel's memory.
 */
export const PTY_BUFFER = 65536;

/** Controlling terminal of each session. */
const CTTY = new WeakMap<object, Pty>();

/**
 * The pseudo-terminal a session has as its controlling terminal (what `/dev/tty` opens).
 *
 * @param session A session, as {@link JobControl.sessionOf} gives it.
 * @returns The pair, or undefined.
 * @example
 * ```ts ignore
 * controllingPty(jobs.sessionOf(task)!)?.openSlave(O.RDWR | O.NOCTTY, ctx);
 * ```
 */
export function controllingPty(session: object): Pty | undefined {
  return CTTY.get(session);
}

/**
 * A session's leader exited (Linux's `disassociate_ctty` at exit): its controlling
 * terminal, if any, sends `SIGHUP` and `SIGCONT` to its foreground process group and is
 * free at once for another session.
 *
 * @param session The session (the leader's pid object).
 * @example
 * ```ts ignore
 * if (p.session === p.pid) sessionLeaderExited(p.session);
 * ```
 */
export function sessionLeaderExited(session: object): void {
  CTTY.get(session)?.leaderExited();
}

/**
 * The device number of slave `/dev/pts/<index>` (136:index, Linux's `new_encode_dev`:
 * minors past 255 go above the major), as `st_rdev` and `/proc/PID/stat`'s `tty_nr` show it.
 *
 * @param index The pair's number.
 * @returns The encoded number.
 * @example
 * ```ts
 * import { ptyDevNumber } from "./pty.ts";
 * console.assert(ptyDevNumber(1) === 0x8801);
 * ```
 */
export function ptyDevNumber(index: number): number {
  return (136 << 8) | (index & 0xff) | ((index & ~0xff) << 12);
}

/** A byte queue with sleepers (one direction of the pair). */
class Queue {
  chunks: Uint8Array[] = [];
  size = 0;
  #waiters: (() => void)[] = [];

  push(c: Uint8Array): void {
    this.chunks.push(c);
    this.size += c.length;
    this.wake();
  }

  wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  /** Sleep (interruptibly) until woken, then run `again`. */
  sleep<T>(io: IoContext, again: () => T | Promise<T>): Promise<T | Errno> {
    let wake!: () => void;
    const p = new Promise<void>((r) => (wake = r));
    this.#waiters.push(wake);
    return io.task.block(p, () => {
      this.#waiters = this.#waiters.filter((f) => f !== wake);
    }).then((r) => (r === Errno.EINTR ? Errno.EINTR : again()));
  }

  ready(): Promise<void> {
    return new Promise<void>((r) => this.#waiters.push(r));
  }

  /** Sleep (interruptibly) until woken or `ms` pass; 0, or `EINTR`. */
  sleepFor(io: IoContext, ms: number): Promise<0 | Errno> {
    let wake!: () => void;
    const p = new Promise<void>((r) => (wake = r));
    this.#waiters.push(wake);
    const timer = setTimeout(wake, ms);
    return io.task.block(p, () => {
      this.#waiters = this.#waiters.filter((f) => f !== wake);
    }).then((r) => {
      clearTimeout(timer);
      return r === Errno.EINTR ? Errno.EINTR : 0;
    });
  }
}

/** One master/slave pair. */
export class Pty {
  /** Number: the slave is `/dev/pts/<index>`. */
  readonly index: number;
  /** A new pair's slave is locked until the master unlocks it (`unlockpt`). */
  locked = true;
  /** Window size. */
  rows = 24;
  /** Window size. */
  cols = 80;
  /** Owner of the slave node (the master's opener). */
  readonly uid: number;
  /** Group of the slave node. */
  readonly gid: number;
  /** Session this is the controlling terminal of, or null. */
  session: object | null = null;
  /** Foreground process group, or null. */
  foreground: object | null = null;
  readonly #jobs: JobControl;
  readonly #onFree: () => void;
  readonly #toSlave = new Queue();
  readonly #toMaster = new Queue();
  readonly #line: LineDiscipline;
  #masterOpen = true;
  #slaveOpens = 0;
  #slaveSeen = false;

  /**
   * A new pair, its master open.
   *
   * @param index Its number.
   * @param owner The opener's credentials (owner of the slave node).
   * @param jobs Sessions and signals.
   * @param onFree Called when both sides are closed (the number is free again).
   */
  constructor(
    index: number,
    owner: { uid: number; gid: number },
    jobs: JobControl,
    onFree: () => void,
  ) {
    this.index = index;
    this.uid = owner.uid;
    this.gid = owner.gid;
    this.#jobs = jobs;
    this.#onFree = onFree;
    this.#line = new LineDiscipline({
      input: (l) => this.#toSlave.push(l),
      echo: (b) => this.#toMaster.push(b),
      interrupt: () => this.#signalForeground(SIGINT),
      eof: () => this.#toSlave.push(new Uint8Array(0)),
      quit: () => this.#signalForeground(SIGQUIT),
      suspend: () => this.#signalForeground(SIGTSTP),
    });
  }

  /** Whether the master side is still open (the terminal is not hung up). */
  get masterOpen(): boolean {
    return this.#masterOpen;
  }

  #signalForeground(sig: number): void {
    if (this.foreground) this.#jobs.signalGroup(this.foreground, sig);
  }

  #resize(arg: unknown): 0 | Errno {
    const a = arg as { rows?: unknown; cols?: unknown } | undefined;
    if (!a || typeof a.rows !== "number" || typeof a.cols !== "number") return Errno.EINVAL;
    const changed = a.rows !== this.rows || a.cols !== this.cols;
    this.rows = a.rows;
    this.cols = a.cols;
    if (changed) this.#signalForeground(SIGWINCH);
    return 0;
  }

  /** ioctls both sides answer. */
  #commonIoctl(req: number, arg: unknown): number | { rows: number; cols: number } | Errno {
    if (req === TIOCGWINSZ) return { rows: this.rows, cols: this.cols };
    if (req === TIOCSWINSZ) return this.#resize(arg);
    if (req === TC.GETS) {
      if (!(arg instanceof Uint8Array)) return Errno.EFAULT;
      return encodeTermios(this.#line.termios, arg) ? 0 : Errno.EFAULT;
    }
    if (req === TC.SETS || req === TC.SETSW || req === TC.SETSF) {
      const t = arg instanceof Uint8Array ? decodeTermios(arg) : null;
      if (!t) return Errno.EFAULT;
      const flush = req === TC.SETSF;
      if (flush) this.#discardInput();
      this.#line.setTermios(t, flush);
      return 0;
    }
    return Errno.ENOTTY;
  }

  /** `TCSETSF`: unread typed input is dropped. */
  #discardInput(): void {
    const q = this.#toSlave;
    q.chunks = [];
    q.size = 0;
    q.wake();
  }

  /** A non-canonical slave read, after `VMIN`/`VTIME`. */
  #readRaw(buf: Uint8Array, io: IoContext): number | Errno | Promise<number | Errno> {
    const q = this.#toSlave;
    const cc = this.#line.termios.cc;
    const min = Math.min(cc[V.MIN] ?? 1, buf.length);
    const time = (cc[V.TIME] ?? 0) * 100;
    dropEofMarks(q);
    if (q.size >= Math.max(min, 1)) return take(q, buf, false);
    if (!this.#masterOpen || (min === 0 && time === 0)) return q.size > 0 ? take(q, buf, false) : 0;
    if (io.nonblock) return q.size > 0 ? take(q, buf, false) : Errno.EAGAIN;
    if (time === 0 || q.size === 0) {
      // MIN bytes with no timer, or the first byte before the inter-byte timer starts.
      if (time === 0 || min > 0) return q.sleep(io, () => this.#readRaw(buf, io));
    }
    // A timer runs: TIME with MIN = 0, or the inter-byte timer once a byte is there.
    const had = q.size;
    return q.sleepFor(io, time).then((r) => {
      if (r === Errno.EINTR) return q.size > 0 ? take(q, buf, false) : Errno.EINTR;
      if (q.size === had || q.size >= Math.max(min, 1)) {
        return q.size > 0 ? take(q, buf, false) : 0;
      }
      return this.#readRaw(buf, io);
    });
  }

  /**
   * Drop the controlling session when its leader is gone without {@link leaderExited}
   * having run (a task that is not a kernel process).
   */
  #forgetDeadSession(): void {
    if (this.session && !this.#jobs.leaderAlive(this.session)) this.#release();
  }

  /** Make this the controlling terminal of the task's session (it must lead it). */
  #acquire(task: Task | undefined, steal: boolean): 0 | Errno {
    this.#forgetDeadSession();
    if (!task) return Errno.EPERM;
    const session = this.#jobs.sessionOf(task);
    if (!session || !this.#jobs.isSessionLeader(task)) return Errno.EPERM;
    if (this.session === session) return 0;
    if (CTTY.has(session)) return Errno.EPERM;
    if (this.session && !(steal && task.cred.euid === 0)) return Errno.EPERM;
    if (this.session) CTTY.delete(this.session);
    this.session = session;
    this.foreground = this.#jobs.pgrpOf(task);
    CTTY.set(session, this);
    return 0;
  }

  #release(): void {
    if (this.session && CTTY.get(this.session) === this) CTTY.delete(this.session);
    this.session = null;
    this.foreground = null;
  }

  /**
   * The controlling process exited: `SIGHUP` and `SIGCONT` to the foreground group, and
   * the terminal belongs to no session any more (see {@link sessionLeaderExited}).
   */
  leaderExited(): void {
    const fg = this.foreground;
    this.#release();
    if (fg) {
      this.#jobs.signalGroup(fg, SIGHUP);
      this.#jobs.signalGroup(fg, SIGCONT);
    }
  }

  /** The master closed: hang up the terminal. */
  #hangup(): void {
    this.#masterOpen = false;
    const session = this.session;
    const fg = this.foreground;
    this.#release();
    if (session) {
      this.#jobs.signalLeader(session, SIGHUP);
      this.#jobs.signalLeader(session, SIGCONT);
    }
    if (fg) {
      this.#jobs.signalGroup(fg, SIGHUP);
      this.#jobs.signalGroup(fg, SIGCONT);
    }
    this.#toSlave.wake();
    this.#toMaster.wake();
    if (this.#slaveOpens === 0) this.#onFree();
  }

  /**
   * The master's handle (what opening `/dev/ptmx` gives).
   *
   * @returns The handle; its release hangs the terminal up.
   */
  master(): FileHandle {
    const q = this.#toMaster;
    const read = (buf: Uint8Array, io: IoContext): number | Errno | Promise<number | Errno> => {
      if (buf.length === 0) return 0;
      if (q.size > 0) return take(q, buf, false);
      if (this.#slaveSeen && this.#slaveOpens === 0) return Errno.EIO;
      if (io.nonblock) return Errno.EAGAIN;
      return q.sleep(io, () => read(buf, io));
    };
    // Typing waits while the slave's unread input is full (flow control), and takes what fits.
    const type = (buf: Uint8Array, io: IoContext): number | Errno | Promise<number | Errno> => {
      if (buf.length === 0) return 0;
      const room = PTY_BUFFER - this.#toSlave.size;
      if (room <= 0) {
        if (io.nonblock) return Errno.EAGAIN;
        return this.#toSlave.sleep(io, () => type(buf, io));
      }
      const part = buf.length > room ? buf.subarray(0, room) : buf;
      this.#line.type(part);
      return part.length;
    };
    return {
      stream: true,
      read: (buf, _pos, io) => read(buf, io),
      write: (buf, _pos, io) => type(buf, io),
      isatty: () => true,
      poll: () =>
        (q.size > 0 ? POLL.IN : 0) | (this.#toSlave.size < PTY_BUFFER ? POLL.OUT : 0) |
        (this.#slaveSeen && this.#slaveOpens === 0 ? POLL.HUP : 0),
      waitReady: () => Promise.race([this.#toMaster.ready(), this.#toSlave.ready()]),
      ioctl: (req, arg) => {
        if (req === TIOC.GPTN) return this.index;
        if (req === TIOC.SPTLCK) {
          this.locked = typeof arg === "number" ? arg !== 0 : Boolean(arg);
          return 0;
        }
        if (req === TIOC.GPTLCK) return this.locked ? 1 : 0;
        if (req === FIONREAD) return q.size;
        return this.#commonIoctl(req, arg);
      },
      release: () => this.#hangup(),
    };
  }

  /**
   * Open the slave (`/dev/pts/N`).
   *
   * @param flags `O_*` flags (`O_NOCTTY` 0o400 keeps it from becoming the controlling terminal).
   * @param ctx The opener.
   * @returns The handle, or `EIO` while locked or after a hang-up.
   */
  openSlave(flags: number, ctx: OpContext): FileHandle | Errno {
    if (this.locked || !this.#masterOpen) return Errno.EIO;
    this.#slaveOpens++;
    this.#slaveSeen = true;
    if ((flags & 0o400) === 0 && ctx.task) {
      this.#forgetDeadSession();
      const s = this.#jobs.sessionOf(ctx.task);
      if (s && !CTTY.has(s) && !this.session && this.#jobs.isSessionLeader(ctx.task)) {
        this.#acquire(ctx.task, false);
      }
    }
    const q = this.#toSlave;
    const read = (buf: Uint8Array, io: IoContext): number | Errno | Promise<number | Errno> => {
      if (buf.length === 0) return 0;
      if ((this.#line.termios.lflag & LFLAG.ICANON) === 0) return this.#readRaw(buf, io);
      if (q.size > 0 || q.chunks.length > 0) return take(q, buf, true);
      if (!this.#masterOpen) return 0;
      if (io.nonblock) return Errno.EAGAIN;
      return q.sleep(io, () => read(buf, io));
    };
    // Output waits while the master's unread bytes are full, and takes what fits.
    const write = (buf: Uint8Array, io: IoContext): number | Errno | Promise<number | Errno> => {
      if (!this.#masterOpen) return Errno.EIO;
      if (buf.length === 0) return 0;
      const room = PTY_BUFFER - this.#toMaster.size;
      if (room <= 0) {
        if (io.nonblock) return Errno.EAGAIN;
        return this.#toMaster.sleep(io, () => write(buf, io));
      }
      const part = buf.length > room ? buf.subarray(0, room) : buf;
      this.#toMaster.push(outputProcess(this.#line.termios, part));
      return part.length;
    };
    return {
      stream: true,
      read: (buf, _pos, io) => read(buf, io),
      write: (buf, _pos, io) => write(buf, io),
      isatty: () => true,
      poll: () =>
        this.#masterOpen
          ? (q.chunks.length > 0 ? POLL.IN : 0) |
            (this.#toMaster.size < PTY_BUFFER ? POLL.OUT : 0)
          : POLL.IN | POLL.OUT | POLL.ERR | POLL.HUP,
      waitReady: () => Promise.race([this.#toMaster.ready(), this.#toSlave.ready()]),
      ioctl: (req, arg, octx) => {
        const task = octx?.task;
        switch (req) {
          case FIONREAD:
            return q.size;
          case TIOC.GPTN:
            return Errno.ENOTTY;
          case TIOC.SCTTY:
            return this.#acquire(task, arg === 1);
          case TIOC.NOTTY:
            if (!task || this.session !== this.#jobs.sessionOf(task)) return Errno.ENOTTY;
            if (this.#jobs.isSessionLeader(task)) {
              const fg = this.foreground;
              this.#release();
              if (fg) {
                this.#jobs.signalGroup(fg, SIGHUP);
                this.#jobs.signalGroup(fg, SIGCONT);
              }
            }
            return 0;
          case TIOC.GPGRP:
          case TIOC.GSID: {
            if (!task || !this.session || this.session !== this.#jobs.sessionOf(task)) {
              return Errno.ENOTTY;
            }
            const ref = req === TIOC.GSID ? this.session : this.foreground;
            return ref ? this.#jobs.numberIn(task, ref) : Errno.ENOTTY;
          }
          case TIOC.SPGRP: {
            if (!task || !this.session || this.session !== this.#jobs.sessionOf(task)) {
              return Errno.ENOTTY;
            }
            if (typeof arg !== "number" || arg < 0) return Errno.EINVAL;
            const g = this.#jobs.groupIn(task, arg);
            if (!g) return Errno.EPERM;
            this.foreground = g;
            return 0;
          }
          default:
            return this.#commonIoctl(req, arg);
        }
      },
      release: () => {
        this.#slaveOpens--;
        this.#toMaster.wake();
        if (this.#slaveOpens === 0 && !this.#masterOpen) this.#onFree();
      },
    };
  }
}

/**
 * Copy queued bytes out. On the slave (`line`), one line per read as a canonical tty, and
 * an end-of-input marker (an empty chunk) makes a read return 0 once.
 */
function take(q: Queue, buf: Uint8Array, line: boolean): number {
  let n = 0;
  while (n < buf.length && q.chunks.length > 0) {
    const c = q.chunks[0]!;
    if (c.length === 0) {
      if (n === 0) q.chunks.shift();
      break;
    }
    const k = Math.min(c.length, buf.length - n);
    buf.set(c.subarray(0, k), n);
    n += k;
    if (k === c.length) q.chunks.shift();
    else q.chunks[0] = c.subarray(k);
    if (line && k === c.length) break;
  }
  q.size -= n;
  if (n > 0) q.wake();
  return n;
}

/** Raw reads have no end-of-input marks (a `^D` typed in cooked mode before a switch). */
function dropEofMarks(q: Queue): void {
  if (q.chunks.some((c) => c.length === 0)) q.chunks = q.chunks.filter((c) => c.length > 0);
}
