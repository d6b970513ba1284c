/**
 * The WASI executor: WASI preview1 programs as preemptible green threads on the Berth
 * kernel.
 *
 * - {@link registerWasi}`(kernel, { cacheDir })` adds the `\0asm` binfmt to a kernel; exec
 *   (`ENTRYPOINT ["/app.wasm"]`, `sh -c 'x.wasm | wc -c'`, `PATH` search) then runs
 *   modules. Give `cacheDir` under the state root (`$BERTH_ROOT/cache/wasi`) so the
 *   instrumented bytes survive restarts.
 * - Each module is instrumented once per sha256 ({@link instrumentModule}: fuel checks at
 *   loop heads and at entries of functions that can recurse, `memory.grow` through the
 *   kernel) and compiled once ({@link ModuleCache}, bounded LRU in memory).
 * - Each process gets an instance whose `_start` runs under `WebAssembly.promising`;
 *   blocking imports suspend only that process ({@link createWasiImports}, a translation
 *   of all 46 `wasi_snapshot_preview1` functions onto the process's syscalls).
 * - Limits: linear memory is charged to the memory cgroup; live instances are capped
 *   ({@link DEFAULT_MAX_INSTANCES}).
 *
 * @example
 * ```ts ignore
 * import { Kernel } from "../kernel/kernel.ts";
 * import { registerWasi } from "./mod.ts";
 * const kernel = new Kernel({ builtins: applets });
 * const wasi = registerWasi(kernel, { cacheDir: `${root}/cache/wasi` });
 * // later: wasi.liveInstances, wasi.cache.stats for `berth info`
 * ```
 *
 * @module
 */
export { type BinfmtRegistry, registerWasi } from "./register_wasi.ts";
export {
  classifyTrap,
  DEFAULT_MAX_INSTANCES,
  EXIT_CANNOT_EXECUTE,
  FUEL_PER_CHECK,
  WasiExecutor,
  type WasiExecutorOptions,
} from "./wasi_executor.ts";
export { ModuleCache, type ModuleCacheOptions, type ModuleCacheStats } from "./module_cache.ts";
export {
  INSTRUMENTER_VERSION,
  instrumentModule,
  type InstrumentOptions,
  type InstrumentResult,
  type InstrumentStats,
} from "./instrument/instrument.ts";
export { toWasiErrno, WasiErrno } from "./wasi_errno.ts";
export {
  createWasiImports,
  SUSPENDING_IMPORTS,
  WASI_PREVIEW1_FUNCTIONS,
  type WasiImports,
  type WasiProcess,
} from "./wasi_preview1.ts";
export { GuestMemory } from "./_guest_memory.ts";
export type {
  AdmitContext,
  Binfmt,
  ExecContext,
  ExecRefusal,
  Executor,
} from "../kernel/executor.ts";
export type { Errno } from "../kernel/errno.ts";
export type * from "../kernel/syscalls/api.ts";
export type * from "../kernel/task.ts";
