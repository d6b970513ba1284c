/**
 * The WASI executor: WASI preview1 programs as preemptible green threads on the Berth
 * kernel. Register it with {@link registerWasi}.
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
export type { Binfmt, ExecContext, Executor } from "../kernel/executor.ts";
export type { Errno } from "../kernel/errno.ts";
export type * from "../kernel/syscalls/api.ts";
export type * from "../kernel/task.ts";
