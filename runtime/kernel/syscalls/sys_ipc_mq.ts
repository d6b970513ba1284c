/**
 * POSIX message queue system calls. Queue descriptors live in the caller's fd table; the
 * process side passes an {@link MqFds} adapter over it (install an `OpenFile` whose
 * handle is the {@link MqHandle}; look a descriptor's handle up).
 *
 * @module
 */
import { Errno } from "../errno.ts";
import { OpenFile } from "../vfs/fd_table.ts";
import type { FileTask } from "../vfs/resolve.ts";
import type { MaybeAsync, Timespec } from "./api.ts";
import { mqGetattr, MqHandle, mqOpen, mqReceive, mqSend, mqUnlink } from "../ipc/mqueue.ts";
import type { MqFds } from "../ipc/mqueue.ts";
import type { IpcTask } from "../ipc/ipc_perm.ts";
import { ipcNamespaceOf } from "./sys_ipc.ts";

/**
 * The {@link MqFds} adapter over a task's VFS descriptor table: a queue descriptor is an
 * `OpenFile` named `/dev/mqueue/NAME` whose handle is the {@link MqHandle}.
 *
 * @param task The caller (its `fs` is the VFS `FsState`).
 * @returns The adapter to pass to the `mq_*` calls.
 * @example
 * ```ts ignore
 * mq_open: (name, flags, mode, attr) => mq_open(task, mqFdsOf(task), name, flags, mode, attr),
 * ```
 */
export function mqFdsOf(task: FileTask): MqFds {
  return {
    install(handle, name, flags, cloexec) {
      return task.fs.fds.install(new OpenFile(null, `/dev/mqueue${name}`, handle, flags), cloexec);
    },
    lookup(fd) {
      const f = task.fs.fds.get(fd);
      if (!f) return undefined;
      if (!(f.handle instanceof MqHandle)) return Errno.EBADF;
      return { handle: f.handle, flags: f.flags };
    },
  };
}

/** `mq_open`. See {@link mqOpen}. */
export function mq_open(
  task: IpcTask,
  fds: MqFds,
  name: string,
  flags: number,
  mode: number,
  attr?: { maxmsg: number; msgsize: number },
): number | Errno {
  return mqOpen(task, ipcNamespaceOf(task), fds, name, flags, mode, attr);
}

/** `mq_send`/`mq_timedsend`. See {@link mqSend}. */
export function mq_send(
  task: IpcTask,
  fds: MqFds,
  fd: number,
  data: Uint8Array,
  prio: number,
  timeout?: Timespec,
): MaybeAsync<0 | Errno> {
  return mqSend(task, fds, fd, data, prio, timeout);
}

/** `mq_receive`/`mq_timedreceive`. See {@link mqReceive}. */
export function mq_receive(
  task: IpcTask,
  fds: MqFds,
  fd: number,
  maxSize: number,
  timeout?: Timespec,
): MaybeAsync<{ data: Uint8Array; prio: number } | Errno> {
  return mqReceive(task, fds, fd, maxSize, timeout);
}

/** `mq_unlink`. See {@link mqUnlink}. */
export function mq_unlink(task: IpcTask, name: string): 0 | Errno {
  return mqUnlink(task, ipcNamespaceOf(task), name);
}

/** `mq_getattr`. See {@link mqGetattr}. */
export function mq_getattr(
  _task: IpcTask,
  fds: MqFds,
  fd: number,
): { flags: number; maxmsg: number; msgsize: number; curmsgs: number } | Errno {
  return mqGetattr(fds, fd);
}
