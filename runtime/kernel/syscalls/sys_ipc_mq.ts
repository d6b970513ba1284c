/**
 * POSIX message queue system calls. Queue descriptors live in the caller's fd table; the
 * process side passes an {@link MqFds} adapter over it (install an `OpenFile` whose
 * handle is the {@link MqHandle}; look a descriptor's handle up).
 *
 * @module
 */
import type { Errno } from "../errno.ts";
import type { MaybeAsync, Timespec } from "./api.ts";
import { mqGetattr, mqOpen, mqReceive, mqSend, mqUnlink } from "../ipc/mqueue.ts";
import type { MqFds } from "../ipc/mqueue.ts";
import type { IpcTask } from "../ipc/ipc_perm.ts";
import { ipcNamespaceOf } from "./sys_ipc.ts";

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
