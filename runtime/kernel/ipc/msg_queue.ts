/**
 * System V message queues: `msgget`, `msgsnd`, `msgrcv`, `msgctl` (Linux ipc/msg.c).
 * Senders sleep while the queue is full, receivers while no message matches; removal
 * wakes both with `EIDRM`. Message bytes are charged to the creator's memory cgroup.
 *
 * @module
 */
import { Errno } from "../errno.ts";
import type { IpcStat, MaybeAsync } from "../syscalls/api.ts";
import { ipcGet } from "./ipc_ids.ts";
import {
  IPC_INFO,
  IPC_NOWAIT,
  IPC_RMID,
  IPC_SET,
  IPC_STAT,
  IpcPerm,
  nowSec,
  WaitQueue,
} from "./ipc_perm.ts";
import type { IpcTask } from "./ipc_perm.ts";
import type { IpcNamespace } from "./ipc_namespace.ts";
import { DirectSleeper } from "../task.ts";

/** `MSG_NOERROR`: truncate a too-long message instead of `E2BIG`. */
export const MSG_NOERROR = 0o10000;
/** `MSG_EXCEPT`: with msgtyp > 0, the first message of another type. */
export const MSG_EXCEPT = 0o20000;
/** `MSG_STAT`: `msgctl` by table index. */
export const MSG_STAT = 11;
/** `MSG_INFO`: namespace totals. */
export const MSG_INFO = 12;

/** Bytes charged per message besides its text (Linux `struct msg_msg`). */
const MSG_OVERHEAD = 48;
/** Bytes charged per queue. */
const QUEUE_OVERHEAD = 256;

interface Message {
  type: number;
  data: Uint8Array;
}

type Received = { type: number; data: Uint8Array } | Errno;

/** A sleeping receiver: a send hands it a matching message directly (Linux pipelined send). */
interface Receiver {
  msgtyp: number;
  except: boolean;
  maxSize: number;
  noerror: boolean;
  pid: number;
  resolve(r: Received): void;
}

/**
 * A sleeping `msgrcv`, given to `Task.block` as its wake-up: a sender hands a message over
 * by calling `resolve`, which settles the sleep at once (no promise of its own: one hop
 * less from `msgsnd` to the receiver running, as the pipes' sleepers).
 */
class Waiting extends DirectSleeper<Received> implements Receiver {
  constructor(
    private readonly q: MsgQueue,
    readonly msgtyp: number,
    readonly except: boolean,
    readonly maxSize: number,
    readonly noerror: boolean,
    readonly pid: number,
  ) {
    super();
  }

  resolve(r: Received): void {
    this.takeSleep()?.settle(r, false);
  }

  /** A signal came before any message: stop waiting. */
  cancelSleep(): void {
    this.takeSleep();
    const i = this.q.receivers.indexOf(this);
    if (i >= 0) this.q.receivers.splice(i, 1);
  }
}

function matches(type: number, msgtyp: number, except: boolean): boolean {
  if (msgtyp === 0) return true;
  if (msgtyp > 0) return (type === msgtyp) !== except;
  return type <= -msgtyp;
}

/** One message queue. */
export class MsgQueue {
  /** Permissions, key, id. */
  readonly perm: IpcPerm;
  /** Queued messages, oldest first. */
  readonly messages: Message[] = [];
  /** Bytes of text queued. */
  cbytes = 0;
  /** Byte limit (`msg_qbytes`). */
  qbytes: number;
  /** Pid of the last sender / receiver. */
  lspid = 0;
  /** Pid of the last receiver. */
  lrpid = 0;
  /** Last send / receive times. */
  stime = 0;
  /** Last receive time. */
  rtime = 0;
  /** Sleeping senders. */
  readonly senders: WaitQueue = new WaitQueue();
  /** Sleeping receivers, oldest first. */
  readonly receivers: Receiver[] = [];

  /**
   * @param perm Permissions.
   * @param qbytes Byte limit.
   */
  constructor(perm: IpcPerm, qbytes: number) {
    this.perm = perm;
    this.qbytes = qbytes;
  }

  /**
   * Index of the message `msgrcv` would take, or -1.
   *
   * @param msgtyp 0 first, > 0 first of that type, < 0 lowest type <= |msgtyp|.
   * @param except `MSG_EXCEPT`.
   * @returns The index.
   */
  find(msgtyp: number, except: boolean): number {
    const m = this.messages;
    if (msgtyp === 0) return m.length ? 0 : -1;
    if (msgtyp > 0) {
      for (let i = 0; i < m.length; i++) if ((m[i]!.type === msgtyp) !== except) return i;
      return -1;
    }
    let best = -1;
    let bestType = Infinity;
    for (let i = 0; i < m.length; i++) {
      const t = m[i]!.type;
      if (t <= -msgtyp && t < bestType) {
        best = i;
        bestType = t;
      }
    }
    return best;
  }

  /** Free everything and wake all sleepers (they see `EIDRM`). */
  destroy(): void {
    this.perm.removed = true;
    this.perm.charger.uncharge(
      this.cbytes + this.messages.length * MSG_OVERHEAD + QUEUE_OVERHEAD,
      "ipc",
    );
    this.messages.length = 0;
    this.cbytes = 0;
    this.senders.wakeAll();
    for (const r of this.receivers.splice(0)) r.resolve(Errno.EIDRM);
  }

  /**
   * Hand a new message to the oldest sleeping receiver it matches (too-small buffers get
   * `E2BIG`, as Linux wakes them).
   *
   * @param m The message.
   * @param pid Sender pid.
   * @returns true when a receiver took it.
   */
  handOver(m: Message): boolean {
    for (let i = 0; i < this.receivers.length; i++) {
      const r = this.receivers[i]!;
      if (!matches(m.type, r.msgtyp, r.except)) continue;
      if (i === 0) this.receivers.shift();
      else this.receivers.splice(i, 1);
      i--;
      if (m.data.length > r.maxSize && !r.noerror) {
        r.resolve(Errno.E2BIG);
        continue;
      }
      this.lrpid = r.pid;
      this.rtime = nowSec();
      r.resolve({
        type: m.type,
        data: m.data.length > r.maxSize ? m.data.subarray(0, r.maxSize) : m.data,
      });
      return true;
    }
    return false;
  }
}

/**
 * `msgget`.
 *
 * @param task Caller.
 * @param ns Caller's IPC namespace.
 * @param key Key or `IPC_PRIVATE`.
 * @param flags `IPC_CREAT | IPC_EXCL | mode`.
 * @returns The queue id or an errno.
 */
export function msgget(
  task: IpcTask,
  ns: IpcNamespace,
  key: number,
  flags: number,
): number | Errno {
  return ipcGet(ns.msg, key, flags, task.cred, () => {
    if (!task.memory.tryCharge(QUEUE_OVERHEAD, "ipc")) return Errno.ENOMEM;
    const q = new MsgQueue(new IpcPerm(key, task.cred, flags, task.memory), ns.limits.msgmnb);
    const id = ns.msg.add(q, ns.limits.msgmni);
    if (id < 0) task.memory.uncharge(QUEUE_OVERHEAD, "ipc");
    return id;
  });
}

/**
 * `msgsnd`: queue a message; sleeps while the queue is full unless `IPC_NOWAIT`.
 *
 * @param task Caller.
 * @param ns Caller's IPC namespace.
 * @param id Queue id.
 * @param type Message type (> 0).
 * @param data Message text (copied).
 * @param flags `IPC_NOWAIT`.
 * @returns 0 or an errno (`EAGAIN`, `EIDRM`, `EINTR`, `EINVAL`, `EACCES`, `ENOMEM`).
 */
export function msgsnd(
  task: IpcTask,
  ns: IpcNamespace,
  id: number,
  type: number,
  data: Uint8Array,
  flags: number,
): MaybeAsync<0 | Errno> {
  const q = ns.msg.get(id);
  if (!q) return Errno.EINVAL;
  if (!Number.isInteger(type) || type < 1 || data.length > ns.limits.msgmax) return Errno.EINVAL;
  if (!q.perm.allows(task.cred, 2)) return Errno.EACCES;
  const copy = data.slice();
  const r = trySend(task, q, type, copy);
  if (r !== Errno.EAGAIN || flags & IPC_NOWAIT) return r;
  return (async () => {
    for (;;) {
      const w = q.senders.wait();
      const woke = await task.block(w.promise, w.cancel);
      if (woke === Errno.EINTR) return Errno.EINTR;
      if (q.perm.removed) return Errno.EIDRM;
      const again = trySend(task, q, type, copy);
      if (again !== Errno.EAGAIN) return again;
    }
  })();
}

function trySend(task: IpcTask, q: MsgQueue, type: number, data: Uint8Array): 0 | Errno {
  if (q.perm.removed) return Errno.EIDRM;
  if (q.cbytes + data.length > q.qbytes || q.messages.length + 1 > q.qbytes) return Errno.EAGAIN;
  q.lspid = task.nsPid;
  q.stime = nowSec();
  if (q.receivers.length && q.handOver({ type, data })) return 0;
  if (!q.perm.charger.tryCharge(data.length + MSG_OVERHEAD, "ipc")) return Errno.ENOMEM;
  q.messages.push({ type, data });
  q.cbytes += data.length;
  return 0;
}

/**
 * `msgrcv`: take a message by type; sleeps while none matches unless `IPC_NOWAIT`.
 *
 * @param task Caller.
 * @param ns Caller's IPC namespace.
 * @param id Queue id.
 * @param maxSize Largest text accepted (`E2BIG` beyond, unless `MSG_NOERROR`).
 * @param msgtyp 0 first, > 0 that type, < 0 lowest type <= |msgtyp|.
 * @param flags `IPC_NOWAIT | MSG_NOERROR | MSG_EXCEPT`.
 * @returns The message or an errno (`ENOMSG`, `E2BIG`, `EIDRM`, `EINTR`, `EINVAL`, `EACCES`).
 */
export function msgrcv(
  task: IpcTask,
  ns: IpcNamespace,
  id: number,
  maxSize: number,
  msgtyp: number,
  flags: number,
): MaybeAsync<{ type: number; data: Uint8Array } | Errno> {
  const q = ns.msg.get(id);
  if (!q || maxSize < 0) return Errno.EINVAL;
  if (!q.perm.allows(task.cred, 4)) return Errno.EACCES;
  const r = tryReceive(task, q, maxSize, msgtyp, flags);
  if (r !== Errno.ENOMSG || flags & IPC_NOWAIT) return r;
  const waiter = new Waiting(
    q,
    msgtyp,
    (flags & MSG_EXCEPT) !== 0 && msgtyp > 0,
    maxSize,
    (flags & MSG_NOERROR) !== 0,
    task.nsPid,
  );
  q.receivers.push(waiter);
  // A hand-over settles the sleep at once, so a signal can only interrupt a receiver that
  // has no message yet (as Linux's pipelined send: a message handed over is received).
  return task.block(waiter);
}

function tryReceive(
  task: IpcTask,
  q: MsgQueue,
  maxSize: number,
  msgtyp: number,
  flags: number,
): { type: number; data: Uint8Array } | Errno {
  if (q.perm.removed) return Errno.EIDRM;
  const i = q.find(msgtyp, (flags & MSG_EXCEPT) !== 0 && msgtyp > 0);
  if (i < 0) return Errno.ENOMSG;
  const m = q.messages[i]!;
  if (m.data.length > maxSize && !(flags & MSG_NOERROR)) return Errno.E2BIG;
  q.messages.splice(i, 1);
  q.cbytes -= m.data.length;
  q.perm.charger.uncharge(m.data.length + MSG_OVERHEAD, "ipc");
  q.lrpid = task.nsPid;
  q.rtime = nowSec();
  q.senders.wakeAll();
  return { type: m.type, data: m.data.length > maxSize ? m.data.subarray(0, maxSize) : m.data };
}

function statOf(q: MsgQueue): IpcStat {
  return {
    ...q.perm.stat(),
    qnum: q.messages.length,
    qbytes: q.qbytes,
    cbytes: q.cbytes,
    lspid: q.lspid,
    lrpid: q.lrpid,
    stime: q.stime,
    rtime: q.rtime,
    ctime: q.perm.ctime,
  };
}

/**
 * `msgctl`: `IPC_STAT`, `IPC_SET` (uid, gid, mode, qbytes), `IPC_RMID`, and for `ipcs`
 * `MSG_STAT` (id = table index) and `MSG_INFO`/`IPC_INFO` (returns `{maxidx, used,
 * msgmax, msgmnb, msgmni, msgpool (queued messages), msgtql (queued bytes)}` in an
 * {@link IpcStat} shape).
 *
 * @param task Caller.
 * @param ns Caller's IPC namespace.
 * @param id Queue id (or index for `MSG_STAT`).
 * @param cmd Command.
 * @param buf New values for `IPC_SET`.
 * @returns The stat, 0, or an errno.
 */
export function msgctl(
  task: IpcTask,
  ns: IpcNamespace,
  id: number,
  cmd: number,
  buf?: IpcStat,
): IpcStat | 0 | Errno {
  if (cmd === MSG_INFO || cmd === IPC_INFO) {
    let msgs = 0;
    let bytes = 0;
    for (const q of ns.msg) {
      msgs += q.messages.length;
      bytes += q.cbytes;
    }
    return {
      key: 0,
      uid: 0,
      gid: 0,
      cuid: 0,
      cgid: 0,
      mode: 0,
      maxidx: ns.msg.maxIndex,
      used: ns.msg.count,
      msgmax: ns.limits.msgmax,
      msgmnb: ns.limits.msgmnb,
      msgmni: ns.limits.msgmni,
      msgpool: msgs,
      msgtql: bytes,
    };
  }
  const q = cmd === MSG_STAT ? ns.msg.at(id) : ns.msg.get(id);
  if (!q) return Errno.EINVAL;
  switch (cmd) {
    case IPC_STAT:
    case MSG_STAT:
      if (!q.perm.allows(task.cred, 4)) return Errno.EACCES;
      return statOf(q);
    case IPC_SET: {
      if (!buf) return Errno.EFAULT;
      if (!q.perm.mayControl(task.cred)) return Errno.EPERM;
      const qbytes = buf.qbytes ?? q.qbytes;
      if (qbytes > ns.limits.msgmnb && task.cred.euid !== 0) return Errno.EPERM;
      q.perm.uid = buf.uid;
      q.perm.gid = buf.gid;
      q.perm.mode = (q.perm.mode & ~0o777) | (buf.mode & 0o777);
      q.qbytes = qbytes;
      q.perm.ctime = nowSec();
      q.senders.wakeAll();
      return 0;
    }
    case IPC_RMID:
      if (!q.perm.mayControl(task.cred)) return Errno.EPERM;
      ns.msg.remove(q);
      q.destroy();
      return 0;
    default:
      return Errno.EINVAL;
  }
}
