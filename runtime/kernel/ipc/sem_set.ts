/**
 * System V semaphores: `semget`, `semop`/`semtimedop`, `semctl` (Linux ipc/sem.c).
 * An operation array is applied all-or-nothing; a caller that cannot proceed sleeps until
 * a change lets every operation succeed. `SEM_UNDO` adjustments are kept per process and
 * applied by {@link applySemUndo} when it exits.
 *
 * @module
 */
import { Errno } from "../errno.ts";
import type { IpcStat, MaybeAsync, Timespec } from "../syscalls/api.ts";
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
import { SEMVMX } from "./ipc_limits.ts";
import type { IpcNamespace } from "./ipc_namespace.ts";
import { type KernelDelay, kernelDelay } from "../timers.ts";

/** `SEM_UNDO`: undo the operation when the process exits. */
export const SEM_UNDO = 0x1000;
/** semctl commands. */
export const SEM = {
  GETPID: 11,
  GETVAL: 12,
  GETALL: 13,
  GETNCNT: 14,
  GETZCNT: 15,
  SETVAL: 16,
  SETALL: 17,
  SEM_STAT: 18,
  SEM_INFO: 19,
} as const;

/** One semaphore operation, as `struct sembuf`. */
export interface SemOp {
  /** Semaphore index. */
  num: number;
  /** Amount: > 0 add, < 0 wait-and-subtract, 0 wait-for-zero. */
  op: number;
  /** `IPC_NOWAIT | SEM_UNDO`. */
  flags: number;
}

interface Sleeper {
  num: number;
  zero: boolean;
}

/** One semaphore set. */
export class SemSet {
  /** Permissions, key, id. */
  readonly perm: IpcPerm;
  /** Values. */
  readonly values: number[];
  /** Pid of the last process that operated on each semaphore. */
  readonly pids: number[];
  /** Last `semop` time. */
  otime = 0;
  /** Sleepers. */
  readonly queue: WaitQueue = new WaitQueue();
  /** What each sleeper waits for (`GETNCNT`/`GETZCNT`). */
  readonly sleepers: Set<Sleeper> = new Set();
  /** `SEM_UNDO` adjustments per task id. */
  readonly undo: Map<number, number[]> = new Map();
  /** Bytes charged. */
  readonly charged: number;

  /**
   * @param perm Permissions.
   * @param nsems Number of semaphores.
   */
  constructor(perm: IpcPerm, nsems: number) {
    this.perm = perm;
    this.values = new Array(nsems).fill(0);
    this.pids = new Array(nsems).fill(0);
    this.charged = semBytes(nsems);
  }

  /** Free and wake all sleepers (they see `EIDRM`). */
  destroy(): void {
    this.perm.removed = true;
    this.perm.charger.uncharge(this.charged, "ipc");
    this.undo.clear();
    this.queue.wakeAll();
  }

  /** Forget undo adjustments of semaphore `num` (all when undefined), as SETVAL/SETALL do. */
  clearUndo(num?: number): void {
    for (const adj of this.undo.values()) {
      if (num === undefined) adj.fill(0);
      else adj[num] = 0;
    }
  }
}

function semBytes(nsems: number): number {
  return 256 + 64 * nsems;
}

/**
 * `semget`.
 *
 * @param task Caller.
 * @param ns Caller's IPC namespace.
 * @param key Key or `IPC_PRIVATE`.
 * @param nsems Semaphores in a new set (0 allowed when opening an existing one).
 * @param flags `IPC_CREAT | IPC_EXCL | mode`.
 * @returns The id or an errno.
 */
export function semget(
  task: IpcTask,
  ns: IpcNamespace,
  key: number,
  nsems: number,
  flags: number,
): number | Errno {
  if (!Number.isInteger(nsems) || nsems < 0 || nsems > ns.limits.semmsl) return Errno.EINVAL;
  return ipcGet(
    ns.sem,
    key,
    flags,
    task.cred,
    () => {
      if (nsems === 0) return Errno.EINVAL;
      let total = nsems;
      for (const s of ns.sem) total += s.values.length;
      if (total > ns.limits.semmns) return Errno.ENOSPC;
      if (!task.memory.tryCharge(semBytes(nsems), "ipc")) return Errno.ENOMEM;
      const set = new SemSet(new IpcPerm(key, task.cred, flags, task.memory), nsems);
      const id = ns.sem.add(set, ns.limits.semmni);
      if (id < 0) task.memory.uncharge(set.charged, "ipc");
      return id;
    },
    (s) => (nsems > s.values.length ? Errno.EINVAL : 0),
  );
}

/** Result of one attempt: done, or the operation that must wait. */
type Attempt = 0 | Errno | { block: SemOp };

function tryOps(task: IpcTask, set: SemSet, ops: SemOp[]): Attempt {
  if (set.perm.removed) return Errno.EIDRM;
  const vals = set.values.slice();
  for (const o of ops) {
    const v = vals[o.num]!;
    if (o.op > 0) {
      if (v + o.op > SEMVMX) return Errno.ERANGE;
      vals[o.num] = v + o.op;
    } else if (o.op === 0) {
      if (v !== 0) return { block: o };
    } else if (v + o.op < 0) return { block: o };
    else vals[o.num] = v + o.op;
  }
  for (const o of ops) {
    set.values[o.num] = vals[o.num]!;
    set.pids[o.num] = task.nsPid;
    if (o.flags & SEM_UNDO && o.op !== 0) {
      let adj = set.undo.get(task.id);
      if (!adj) set.undo.set(task.id, adj = new Array(set.values.length).fill(0));
      adj[o.num]! -= o.op;
    }
  }
  set.otime = nowSec();
  if (ops.some((o) => o.op !== 0)) set.queue.wakeAll();
  return 0;
}

/**
 * `semop`/`semtimedop`: apply all operations atomically, sleeping until they can be.
 *
 * @param task Caller.
 * @param ns Caller's IPC namespace.
 * @param id Set id.
 * @param ops Operations.
 * @param timeout Relative timeout (`semtimedop`): `EAGAIN` when it passes.
 * @returns 0 or an errno (`EAGAIN`, `EIDRM`, `EINTR`, `EFBIG`, `E2BIG`, `ERANGE`, `EACCES`, `EINVAL`).
 */
export function semop(
  task: IpcTask,
  ns: IpcNamespace,
  id: number,
  ops: SemOp[],
  timeout?: Timespec,
): MaybeAsync<0 | Errno> {
  const set = ns.sem.get(id);
  if (!set || ops.length === 0) return Errno.EINVAL;
  if (ops.length > ns.limits.semopm) return Errno.E2BIG;
  let alter = false;
  for (const o of ops) {
    if (!Number.isInteger(o.num) || o.num < 0 || o.num >= set.values.length) return Errno.EFBIG;
    if (o.op !== 0) alter = true;
  }
  if (!set.perm.allows(task.cred, alter ? 2 : 4)) return Errno.EACCES;
  if (timeout && (timeout.sec < 0 || timeout.nsec < 0 || timeout.nsec >= 1e9)) return Errno.EINVAL;
  const first = tryOps(task, set, ops);
  if (typeof first !== "object") return first;
  if (first.block.flags & IPC_NOWAIT) return Errno.EAGAIN;
  const deadline = timeout ? Date.now() + timeout.sec * 1000 + timeout.nsec / 1e6 : Infinity;
  return (async () => {
    let attempt: Attempt = first;
    while (typeof attempt === "object") {
      const sleeper: Sleeper = { num: attempt.block.num, zero: attempt.block.op === 0 };
      set.sleepers.add(sleeper);
      const w = set.queue.wait();
      let expiry: KernelDelay<"timeout"> | undefined;
      let wake: Promise<void | "timeout"> = w.promise;
      if (deadline !== Infinity) {
        expiry = kernelDelay(Math.max(0, deadline - Date.now()), "timeout");
        wake = Promise.race([w.promise, expiry.promise]);
      }
      const woke = await task.block(wake, () => {
        w.cancel();
        expiry?.cancel();
      });
      expiry?.cancel();
      w.cancel();
      set.sleepers.delete(sleeper);
      if (woke === Errno.EINTR) return Errno.EINTR;
      if (set.perm.removed) return Errno.EIDRM;
      attempt = tryOps(task, set, ops);
      if (typeof attempt === "object" && woke === "timeout") return Errno.EAGAIN;
      if (typeof attempt === "object" && attempt.block.flags & IPC_NOWAIT) return Errno.EAGAIN;
    }
    return attempt;
  })();
}

function statOf(s: SemSet): IpcStat {
  return { ...s.perm.stat(), nsems: s.values.length, otime: s.otime, ctime: s.perm.ctime };
}

/**
 * `semctl`.
 *
 * @param task Caller.
 * @param ns Caller's IPC namespace.
 * @param id Set id (table index for `SEM_STAT`).
 * @param num Semaphore index for per-semaphore commands.
 * @param cmd `GETPID GETVAL GETALL GETNCNT GETZCNT SETVAL SETALL IPC_STAT IPC_SET IPC_RMID SEM_STAT SEM_INFO IPC_INFO`.
 * @param arg The value (`SETVAL`), values (`SETALL`) or new perms (`IPC_SET`).
 * @returns A number, the values, a stat, or an errno.
 */
export function semctl(
  task: IpcTask,
  ns: IpcNamespace,
  id: number,
  num: number,
  cmd: number,
  arg?: number | number[] | IpcStat,
): number | number[] | IpcStat | Errno {
  if (cmd === SEM.SEM_INFO || cmd === IPC_INFO) {
    let total = 0;
    for (const s of ns.sem) total += s.values.length;
    return {
      key: 0,
      uid: 0,
      gid: 0,
      cuid: 0,
      cgid: 0,
      mode: 0,
      maxidx: ns.sem.maxIndex,
      used: ns.sem.count,
      semmsl: ns.limits.semmsl,
      semmns: ns.limits.semmns,
      semopm: ns.limits.semopm,
      semmni: ns.limits.semmni,
      semaem: total,
    };
  }
  const set = cmd === SEM.SEM_STAT ? ns.sem.at(id) : ns.sem.get(id);
  if (!set) return Errno.EINVAL;
  const perNum = cmd === SEM.GETPID || cmd === SEM.GETVAL || cmd === SEM.GETNCNT ||
    cmd === SEM.GETZCNT || cmd === SEM.SETVAL;
  if (perNum && (!Number.isInteger(num) || num < 0 || num >= set.values.length)) {
    return Errno.EINVAL;
  }
  const read = () => set.perm.allows(task.cred, 4);
  switch (cmd) {
    case IPC_STAT:
    case SEM.SEM_STAT:
      return read() ? statOf(set) : Errno.EACCES;
    case SEM.GETVAL:
      return read() ? set.values[num]! : Errno.EACCES;
    case SEM.GETPID:
      return read() ? set.pids[num]! : Errno.EACCES;
    case SEM.GETALL:
      return read() ? set.values.slice() : Errno.EACCES;
    case SEM.GETNCNT:
    case SEM.GETZCNT: {
      if (!read()) return Errno.EACCES;
      const zero = cmd === SEM.GETZCNT;
      let n = 0;
      for (const s of set.sleepers) if (s.num === num && s.zero === zero) n++;
      return n;
    }
    case SEM.SETVAL: {
      if (!set.perm.allows(task.cred, 2)) return Errno.EACCES;
      if (typeof arg !== "number" || !Number.isInteger(arg)) return Errno.EINVAL;
      if (arg < 0 || arg > SEMVMX) return Errno.ERANGE;
      set.values[num] = arg;
      set.pids[num] = task.nsPid;
      set.clearUndo(num);
      set.perm.ctime = nowSec();
      set.queue.wakeAll();
      return 0;
    }
    case SEM.SETALL: {
      if (!set.perm.allows(task.cred, 2)) return Errno.EACCES;
      if (!Array.isArray(arg) || arg.length !== set.values.length) return Errno.EINVAL;
      if (arg.some((v) => !Number.isInteger(v) || v < 0 || v > SEMVMX)) return Errno.ERANGE;
      arg.forEach((v, i) => {
        set.values[i] = v;
        set.pids[i] = task.nsPid;
      });
      set.clearUndo();
      set.perm.ctime = nowSec();
      set.queue.wakeAll();
      return 0;
    }
    case IPC_SET: {
      if (!arg || typeof arg !== "object" || Array.isArray(arg)) return Errno.EFAULT;
      if (!set.perm.mayControl(task.cred)) return Errno.EPERM;
      set.perm.uid = arg.uid;
      set.perm.gid = arg.gid;
      set.perm.mode = (set.perm.mode & ~0o777) | (arg.mode & 0o777);
      set.perm.ctime = nowSec();
      return 0;
    }
    case IPC_RMID:
      if (!set.perm.mayControl(task.cred)) return Errno.EPERM;
      ns.sem.remove(set);
      set.destroy();
      return 0;
    default:
      return Errno.EINVAL;
  }
}

/**
 * Apply and drop the `SEM_UNDO` adjustments of an exiting task (Linux `exit_sem`): each
 * value moves by the adjustment, clamped to 0..SEMVMX, and sleepers are woken.
 *
 * @param task The exiting task.
 * @param ns Its IPC namespace.
 */
export function applySemUndo(task: IpcTask, ns: IpcNamespace): void {
  for (const set of ns.sem) {
    const adj = set.undo.get(task.id);
    if (!adj) continue;
    set.undo.delete(task.id);
    let changed = false;
    adj.forEach((a, i) => {
      if (a === 0) return;
      set.values[i] = Math.min(SEMVMX, Math.max(0, set.values[i]! + a));
      set.pids[i] = task.nsPid;
      changed = true;
    });
    if (changed) set.queue.wakeAll();
  }
}
