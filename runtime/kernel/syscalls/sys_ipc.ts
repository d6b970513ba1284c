/**
 * System V IPC system calls (`msg*`, `sem*`, `shm*`) and the process hooks of the IPC
 * subsystem. Each call is the one of the same name in `api.ts`, taking the calling
 * {@link IpcTask} first; its IPC namespace is `task.ipc` (an {@link IpcNamespace}).
 *
 * Wiring for the process side:
 * - the initial process gets `new IpcNamespace()`, then {@link ipcEnter}; a spawned child
 *   inherits the parent's and calls {@link ipcEnter}; `CLONE_NEWIPC` makes a new one;
 * - `unshare(CLONE_NEWIPC)`/`setns`: {@link ipcSwitch} (old one left, new one entered);
 * - at exit: {@link onProcessExit} (SEM_UNDO, shm detach, namespace freed with its last
 *   process);
 * - `Syscalls`: `msgget: (k, f) => msgget(task, k, f)` and so on.
 *
 * @module
 */
import type { Errno } from "../errno.ts";
import type { IpcStat, MaybeAsync, Timespec } from "./api.ts";
import { IpcNamespace } from "../ipc/ipc_namespace.ts";
import type { IpcTask } from "../ipc/ipc_perm.ts";
import * as msg from "../ipc/msg_queue.ts";
import * as sem from "../ipc/sem_set.ts";
import * as shm from "../ipc/shm_segment.ts";

/**
 * The IPC namespace of a task. A task without one is a kernel bug.
 *
 * @param task Caller.
 * @returns Its namespace.
 */
export function ipcNamespaceOf(task: IpcTask): IpcNamespace {
  const ns = task.ipc;
  if (!(ns instanceof IpcNamespace)) throw new Error("kernel bug: task.ipc is not an IpcNamespace");
  return ns;
}

/**
 * A process entered `ns` (initial process, spawn, clone).
 *
 * @param ns The namespace.
 * @example
 * ```ts ignore
 * const ns = new IpcNamespace();
 * ipcEnter(ns); // for the init process
 * ```
 */
export function ipcEnter(ns: IpcNamespace): void {
  ns.enter();
}

/**
 * Process exit: apply `SEM_UNDO` adjustments, detach shared memory, and leave the
 * namespace (the last process frees it). Call once per process, before it becomes a zombie.
 *
 * @param task The exiting task.
 */
export function onProcessExit(task: IpcTask): void {
  const ns = task.ipc;
  if (!(ns instanceof IpcNamespace)) return;
  sem.applySemUndo(task, ns);
  shm.detachAllShm(task, ns);
  ns.leave();
}

/**
 * Move a task to another namespace (`unshare(CLONE_NEWIPC)`, `setns`): its undo list is
 * applied and its attaches dropped in the old one (as Linux `exit_sem`), the old one is
 * left and `next` entered. The caller then stores `next` as the task's `ipc`.
 *
 * @param task The task (still with its old `ipc`).
 * @param next The namespace to enter.
 */
export function ipcSwitch(task: IpcTask, next: IpcNamespace): void {
  next.enter();
  onProcessExit(task);
}

/** `msgget`. See {@link msg.msgget}. */
export function msgget(task: IpcTask, key: number, flags: number): number | Errno {
  return msg.msgget(task, ipcNamespaceOf(task), key, flags);
}

/** `msgsnd`. See {@link msg.msgsnd}. */
export function msgsnd(
  task: IpcTask,
  id: number,
  type: number,
  data: Uint8Array,
  flags: number,
): MaybeAsync<0 | Errno> {
  return msg.msgsnd(task, ipcNamespaceOf(task), id, type, data, flags);
}

/** `msgrcv`. See {@link msg.msgrcv}. */
export function msgrcv(
  task: IpcTask,
  id: number,
  maxSize: number,
  msgtyp: number,
  flags: number,
): MaybeAsync<{ type: number; data: Uint8Array } | Errno> {
  return msg.msgrcv(task, ipcNamespaceOf(task), id, maxSize, msgtyp, flags);
}

/** `msgctl`. See {@link msg.msgctl}. */
export function msgctl(task: IpcTask, id: number, cmd: number, buf?: IpcStat): IpcStat | 0 | Errno {
  return msg.msgctl(task, ipcNamespaceOf(task), id, cmd, buf);
}

/** `semget`. See {@link sem.semget}. */
export function semget(task: IpcTask, key: number, nsems: number, flags: number): number | Errno {
  return sem.semget(task, ipcNamespaceOf(task), key, nsems, flags);
}

/** `semop`/`semtimedop`. See {@link sem.semop}. */
export function semop(
  task: IpcTask,
  id: number,
  ops: { num: number; op: number; flags: number }[],
  timeout?: Timespec,
): MaybeAsync<0 | Errno> {
  return sem.semop(task, ipcNamespaceOf(task), id, ops, timeout);
}

/** `semctl`. See {@link sem.semctl}. */
export function semctl(
  task: IpcTask,
  id: number,
  num: number,
  cmd: number,
  arg?: number | number[] | IpcStat,
): number | number[] | IpcStat | Errno {
  return sem.semctl(task, ipcNamespaceOf(task), id, num, cmd, arg);
}

/** `shmget`. See {@link shm.shmget}. */
export function shmget(task: IpcTask, key: number, size: number, flags: number): number | Errno {
  return shm.shmget(task, ipcNamespaceOf(task), key, size, flags);
}

/** `shmat`. See {@link shm.shmat}. */
export function shmat(task: IpcTask, id: number, flags: number): Uint8Array | Errno {
  return shm.shmat(task, ipcNamespaceOf(task), id, flags);
}

/** `shmdt`. See {@link shm.shmdt}. */
export function shmdt(task: IpcTask, view: Uint8Array): 0 | Errno {
  return shm.shmdt(task, ipcNamespaceOf(task), view);
}

/** `shmctl`. See {@link shm.shmctl}. */
export function shmctl(task: IpcTask, id: number, cmd: number, buf?: IpcStat): IpcStat | 0 | Errno {
  return shm.shmctl(task, ipcNamespaceOf(task), id, cmd, buf);
}
