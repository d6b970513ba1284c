/**
 * Plugging the WASI executor into a kernel's binfmt table.
 *
 * @module
 */
import { type Binfmt, startsWith, WASM_MAGIC } from "../kernel/executor.ts";
import { WasiExecutor, type WasiExecutorOptions } from "./wasi_executor.ts";

/** The part of the kernel {@link registerWasi} needs. */
export interface BinfmtRegistry {
  /** Add a format to the binfmt table. */
  registerBinfmt(fmt: Binfmt): void;
}

/**
 * Register the WASI executor for files starting with `\0asm`, so that exec (and `sh`,
 * `ENTRYPOINT ["/app.wasm"]`, …) runs wasm modules.
 *
 * @param kernel the kernel
 * @param options `cacheDir` for instrumented modules (e.g. `$BERTH_ROOT/cache/wasi`),
 *   the in-memory module cache size and the kernel-wide instance limit
 * @returns the executor (its `cache` and `liveInstances` are useful for `berth info`)
 * @example
 * ```ts ignore
 * const kernel = new Kernel({ builtins: applets });
 * registerWasi(kernel, { cacheDir: `${berthRoot}/cache/wasi` });
 * ```
 */
export function registerWasi(
  kernel: BinfmtRegistry,
  options: WasiExecutorOptions = {},
): WasiExecutor {
  const executor = new WasiExecutor(options);
  kernel.registerBinfmt({
    name: "wasi",
    match: (head) => startsWith(head, WASM_MAGIC),
    executor,
    unwindOnKill: true,
  });
  return executor;
}
