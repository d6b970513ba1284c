/**
 * The IPC subsystem: IPC namespaces with System V message queues, semaphores, shared
 * memory and POSIX message queues. System calls are in `../syscalls/sys_ipc.ts`.
 *
 * @module
 */
export { IpcNamespace } from "./ipc_namespace.ts";
export { defaultIpcLimits, IPC_SYSCTL_FILES, readIpcSysctl, writeIpcSysctl } from "./ipc_limits.ts";
export type { IpcLimits } from "./ipc_limits.ts";
export { MqHandle, Mqueue } from "./mqueue.ts";
export type { MqFds } from "./mqueue.ts";
export { sysvipcText } from "./sysvipc.ts";
export { MQUEUE_MAGIC, MqueueFs, mqueueFsType } from "./mqueue_fs.ts";
