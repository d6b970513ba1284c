/**
 * An IPC namespace: the System V objects, POSIX queues and limits that processes in it
 * share. Created for the initial namespace and for `CLONE_NEWIPC`; destroyed (every
 * object freed, its memory uncharged, sleepers woken with `EIDRM`) when its last process
 * leaves, as Linux frees an IPC namespace.
 *
 * @module
 */
import { defaultIpcLimits } from "./ipc_limits.ts";
import type { IpcLimits } from "./ipc_limits.ts";
import { IpcIds } from "./ipc_ids.ts";
import type { MsgQueue } from "./msg_queue.ts";
import type { SemSet } from "./sem_set.ts";
import type { ShmAttach, ShmSegment } from "./shm_segment.ts";
import type { Mqueue } from "./mqueue.ts";

/** One IPC namespace. */
export class IpcNamespace {
  /** Tunables (`/proc/sys/kernel/msg*`, `sem`, `shm*`, `/proc/sys/fs/mqueue/*`). */
  readonly limits: IpcLimits;
  /** Message queues. */
  readonly msg: IpcIds<MsgQueue> = new IpcIds();
  /** Semaphore sets. */
  readonly sem: IpcIds<SemSet> = new IpcIds();
  /** Shared memory segments. */
  readonly shm: IpcIds<ShmSegment> = new IpcIds();
  /** Attaches per task id. */
  readonly shmAttaches: Map<number, ShmAttach[]> = new Map();
  /** POSIX message queues by name (`/q`). */
  readonly mq: Map<string, Mqueue> = new Map();
  /** Processes in the namespace. */
  #members = 0;
  /** Set once destroyed. */
  dead = false;

  /**
   * A new empty namespace. Linux gives a new namespace default limits (not the parent's).
   *
   * @param limits Initial limits (default: Linux defaults).
   * @example
   * ```ts
   * import { IpcNamespace } from "./ipc_namespace.ts";
   * const ns = new IpcNamespace();
   * console.assert(ns.msg.count === 0);
   * ```
   */
  constructor(limits: IpcLimits = defaultIpcLimits()) {
    this.limits = limits;
  }

  /** Number of processes in the namespace. */
  get members(): number {
    return this.#members;
  }

  /** A process entered (spawn, `unshare`, `setns`). */
  enter(): void {
    this.#members++;
  }

  /**
   * A process left (exit, `unshare`, `setns`); the last one destroys the namespace.
   *
   * @returns true when the namespace was destroyed.
   */
  leave(): boolean {
    if (this.#members > 0) this.#members--;
    if (this.#members === 0 && !this.dead) {
      this.destroy();
      return true;
    }
    return false;
  }

  /** Free every object now. */
  destroy(): void {
    this.dead = true;
    for (const q of [...this.msg]) {
      this.msg.remove(q);
      q.destroy();
    }
    for (const s of [...this.sem]) {
      this.sem.remove(s);
      s.destroy();
    }
    this.shmAttaches.clear();
    for (const s of [...this.shm]) {
      this.shm.remove(s);
      s.destroy();
    }
    for (const m of this.mq.values()) m.destroy();
    this.mq.clear();
  }
}
