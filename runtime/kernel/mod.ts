/**
 * The Berth kernel: processes, scheduler, system calls, file systems, namespaces,
 * cgroups, IPC and signals.
 *
 * @module
 */
export { Errno, errnoName, isErrno, strerror } from "./errno.ts";
export type * from "./syscalls/api.ts";
export type * from "./task.ts";
