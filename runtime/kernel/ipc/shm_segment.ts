/**
 * System V shared memory: `shmget`, `shmat`, `shmdt`, `shmctl` (Linux ipc/shm.c).
 * A segment is one `Uint8Array`; for builtin programs `shmat` returns a view of it, so
 * every attacher sees the same bytes. There is no MMU: `SHM_RDONLY` is recorded but a
 * builtin could still write through its view. The segment's size (rounded to pages) is
 * charged to the creator's memory cgroup.
 *
 * @module
 */
import { Errno } from "../errno.ts";
import type { IpcStat } from "../syscalls/api.ts";
import { ipcGet } from "./ipc_ids.ts";
import { IPC_INFO, IPC_RMID, IPC_SET, IPC_STAT, IpcPerm, nowSec } from "./ipc_perm.ts";
import type { IpcTask } from "./ipc_perm.ts";
import type { IpcNamespace } from "./ipc_namespace.ts";

/** `SHM_RDONLY` attach flag. */
export const SHM_RDONLY = 0o10000;
/** Mode bit: removed, destroyed at the last detach (`SHM_DEST`). */
export const SHM_DEST = 0o1000;
/** shmctl commands beyond `IPC_*`. */
export const SHM = { LOCK: 11, UNLOCK: 12, SHM_STAT: 13, SHM_INFO: 14 } as const;
/** Page size used for rounding and `shmall`. */
export const PAGE_SIZE = 4096;

/** One shared memory segment. */
export class ShmSegment {
  /** Permissions, key, id. */
  readonly perm: IpcPerm;
  /** The bytes (length = pages * PAGE_SIZE). */
  readonly data: Uint8Array;
  /** Requested size. */
  readonly segsz: number;
  /** Current attaches. */
  nattch = 0;
  /** Creator pid. */
  readonly cpid: number;
  /** Pid of the last attach/detach. */
  lpid = 0;
  /** Last attach / detach times. */
  atime = 0;
  /** Last detach time. */
  dtime = 0;

  /**
   * @param perm Permissions.
   * @param size Requested size.
   * @param cpid Creator pid.
   */
  constructor(perm: IpcPerm, size: number, cpid: number) {
    this.perm = perm;
    this.segsz = size;
    this.data = new Uint8Array(pages(size) * PAGE_SIZE);
    this.cpid = cpid;
  }

  /** Free the memory. */
  destroy(): void {
    if (this.perm.removed) return;
    this.perm.removed = true;
    this.perm.charger.uncharge(this.data.length, "ipc");
  }
}

/** An attach of a segment by a task. */
export interface ShmAttach {
  /** The segment. */
  seg: ShmSegment;
  /** The view returned to the task (identity is what `shmdt` matches). */
  view: Uint8Array;
  /** Attached read-only. */
  readonly: boolean;
}

function pages(size: number): number {
  return Math.ceil(size / PAGE_SIZE);
}

/**
 * `shmget`.
 *
 * @param task Caller.
 * @param ns Caller's IPC namespace.
 * @param key Key or `IPC_PRIVATE`.
 * @param size Bytes (a new segment is zero-filled).
 * @param flags `IPC_CREAT | IPC_EXCL | mode`.
 * @returns The id or an errno (`EINVAL` size, `ENOSPC` limits, `ENOMEM` cgroup).
 */
export function shmget(
  task: IpcTask,
  ns: IpcNamespace,
  key: number,
  size: number,
  flags: number,
): number | Errno {
  return ipcGet(
    ns.shm,
    key,
    flags,
    task.cred,
    () => {
      if (!Number.isInteger(size) || size < 1 || size > ns.limits.shmmax) return Errno.EINVAL;
      let used = pages(size);
      for (const s of ns.shm) used += pages(s.segsz);
      if (used > ns.limits.shmall) return Errno.ENOSPC;
      const bytes = pages(size) * PAGE_SIZE;
      if (!task.memory.tryCharge(bytes, "ipc")) return Errno.ENOMEM;
      let seg: ShmSegment;
      try {
        seg = new ShmSegment(new IpcPerm(key, task.cred, flags, task.memory), size, task.nsPid);
      } catch {
        task.memory.uncharge(bytes, "ipc");
        return Errno.ENOMEM;
      }
      const id = ns.shm.add(seg, ns.limits.shmmni);
      if (id < 0) task.memory.uncharge(bytes, "ipc");
      return id;
    },
    (s) => (size > s.segsz ? Errno.EINVAL : 0),
  );
}

/**
 * `shmat`: a view of the segment's bytes, shared with every other attacher.
 *
 * @param task Caller.
 * @param ns Caller's IPC namespace.
 * @param id Segment id.
 * @param flags `SHM_RDONLY`.
 * @returns The view or an errno.
 */
export function shmat(
  task: IpcTask,
  ns: IpcNamespace,
  id: number,
  flags: number,
): Uint8Array | Errno {
  const seg = ns.shm.get(id);
  if (!seg || seg.perm.removed) return Errno.EINVAL;
  const ro = (flags & SHM_RDONLY) !== 0;
  if (!seg.perm.allows(task.cred, ro ? 4 : 6)) return Errno.EACCES;
  const view = new Uint8Array(seg.data.buffer, 0, seg.segsz);
  const list = ns.shmAttaches.get(task.id) ?? [];
  list.push({ seg, view, readonly: ro });
  ns.shmAttaches.set(task.id, list);
  seg.nattch++;
  seg.lpid = task.nsPid;
  seg.atime = nowSec();
  return view;
}

function detach(ns: IpcNamespace, a: ShmAttach, pid: number): void {
  const seg = a.seg;
  seg.nattch--;
  seg.lpid = pid;
  seg.dtime = nowSec();
  if (seg.nattch === 0 && seg.perm.mode & SHM_DEST) {
    ns.shm.remove(seg);
    seg.destroy();
  }
}

/**
 * `shmdt`: detach a view returned by {@link shmat}.
 *
 * @param task Caller.
 * @param ns Caller's IPC namespace.
 * @param view The view.
 * @returns 0, or `EINVAL` when `view` is not an attach of this task.
 */
export function shmdt(task: IpcTask, ns: IpcNamespace, view: Uint8Array): 0 | Errno {
  const list = ns.shmAttaches.get(task.id);
  const i = list ? list.findIndex((a) => a.view === view) : -1;
  if (!list || i < 0) return Errno.EINVAL;
  const [a] = list.splice(i, 1);
  if (list.length === 0) ns.shmAttaches.delete(task.id);
  detach(ns, a!, task.nsPid);
  return 0;
}

/**
 * Detach every segment of an exiting task.
 *
 * @param task The task.
 * @param ns Its IPC namespace.
 */
export function detachAllShm(task: IpcTask, ns: IpcNamespace): void {
  const list = ns.shmAttaches.get(task.id);
  if (!list) return;
  ns.shmAttaches.delete(task.id);
  for (const a of list) detach(ns, a, task.nsPid);
}

function statOf(s: ShmSegment): IpcStat {
  return {
    ...s.perm.stat(),
    segsz: s.segsz,
    nattch: s.nattch,
    cpid: s.cpid,
    lpid: s.lpid,
    atime: s.atime,
    dtime: s.dtime,
    ctime: s.perm.ctime,
  };
}

/**
 * `shmctl`: `IPC_STAT`, `IPC_SET`, `IPC_RMID` (destroyed at the last detach),
 * `SHM_LOCK`/`SHM_UNLOCK` (accepted, nothing to lock), `SHM_STAT` by index, and
 * `SHM_INFO`/`IPC_INFO` (`{maxidx, used, shmmax, shmall, shmmni, shm_tot}`).
 *
 * @param task Caller.
 * @param ns Caller's IPC namespace.
 * @param id Segment id (index for `SHM_STAT`).
 * @param cmd Command.
 * @param buf New values for `IPC_SET`.
 * @returns Stat, 0 or an errno.
 */
export function shmctl(
  task: IpcTask,
  ns: IpcNamespace,
  id: number,
  cmd: number,
  buf?: IpcStat,
): IpcStat | 0 | Errno {
  if (cmd === SHM.SHM_INFO || cmd === IPC_INFO) {
    let tot = 0;
    for (const s of ns.shm) tot += pages(s.segsz);
    return {
      key: 0,
      uid: 0,
      gid: 0,
      cuid: 0,
      cgid: 0,
      mode: 0,
      maxidx: ns.shm.maxIndex,
      used: ns.shm.count,
      shmmax: ns.limits.shmmax,
      shmall: ns.limits.shmall,
      shmmni: ns.limits.shmmni,
      shm_tot: tot,
    };
  }
  const seg = cmd === SHM.SHM_STAT ? ns.shm.at(id) : ns.shm.get(id);
  if (!seg) return Errno.EINVAL;
  switch (cmd) {
    case IPC_STAT:
    case SHM.SHM_STAT:
      return seg.perm.allows(task.cred, 4) ? statOf(seg) : Errno.EACCES;
    case IPC_SET:
      if (!buf) return Errno.EFAULT;
      if (!seg.perm.mayControl(task.cred)) return Errno.EPERM;
      seg.perm.uid = buf.uid;
      seg.perm.gid = buf.gid;
      seg.perm.mode = (seg.perm.mode & ~0o777) | (buf.mode & 0o777);
      seg.perm.ctime = nowSec();
      return 0;
    case IPC_RMID:
      if (!seg.perm.mayControl(task.cred)) return Errno.EPERM;
      seg.perm.mode |= SHM_DEST;
      ns.shm.forgetKey(seg);
      if (seg.nattch === 0) {
        ns.shm.remove(seg);
        seg.destroy();
      }
      return 0;
    case SHM.LOCK:
    case SHM.UNLOCK:
      return seg.perm.mayControl(task.cred) ? 0 : Errno.EPERM;
    default:
      return Errno.EINVAL;
  }
}
