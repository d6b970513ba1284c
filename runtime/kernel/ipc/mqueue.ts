/**
 * POSIX message queues (Linux ipc/mqueue.c): named queues of an IPC namespace, messages
 * ordered by priority (highest first) then age, opened as file descriptors. The
 * descriptor's handle ({@link MqHandle}) has the VFS `FileHandle` shape: reading it gives
 * the `QSIZE:` line Linux shows for `/dev/mqueue/NAME`, and `poll` reports readiness.
 *
 * @module
 */
import { Errno } from "../errno.ts";
import type { MaybeAsync, Stat, Timespec } from "../syscalls/api.ts";
import { O, S_IFREG } from "../syscalls/api.ts";
import type { Credentials } from "../task.ts";
import { IpcPerm, nowSec, WaitQueue } from "./ipc_perm.ts";
import type { IpcTask } from "./ipc_perm.ts";
import type { IpcNamespace } from "./ipc_namespace.ts";
import { type KernelDelay, kernelDelay } from "../timers.ts";

/** Largest priority + 1 (`MQ_PRIO_MAX`). */
export const MQ_PRIO_MAX = 32768;
const MSG_OVERHEAD = 48;
const QUEUE_OVERHEAD = 256;

interface MqMessage {
  prio: number;
  data: Uint8Array;
}

/** One POSIX message queue. */
export class Mqueue {
  /** Owner, mode (key unused, 0). */
  readonly perm: IpcPerm;
  /** Messages, highest priority first, FIFO within a priority. */
  readonly messages: MqMessage[] = [];
  /** Bytes queued. */
  bytes = 0;
  /** Open descriptions. */
  opens = 0;
  /** Unlinked: freed when the last description closes. */
  unlinked = false;
  /** Sleepers (senders, timed receivers) and pollers. */
  readonly queue: WaitQueue = new WaitQueue();
  /** Receivers sleeping without a timeout, oldest first: a send hands them the message. */
  readonly receivers: { got: MqMessage | null; resolve(r: MqMessage | Errno): void }[] = [];
  /** Times for `/dev/mqueue` stat. */
  mtime: number = nowSec();

  /**
   * @param name Name with its leading slash.
   * @param perm Permissions.
   * @param maxmsg Capacity in messages.
   * @param msgsize Largest message.
   */
  constructor(
    readonly name: string,
    perm: IpcPerm,
    readonly maxmsg: number,
    readonly msgsize: number,
  ) {
    this.perm = perm;
  }

  /** Free the queue's memory and wake sleepers. */
  destroy(): void {
    if (this.perm.removed) return;
    this.perm.removed = true;
    this.perm.charger.uncharge(
      this.bytes + this.messages.length * MSG_OVERHEAD + QUEUE_OVERHEAD,
      "ipc",
    );
    this.messages.length = 0;
    this.bytes = 0;
    this.queue.wakeAll();
    for (const r of this.receivers.splice(0)) r.resolve(Errno.EBADF);
  }

  /** The text of `/dev/mqueue/NAME`. */
  info(): string {
    return `QSIZE:${String(this.bytes).padEnd(10)} NOTIFY:${"0".padEnd(5)} SIGNO:${
      "0".padEnd(5)
    } NOTIFY_PID:${"0".padEnd(6)}\n`;
  }

  /** `fstat` view for `/dev/mqueue`. */
  stat(ino: number): Stat {
    const t = { sec: this.mtime, nsec: 0 };
    const size = this.info().length;
    return {
      dev: 0x4d51,
      ino,
      mode: S_IFREG | (this.perm.mode & 0o777),
      nlink: 1,
      uid: this.perm.uid,
      gid: this.perm.gid,
      rdev: 0,
      size,
      blksize: 4096,
      blocks: 0,
      atime: t,
      mtime: t,
      ctime: t,
    };
  }
}

/**
 * An open description of a queue: what an mq descriptor's `OpenFile` holds as handle.
 * Structurally a VFS `FileHandle`.
 */
export class MqHandle {
  /** Not a stream: the `QSIZE:` text is read at the file offset, so `cat` ends. */
  readonly stream = false;
  #released = false;

  /**
   * @param mq The queue.
   * @param ns Its namespace (to free an unlinked queue at the last close).
   * @param flags Open flags (access mode, `O_NONBLOCK`).
   */
  constructor(readonly mq: Mqueue, readonly ns: IpcNamespace, public flags: number) {
    mq.opens++;
  }

  /**
   * Read the `QSIZE:` line.
   *
   * @param buf Destination.
   * @param pos Offset into the text.
   * @returns Bytes copied.
   */
  read(buf: Uint8Array, pos: number): number {
    const text = new TextEncoder().encode(this.mq.info()).subarray(pos);
    const n = Math.min(text.length, buf.length);
    buf.set(text.subarray(0, n));
    return n;
  }

  /**
   * Writes to a queue descriptor are refused (messages go through `mq_send`).
   *
   * @returns `EBADF`.
   */
  write(): Errno {
    return Errno.EBADF;
  }

  /** Readiness: POLLIN (1) with messages, POLLOUT (4) with room. */
  poll(): number {
    return (this.mq.messages.length > 0 ? 1 : 0) |
      (this.mq.messages.length < this.mq.maxmsg ? 4 : 0);
  }

  /** Settles at the next change of the queue. */
  waitReady(): Promise<void> {
    return this.mq.queue.wait().promise;
  }

  /** Size of the `QSIZE:` text (for `SEEK_END`). */
  size(): number {
    return this.mq.info().length;
  }

  /** Last close of the description. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.mq.opens--;
    if (this.mq.unlinked && this.mq.opens === 0) this.mq.destroy();
  }

  /** `fstat`. */
  stat(): Stat {
    return this.mq.stat(this.mq.perm.id || 1);
  }
}

/** Where mq descriptors live: the caller's fd table, adapted by the kernel wiring. */
export interface MqFds {
  /** Install a handle as a new fd (lowest free); `cloexec` from `O_CLOEXEC`. */
  install(handle: MqHandle, name: string, flags: number, cloexec: boolean): number | Errno;
  /** The handle behind an fd, if it is an mq descriptor (else undefined) and its current status flags. */
  lookup(fd: number): { handle: MqHandle; flags: number } | undefined | Errno;
}

function checkName(name: string): 0 | Errno {
  if (!name.startsWith("/") || name.length < 2 || name.indexOf("/", 1) >= 0) return Errno.EINVAL;
  if (name.length > 256) return Errno.ENAMETOOLONG;
  return 0;
}

function accessNeed(flags: number): number {
  const acc = flags & O.ACCMODE;
  return acc === O.RDONLY ? 4 : acc === O.WRONLY ? 2 : 6;
}

/**
 * `mq_open`.
 *
 * @param task Caller.
 * @param ns Caller's IPC namespace.
 * @param fds Caller's descriptor table.
 * @param name `/NAME`.
 * @param flags `O_RDONLY|O_WRONLY|O_RDWR`, `O_CREAT`, `O_EXCL`, `O_NONBLOCK`, `O_CLOEXEC`.
 * @param mode Permission bits when creating (umask not applied: the caller applies it).
 * @param attr Capacity when creating (defaults from the namespace's limits).
 * @returns The fd or an errno.
 */
export function mqOpen(
  task: IpcTask,
  ns: IpcNamespace,
  fds: MqFds,
  name: string,
  flags: number,
  mode: number,
  attr?: { maxmsg: number; msgsize: number },
): number | Errno {
  const bad = checkName(name);
  if (bad) return bad;
  let mq = ns.mq.get(name);
  if (mq && (flags & O.CREAT) && (flags & O.EXCL)) return Errno.EEXIST;
  if (!mq) {
    if (!(flags & O.CREAT)) return Errno.ENOENT;
    // Like Linux's do_create: the defaults never exceed the namespace's maximums.
    const maxmsg = attr?.maxmsg ?? Math.min(ns.limits.mqMsgDefault, ns.limits.mqMsgMax);
    const msgsize = attr?.msgsize ??
      Math.min(ns.limits.mqMsgsizeDefault, ns.limits.mqMsgsizeMax);
    const root = task.cred.euid === 0;
    if (maxmsg <= 0 || msgsize <= 0) return Errno.EINVAL;
    if (!root && (maxmsg > ns.limits.mqMsgMax || msgsize > ns.limits.mqMsgsizeMax)) {
      return Errno.EINVAL;
    }
    if (ns.mq.size >= ns.limits.mqQueuesMax && !root) return Errno.ENOSPC;
    if (!task.memory.tryCharge(QUEUE_OVERHEAD, "ipc")) return Errno.ENOMEM;
    mq = new Mqueue(name, new IpcPerm(0, task.cred, mode, task.memory), maxmsg, msgsize);
    ns.mq.set(name, mq);
  } else if (!mq.perm.allows(task.cred, accessNeed(flags))) return Errno.EACCES;
  const handle = new MqHandle(mq, ns, flags & (O.ACCMODE | O.NONBLOCK));
  const fd = fds.install(handle, name, flags & (O.ACCMODE | O.NONBLOCK), (flags & O.CLOEXEC) !== 0);
  if (fd < 0) handle.release();
  return fd;
}

/**
 * `mq_unlink`: remove the name; the queue lives until its last descriptor closes.
 *
 * @param task Caller.
 * @param ns Caller's IPC namespace.
 * @param name `/NAME`.
 * @returns 0 or an errno.
 */
export function mqUnlink(task: IpcTask, ns: IpcNamespace, name: string): 0 | Errno {
  const bad = checkName(name);
  if (bad) return bad;
  const mq = ns.mq.get(name);
  if (!mq) return Errno.ENOENT;
  if (!mq.perm.mayControl(task.cred)) return Errno.EACCES;
  ns.mq.delete(name);
  mq.unlinked = true;
  if (mq.opens === 0) mq.destroy();
  return 0;
}

function handleOf(fds: MqFds, fd: number): { handle: MqHandle; flags: number } | Errno {
  const h = fds.lookup(fd);
  if (h === undefined) return Errno.EBADF;
  return h;
}

function deadlineOf(timeout?: Timespec): number | Errno {
  if (!timeout) return Infinity;
  if (timeout.nsec < 0 || timeout.nsec >= 1e9) return Errno.EINVAL;
  return timeout.sec * 1000 + timeout.nsec / 1e6;
}

async function sleepOn(task: IpcTask, mq: Mqueue, deadline: number): Promise<0 | Errno> {
  const w = mq.queue.wait();
  let expiry: KernelDelay<"timeout"> | undefined;
  let wake: Promise<void | "timeout"> = w.promise;
  if (deadline !== Infinity) {
    const left = deadline - Date.now();
    if (left <= 0) {
      w.cancel();
      return Errno.ETIMEDOUT;
    }
    expiry = kernelDelay(left, "timeout");
    wake = Promise.race([w.promise, expiry.promise]);
  }
  const r = await task.block(wake, () => {
    w.cancel();
    expiry?.cancel();
  });
  expiry?.cancel();
  w.cancel();
  if (r === Errno.EINTR) return Errno.EINTR;
  return r === "timeout" ? Errno.ETIMEDOUT : 0;
}

/**
 * `mq_send`/`mq_timedsend`: sleeps while full unless `O_NONBLOCK` (`EAGAIN`).
 *
 * @param task Caller.
 * @param fds Caller's descriptor table.
 * @param fd Queue descriptor.
 * @param data Message (copied).
 * @param prio Priority, 0..32767.
 * @param timeout Absolute `CLOCK_REALTIME` deadline.
 * @returns 0 or an errno (`EAGAIN`, `EMSGSIZE`, `ETIMEDOUT`, `EINTR`, `EBADF`, `EINVAL`).
 */
export function mqSend(
  task: IpcTask,
  fds: MqFds,
  fd: number,
  data: Uint8Array,
  prio: number,
  timeout?: Timespec,
): MaybeAsync<0 | Errno> {
  const h = handleOf(fds, fd);
  if (typeof h === "number") return h;
  if ((h.flags & O.ACCMODE) === O.RDONLY) return Errno.EBADF;
  if (!Number.isInteger(prio) || prio < 0 || prio >= MQ_PRIO_MAX) return Errno.EINVAL;
  const mq = h.handle.mq;
  if (data.length > mq.msgsize) return Errno.EMSGSIZE;
  const copy = data.slice();
  const attempt = (): 0 | Errno => {
    const waiting = mq.receivers.shift();
    if (waiting) {
      // The queue is empty while a receiver sleeps: hand the message over.
      waiting.got = { prio, data: copy };
      mq.mtime = nowSec();
      waiting.resolve(waiting.got);
      return 0;
    }
    if (mq.messages.length >= mq.maxmsg) return Errno.EAGAIN;
    if (!mq.perm.charger.tryCharge(copy.length + MSG_OVERHEAD, "ipc")) return Errno.ENOMEM;
    let i = mq.messages.length;
    while (i > 0 && mq.messages[i - 1]!.prio < prio) i--;
    mq.messages.splice(i, 0, { prio, data: copy });
    mq.bytes += copy.length;
    mq.mtime = nowSec();
    mq.queue.wakeAll();
    return 0;
  };
  const first = attempt();
  if (first !== Errno.EAGAIN || h.flags & O.NONBLOCK) return first;
  const deadline = deadlineOf(timeout);
  if (typeof deadline === "number" && deadline < 0) return deadline as Errno;
  return (async () => {
    for (;;) {
      const s = await sleepOn(task, mq, deadline);
      if (s) return s;
      const r = attempt();
      if (r !== Errno.EAGAIN) return r;
    }
  })();
}

/**
 * `mq_receive`/`mq_timedreceive`: the oldest message of the highest priority.
 *
 * @param task Caller.
 * @param fds Caller's descriptor table.
 * @param fd Queue descriptor.
 * @param maxSize Buffer size: must be >= the queue's `msgsize` (`EMSGSIZE`).
 * @param timeout Absolute `CLOCK_REALTIME` deadline.
 * @returns The message and its priority, or an errno.
 */
export function mqReceive(
  task: IpcTask,
  fds: MqFds,
  fd: number,
  maxSize: number,
  timeout?: Timespec,
): MaybeAsync<{ data: Uint8Array; prio: number } | Errno> {
  const h = handleOf(fds, fd);
  if (typeof h === "number") return h;
  if ((h.flags & O.ACCMODE) === O.WRONLY) return Errno.EBADF;
  const mq = h.handle.mq;
  if (maxSize < mq.msgsize) return Errno.EMSGSIZE;
  const attempt = (): { data: Uint8Array; prio: number } | Errno => {
    const m = mq.messages.shift();
    if (!m) return Errno.EAGAIN;
    mq.bytes -= m.data.length;
    mq.perm.charger.uncharge(m.data.length + MSG_OVERHEAD, "ipc");
    mq.mtime = nowSec();
    mq.queue.wakeAll();
    return m;
  };
  const first = attempt();
  if (first !== Errno.EAGAIN || h.flags & O.NONBLOCK) return first;
  if (!timeout) {
    let rec!: { got: MqMessage | null; resolve(r: MqMessage | Errno): void };
    const wake = new Promise<MqMessage | Errno>((resolve) => (rec = { got: null, resolve }));
    mq.receivers.push(rec);
    return task.block(wake, () => {
      const i = mq.receivers.indexOf(rec);
      if (i >= 0) mq.receivers.splice(i, 1);
      else if (
        rec.got && !mq.perm.removed &&
        mq.perm.charger.tryCharge(rec.got.data.length + MSG_OVERHEAD, "ipc")
      ) {
        // Interrupted right after a hand-over: the message goes back first in line.
        mq.messages.unshift(rec.got);
        mq.bytes += rec.got.data.length;
      }
    });
  }
  const deadline = deadlineOf(timeout);
  if (typeof deadline === "number" && deadline < 0) return deadline as Errno;
  return (async () => {
    for (;;) {
      const s = await sleepOn(task, mq, deadline);
      if (s) return s;
      const r = attempt();
      if (r !== Errno.EAGAIN) return r;
    }
  })();
}

/**
 * `mq_getattr`.
 *
 * @param fds Caller's descriptor table.
 * @param fd Queue descriptor.
 * @returns Flags (`O_NONBLOCK`), capacity, message size and current count.
 */
export function mqGetattr(
  fds: MqFds,
  fd: number,
): { flags: number; maxmsg: number; msgsize: number; curmsgs: number } | Errno {
  const h = handleOf(fds, fd);
  if (typeof h === "number") return h;
  const mq = h.handle.mq;
  return {
    flags: h.flags & O.NONBLOCK,
    maxmsg: mq.maxmsg,
    msgsize: mq.msgsize,
    curmsgs: mq.messages.length,
  };
}

/**
 * Whether credentials may open a queue with flags (for `/dev/mqueue` listings).
 *
 * @param mq Queue.
 * @param cred Credentials.
 * @param flags Open flags.
 * @returns true when allowed.
 */
export function mqMayOpen(mq: Mqueue, cred: Credentials, flags: number): boolean {
  return mq.perm.allows(cred, accessNeed(flags));
}
