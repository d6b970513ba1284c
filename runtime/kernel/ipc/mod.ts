/**
 * The IPC subsystem: IPC namespaces with System V message queues, semaphores, shared
 * memory and POSIX message queues (also as the `mqueue` file system). System calls are in
 * `../syscalls/sys_ipc.ts` and `../syscalls/sys_ipc_mq.ts`.
 *
 * @module
 */
export { IpcNamespace } from "./ipc_namespace.ts";
export {
  defaultIpcLimits,
  IPC_SYSCTL_FILES,
  readIpcSysctl,
  SEMVMX,
  writeIpcSysctl,
} from "./ipc_limits.ts";
export type { IpcLimits } from "./ipc_limits.ts";
export { IpcIds } from "./ipc_ids.ts";
export type { IpcObject } from "./ipc_ids.ts";
export { IpcPerm, WaitQueue } from "./ipc_perm.ts";
export type { IpcTask } from "./ipc_perm.ts";
export { MsgQueue } from "./msg_queue.ts";
export { SemSet } from "./sem_set.ts";
export type { SemOp } from "./sem_set.ts";
export { ShmSegment } from "./shm_segment.ts";
export type { ShmAttach } from "./shm_segment.ts";
export { MqHandle, Mqueue } from "./mqueue.ts";
export type { MqFds } from "./mqueue.ts";
export { MQUEUE_MAGIC, MqueueFs, mqueueFsType } from "./mqueue_fs.ts";
export { sysvipcText } from "./sysvipc.ts";
export type { Errno } from "../errno.ts";
export type { IpcStat, Stat, StatFs } from "../syscalls/api.ts";
export type { FileSystem, Inode } from "../vfs/types.ts";
