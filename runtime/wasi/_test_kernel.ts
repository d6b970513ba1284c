/**
 * Test helpers: a real kernel (with the builtins given, e.g. the userland's `sh`, `wc`, …
 * as berthbox links), the WASI executor registered, and a tmpfs root (`minimalRoot`) holding the WASI
 * fixtures as `/bin/NAME.wasm`; plus a way to run a program and collect its output.
 *
 * @module
 */
import { Kernel, type SpawnRequest } from "../kernel/kernel.ts";
import { minimalRoot } from "../kernel/minimal_root.ts";
import type { ProcessFs } from "../kernel/process_fs.ts";
import type { BuiltinRegistry } from "../kernel/executor.ts";
import { registerWasi } from "./register_wasi.ts";
import type { WasiExecutor, WasiExecutorOptions } from "./wasi_executor.ts";

const fixtures = new URL("../../tests/fixtures/wasi/", import.meta.url);

/** Output and status of a finished program. */
export interface RunOutput {
  /** Exit code as a shell reports it (128+n for a signal). */
  code: number;
  /** Killing signal or null. */
  signal: number | null;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** A kernel with WASI registered and a root file system with the fixtures in /bin. */
export interface WasiKernel {
  /** The kernel. */
  kernel: Kernel;
  /** The executor. */
  executor: WasiExecutor;
  /** Root file-system state; spawn with `fs.fork()`. */
  fs: ProcessFs;
  /** Run a program to the end. */
  run(argv: string[], req?: Partial<SpawnRequest>): Promise<RunOutput>;
  /** Stop the kernel. */
  shutdown(): Promise<void>;
}

/**
 * Create the kernel; fixtures are installed as `/bin/NAME.wasm`.
 *
 * @param names fixtures to install
 * @param options executor options
 * @param files extra files (path → bytes or text, mode 0755)
 * @param builtins builtin programs (the userland's `applets` for `sh`, `wc`, …)
 * @returns the test kernel
 */
export async function wasiKernel(
  names: string[],
  options: WasiExecutorOptions = {},
  files: Record<string, Uint8Array | string> = {},
  builtins: BuiltinRegistry = {},
): Promise<WasiKernel> {
  const kernel = new Kernel({ builtins });
  const all: Record<string, Uint8Array | string> = { ...files };
  for (const name of names) {
    all[`/bin/${name}.wasm`] = await Deno.readFile(new URL(`${name}.wasm`, fixtures));
  }
  const fs = minimalRoot(kernel, { files: all });
  const executor = registerWasi(kernel, options);
  return {
    kernel,
    executor,
    fs,
    async run(argv, req = {}) {
      const h = await kernel.spawn({ argv, fs: fs.fork(), env: ["PATH=/bin"], ...req });
      const out = h.stdout ? new Response(h.stdout).text() : Promise.resolve("");
      const err = h.stderr ? new Response(h.stderr).text() : Promise.resolve("");
      const st = await h.wait();
      return { code: st.exitCode, signal: st.signal, stdout: await out, stderr: await err };
    },
    shutdown: () => kernel.shutdown(),
  };
}
