/**
 * Test helpers: a real kernel with a tmpfs root holding the WASI fixtures under /bin,
 * the WASI executor registered, and a way to run a program and collect its output.
 *
 * @module
 */
import { Kernel, type SpawnRequest } from "../kernel/kernel.ts";
import { AT, O } from "../kernel/syscalls/api.ts";
import * as file from "../kernel/syscalls/sys_file.ts";
import { mkdirat } from "../kernel/syscalls/sys_file_meta.ts";
import { CountingCharger, testRoot } from "../kernel/vfs/_test_task.ts";
import type { FsState } from "../kernel/vfs/fs_state.ts";
import type { TestTask } from "../kernel/vfs/_test_task.ts";
import { registerWasi } from "./register_wasi.ts";
import type { WasiExecutor, WasiExecutorOptions } from "./wasi_executor.ts";

const fixtures = new URL("../../tests/fixtures/wasi/", import.meta.url);

/** A kernel with WASI registered and a root file system with the fixtures in /bin. */
export interface WasiKernel {
  /** The kernel. */
  kernel: Kernel;
  /** The executor. */
  executor: WasiExecutor;
  /** Root file-system state to spawn processes in. */
  fs: FsState;
  /** A task with that root, to prepare files. */
  task: TestTask;
  /** Run a program to the end. */
  run(
    argv: string[],
    req?: Partial<SpawnRequest>,
  ): Promise<{ code: number; signal: number | null; stdout: string; stderr: string }>;
  /** Stop the kernel. */
  shutdown(): Promise<void>;
}

/**
 * Create the kernel; fixtures are copied into `/bin` as `NAME.wasm`.
 *
 * @param names fixtures to install
 * @param options executor options
 * @returns the test kernel
 */
export async function wasiKernel(
  names: string[],
  options: WasiExecutorOptions = {},
): Promise<WasiKernel> {
  const { fs, task } = testRoot(new CountingCharger());
  mkdirat(task, AT.FDCWD, "/bin", 0o755);
  mkdirat(task, AT.FDCWD, "/tmp", 0o1777);
  for (const name of names) {
    const bytes = await Deno.readFile(new URL(`${name}.wasm`, fixtures));
    const fd = file.openat(
      task,
      AT.FDCWD,
      `/bin/${name}.wasm`,
      O.WRONLY | O.CREAT,
      0o755,
    ) as number;
    await file.write(task, fd, bytes);
    file.close(task, fd);
  }
  const kernel = new Kernel({});
  const executor = registerWasi(kernel, options);
  return {
    kernel,
    executor,
    fs,
    task,
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
