/**
 * Wiring of the VFS's and the IPC subsystem's system call functions into a process:
 * each takes the calling Task first (`read(task, fd, buf)`); the process's `Syscalls`
 * gets `read: (fd, buf) => read(task, fd, buf)`.
 *
 * @module
 */
import { Errno } from "../errno.ts";
import type { Process } from "../process.ts";
import type { FileTask } from "../vfs/resolve.ts";
import type { IpcTask } from "../ipc/ipc_perm.ts";
import * as file from "./sys_file.ts";
import * as meta from "./sys_file_meta.ts";
import * as mnt from "./sys_mount.ts";
import * as pipe from "./sys_pipe.ts";
import * as lock from "./sys_lock.ts";
import * as ipc from "./sys_ipc.ts";
import * as mq from "./sys_ipc_mq.ts";
import { FILE_CALLS, type FileCalls, type IpcCalls } from "./file_calls.ts";

type AnyFn = (...args: unknown[]) => unknown;

/** Each file-family call's implementation, found once at load. */
const FILE_IMPLS: [string, AnyFn][] = (() => {
  const modules = [file, meta, mnt, pipe, lock] as unknown as Record<string, unknown>[];
  const out: [string, AnyFn][] = [];
  for (const name of FILE_CALLS) {
    const m = modules.find((m) => typeof m[name] === "function");
    if (m) out.push([name, m[name] as AnyFn]);
  }
  return out;
})();

/**
 * The file-family calls of a process whose `fs` is a VFS `FsState`.
 *
 * @param p The process.
 * @returns The calls, each bound to `p`.
 * @example
 * ```ts ignore
 * vfsFileCalls(proc).openat(AT.FDCWD, "/etc/hostname", O.RDONLY, 0);
 * ```
 */
export function vfsFileCalls(p: Process): FileCalls {
  const out = Object.create(FILE_PROTO) as Record<symbol, unknown>;
  out[TASK] = p;
  return out as unknown as FileCalls;
}

const TASK = Symbol("berth.files.task");

/**
 * Shared prototype of the per-process file-call objects: each call is bound to the task on
 * first use and cached as an own property (a spawn pays only for the calls it makes).
 */
const FILE_PROTO: object = (() => {
  const impls = new Map(FILE_IMPLS);
  const proto = {};
  for (const name of FILE_CALLS) {
    const impl: AnyFn = impls.get(name) ??
      (name === "isatty" ? () => false : () => Errno.ENOSYS);
    Object.defineProperty(proto, name, {
      enumerable: true,
      configurable: true,
      get(this: Record<symbol, unknown>) {
        const task = this[TASK] as FileTask;
        // Fixed parameters, no rest array per call (see make_syscalls.ts).
        const fn = (a: unknown, b: unknown, c: unknown, d: unknown, e: unknown, f: unknown) =>
          impl(task, a, b, c, d, e, f);
        Object.defineProperty(this, name, { value: fn, enumerable: true, writable: true });
        return fn;
      },
    });
  }
  return proto;
})();

/**
 * The IPC-family calls of a process (POSIX mqueues need a VFS descriptor table).
 *
 * @param p The process.
 * @param withFds Whether `p.fs` is a VFS `FsState` (mq descriptors live there).
 * @returns The calls bound to `p`.
 */
export function ipcCalls(p: Process, withFds: boolean): Partial<IpcCalls> {
  const t = p as unknown as IpcTask;
  const calls: Partial<IpcCalls> = {
    msgget: (key, flags) => ipc.msgget(t, key, flags),
    msgsnd: (id, type, data, flags) => ipc.msgsnd(t, id, type, data, flags),
    msgrcv: (id, max, type, flags) => ipc.msgrcv(t, id, max, type, flags),
    msgctl: (id, cmd, buf) => ipc.msgctl(t, id, cmd, buf),
    semget: (key, n, flags) => ipc.semget(t, key, n, flags),
    semop: (id, ops, timeout) => ipc.semop(t, id, ops, timeout),
    semctl: (id, num, cmd, arg) => ipc.semctl(t, id, num, cmd, arg),
    shmget: (key, size, flags) => ipc.shmget(t, key, size, flags),
    shmat: (id, flags) => ipc.shmat(t, id, flags),
    shmdt: (view) => ipc.shmdt(t, view),
    shmctl: (id, cmd, buf) => ipc.shmctl(t, id, cmd, buf),
    mq_unlink: (name) => mq.mq_unlink(t, name),
  };
  if (withFds) {
    const fds = () => mq.mqFdsOf(p as unknown as FileTask);
    calls.mq_open = (name, flags, mode, attr) => mq.mq_open(t, fds(), name, flags, mode, attr);
    calls.mq_send = (fd, data, prio, timeout) => mq.mq_send(t, fds(), fd, data, prio, timeout);
    calls.mq_receive = (fd, max, timeout) => mq.mq_receive(t, fds(), fd, max, timeout);
    calls.mq_getattr = (fd) => mq.mq_getattr(t, fds(), fd);
  }
  return calls;
}
