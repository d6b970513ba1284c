/**
 * What every System V IPC object has: `struct kern_ipc_perm` (key, id, owner, creator,
 * mode), the permission check of Linux `ipcperms`, the constants of `<sys/ipc.h>`, and a
 * wait queue for sleepers.
 *
 * @module
 */
import type { Credentials, MemoryCharger, Task } from "../task.ts";

/** `IPC_PRIVATE`: always make a new object. */
export const IPC_PRIVATE = 0;
/** `IPC_CREAT`: create if the key does not exist. */
export const IPC_CREAT = 0o1000;
/** `IPC_EXCL`: fail with `EEXIST` if the key exists. */
export const IPC_EXCL = 0o2000;
/** `IPC_NOWAIT`: return `EAGAIN`/`ENOMSG` instead of sleeping. */
export const IPC_NOWAIT = 0o4000;
/** `IPC_RMID`. */
export const IPC_RMID = 0;
/** `IPC_SET`. */
export const IPC_SET = 1;
/** `IPC_STAT`. */
export const IPC_STAT = 2;
/** `IPC_INFO`. */
export const IPC_INFO = 3;
/** Linux `IPCMNI`: ids are `seq * IPCMNI + index`. */
export const IPCMNI = 32768;

/** A task as IPC sees it: credentials, pid, memory cgroup, blocking, and its namespace. */
export type IpcTask<Ns = unknown> = Task<unknown, Ns>;

/** Owner, creator, mode and key of an IPC object. */
export class IpcPerm {
  /** Key (0 after `IPC_RMID` of a still-attached segment, and for `IPC_PRIVATE`). */
  key: number;
  /** Full id (`seq * IPCMNI + index`). */
  id = 0;
  /** Owner uid. */
  uid: number;
  /** Owner gid. */
  gid: number;
  /** Creator uid. */
  readonly cuid: number;
  /** Creator gid. */
  readonly cgid: number;
  /** Low 9 permission bits (plus object-specific flags above them). */
  mode: number;
  /** Set once removed: waiters get `EIDRM`. */
  removed = false;
  /** Last change time (seconds). */
  ctime: number = nowSec();
  /** The memory cgroup charged for this object. */
  readonly charger: MemoryCharger;

  /**
   * @param key The key.
   * @param cred Creator credentials.
   * @param mode Permission bits from the `*get` flags.
   * @param charger Creator's memory cgroup.
   */
  constructor(key: number, cred: Credentials, mode: number, charger: MemoryCharger) {
    this.key = key;
    this.uid = this.cuid = cred.euid;
    this.gid = this.cgid = cred.egid;
    this.mode = mode & 0o777;
    this.charger = charger;
  }

  /**
   * Linux `ipcperms`: may `cred` access with `need` (4 read, 2 write, 6 both)?
   *
   * @param cred Caller's credentials.
   * @param need Requested bits (`0o4`, `0o2`).
   * @returns true when allowed.
   */
  allows(cred: Credentials, need: number): boolean {
    if (cred.euid === 0) return true;
    let granted: number;
    if (cred.euid === this.uid || cred.euid === this.cuid) granted = (this.mode >> 6) & 7;
    else if (inGroup(cred, this.gid) || inGroup(cred, this.cgid)) granted = (this.mode >> 3) & 7;
    else granted = this.mode & 7;
    return (granted & need) === need;
  }

  /**
   * May `cred` remove or change the object (`IPC_RMID`, `IPC_SET`): root, owner or creator.
   *
   * @param cred Caller's credentials.
   * @returns true when allowed.
   */
  mayControl(cred: Credentials): boolean {
    return cred.euid === 0 || cred.euid === this.uid || cred.euid === this.cuid;
  }

  /**
   * The `ipc_perm` part of `IPC_STAT`.
   *
   * @returns key, uid, gid, cuid, cgid, mode, id.
   */
  stat(): {
    key: number;
    uid: number;
    gid: number;
    cuid: number;
    cgid: number;
    mode: number;
    id: number;
  } {
    return {
      key: this.key,
      uid: this.uid,
      gid: this.gid,
      cuid: this.cuid,
      cgid: this.cgid,
      mode: this.mode,
      id: this.id,
    };
  }
}

function inGroup(cred: Credentials, gid: number): boolean {
  return cred.egid === gid || cred.groups.includes(gid);
}

/**
 * Seconds since the epoch (the times `IPC_STAT` reports).
 *
 * @returns Whole seconds.
 */
export function nowSec(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * Sleepers on an IPC object. A waiter takes a promise, sleeps on it through
 * {@link Task.block}, and re-checks its condition when woken (every change wakes all).
 */
export class WaitQueue {
  #waiters = new Set<() => void>();

  /**
   * Register a waiter.
   *
   * @returns The promise to sleep on, and `cancel` to unregister (for `Task.block`).
   */
  wait(): { promise: Promise<void>; cancel: () => void } {
    let wake!: () => void;
    const promise = new Promise<void>((r) => (wake = r));
    this.#waiters.add(wake);
    return { promise, cancel: () => this.#waiters.delete(wake) };
  }

  /** Wake every waiter. */
  wakeAll(): void {
    if (this.#waiters.size === 0) return;
    const list = [...this.#waiters];
    this.#waiters.clear();
    for (const w of list) w();
  }

  /** Number of sleepers. */
  get size(): number {
    return this.#waiters.size;
  }
}
