/**
 * Berth: a container runtime for Deno on an emulated kernel.
 *
 * Build OCI images from tar layers, and run containers on a kernel written in
 * TypeScript, with its own processes, scheduler, file systems, namespaces, cgroups and
 * IPC. Workloads are WebAssembly (WASI preview1) programs and the kernel's BusyBox-style
 * userland.
 *
 * The library is grouped by area, each also importable on its own:
 * {@link kernel} (`@berth/berth/kernel`), {@link image} (`@berth/berth/image`),
 * {@link containers} (`@berth/berth/containers`), {@link wasi} (`@berth/berth/wasi`) and
 * {@link userland} (`@berth/berth/userland`). {@link createKernel} makes a kernel with the
 * userland and the WASI executor installed, as the daemon uses it.
 *
 * @example
 * ```ts ignore
 * import { createKernel, kernel } from "@berth/berth";
 * const k = createKernel();
 * const p = await k.spawn({ argv: ["sh", "-c", "echo hello; exit 3"], fs: kernel.minimalRoot(k) });
 * console.log(await new Response(p.stdout).text(), (await p.wait()).exitCode); // hello 3
 * await k.shutdown();
 * ```
 *
 * @module
 */
export { Errno, errnoName, isErrno, strerror } from "./runtime/kernel/errno.ts";
export type * from "./runtime/kernel/syscalls/api.ts";
export { createKernel } from "./runtime/daemon/services.ts";
export * as kernel from "./runtime/kernel/mod.ts";
export * as image from "./image/mod.ts";
export * as containers from "./runtime/container/mod.ts";
export * as wasi from "./runtime/wasi/mod.ts";
export * as userland from "./runtime/userland/mod.ts";
