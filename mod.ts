/**
 * Berth: a container runtime for Deno on an emulated kernel.
 *
 * Build OCI images from tar layers, and run containers on a kernel written in
 * TypeScript, with its own processes, scheduler, file systems, namespaces and cgroups.
 *
 * @example
 * ```ts
 * import { Errno, errnoName } from "@berth/berth";
 * console.log(errnoName(Errno.ENOENT)); // "ENOENT"
 * ```
 *
 * @module
 */
export { Errno, errnoName, isErrno, strerror } from "./runtime/kernel/errno.ts";
export type * from "./runtime/kernel/syscalls/api.ts";
