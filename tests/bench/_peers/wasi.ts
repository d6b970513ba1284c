/**
 * WASI programs against the peers, in one run: the same C programs run by Berth's WASI
 * executor (a kernel process: instrumented module, cached; the kernel's syscalls and
 * tmpfs), by Deno's `node:wasi` (same compiled module, cached; host files), by
 * `@bjorn3/browser_wasi_shim` (pure JavaScript; in-memory files), and compiled natively
 * with -O2 (a host process; its start-up included). `@wasmer/wasi` is not measured: its
 * 1.x package is a wasm-bindgen build of Wasmer's WASI for browsers and Node, not tried
 * in Deno here. Workloads: hello start-up,
 * a syscall-heavy loop (`clock_gettime`), a CPU-bound loop (recursive fib), file I/O
 * (write then read back N MiB in 64 KiB blocks).
 *
 * @module
 */
import { openSync } from "node:fs";
import { WASI } from "node:wasi";
import {
  ConsoleStdout,
  File,
  OpenFile,
  PreopenDirectory,
  WASI as ShimWasi,
} from "@bjorn3/browser_wasi_shim";
import type { BenchContext, Row } from "../_harness.ts";
import {
  compileNative,
  compileWasm,
  msRow,
  peersDir,
  ratioRow,
  series,
  short,
  skipRow,
  timeCommand,
  wasiFixtures,
} from "./common.ts";
import { wasiKernel } from "../../../runtime/wasi/_test_kernel.ts";

const G = "peers/wasi";

const baseName = (src: string) => src.slice(src.lastIndexOf("/") + 1, -2);

interface Workload {
  name: string;
  source: string;
  /** Arguments after argv[0]; `{dir}` is the directory for files. */
  args: string[];
  runs: number;
}

function workloads(quick: boolean): Workload[] {
  const f = (n: string) => `${wasiFixtures}/${n}.c`;
  const p = (n: string) => `${peersDir}/${n}.c`;
  const mib = quick ? 1 : 100;
  return [
    { name: "hello (start-up)", source: f("hello"), args: [], runs: quick ? 3 : 40 },
    {
      name: `clock_gettime × ${quick ? "10k" : "1M"} (syscall-heavy)`,
      source: p("clockloop"),
      args: [quick ? "10000" : "1000000"],
      runs: quick ? 2 : 7,
    },
    {
      name: `fib(${quick ? 20 : 32}) (CPU-bound)`,
      source: f("fib"),
      args: [quick ? "20" : "32"],
      runs: quick ? 2 : 7,
    },
    {
      name: `file I/O: write + read ${mib} MiB`,
      source: p("fileio"),
      args: [String(mib), "{dir}/fileio.tmp"],
      runs: quick ? 2 : 3,
    },
  ];
}

/**
 * Run a module on `@bjorn3/browser_wasi_shim` (pure JavaScript WASI): stdout and stderr
 * discarded, `/work` an in-memory directory (the shim has no host files).
 *
 * @param module The compiled module.
 * @param argv Its arguments, argv[0] first.
 * @returns The exit code.
 */
function runOnShim(module: WebAssembly.Module, argv: string[]): Promise<number> {
  const fds = [
    new OpenFile(new File([])),
    new ConsoleStdout(() => {}),
    new ConsoleStdout(() => {}),
    new PreopenDirectory("/work", new Map()),
  ];
  const wasi = new ShimWasi(argv, [], fds);
  return WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasi.wasiImport }).then(
    (inst) =>
      wasi.start(
        inst as unknown as {
          exports: { memory: WebAssembly.Memory; _start: () => unknown };
        },
      ),
  );
}

/**
 * The WASI rows.
 *
 * @param ctx Bench context.
 * @returns For each workload: Berth, node:wasi and native times and the two ratios.
 * @example
 * ```ts ignore
 * const rows = await wasiRows({ quick: true, tmp });
 * ```
 */
export async function wasiRows(ctx: BenchContext): Promise<Row[]> {
  const rows: Row[] = [];
  const hostDir = `${ctx.tmp}/files`;
  await Deno.mkdir(hostDir);
  const nul = openSync("/dev/null", "w");
  const built: [Workload, Uint8Array<ArrayBuffer> | Error, string | Error][] = [];
  const files: Record<string, Uint8Array> = {};
  for (const w of workloads(ctx.quick)) {
    const wasm = await compileWasm(w.source, ctx.tmp);
    built.push([w, wasm, await compileNative(w.source, ctx.tmp)]);
    if (!(wasm instanceof Error)) files[`/bin/${baseName(w.source)}.wasm`] = wasm;
  }
  // Berth: the modules live in the kernel's tmpfs root; files go to its /tmp (tmpfs).
  rows.push(
    skipRow(
      G,
      "all workloads: @wasmer/wasi",
      "ms",
      "not a dependency: its 1.x is a wasm-bindgen build of Wasmer's WASI, not tried in Deno",
    ),
  );
  const wk = await wasiKernel([], {}, files);
  try {
    for (const [w, wasm, native] of built) {
      if (wasm instanceof Error) {
        rows.push(skipRow(G, `${w.name}: all WASI runners`, "ms", short(wasm)));
        continue;
      }
      const base = baseName(w.source);
      const guestPath = `/bin/${base}.wasm`;
      const berthArgs = w.args.map((a) => a.replace("{dir}", "/tmp"));
      const first = await wk.run([guestPath, ...berthArgs]); // instrument + compile once
      if (first.code !== 0) throw new Error(`berth ${base}.wasm exited ${first.code}`);
      const berth = await series(w.runs, async () => {
        const t0 = performance.now();
        const h = await wk.kernel.spawn({
          argv: [guestPath, ...berthArgs],
          fs: wk.fs.fork(),
          stdout: "null",
          stderr: "null",
        });
        const st = await h.wait();
        if (st.exitCode !== 0) throw new Error(`berth ${base}.wasm exited ${st.exitCode}`);
        return performance.now() - t0;
      });
      rows.push(msRow(G, `${w.name}: berth WASI executor`, berth, "kernel process, module cached"));

      const module = await WebAssembly.compile(wasm);
      const nodeArgs = w.args.map((a) => a.replace("{dir}", "/work"));
      const node = await series(w.runs, async () => {
        const t0 = performance.now();
        const wasi = new WASI({
          version: "preview1",
          args: [base, ...nodeArgs],
          env: {},
          preopens: { "/work": hostDir },
          stdout: nul,
          returnOnExit: true,
        });
        const inst = await WebAssembly.instantiate(
          module,
          wasi.getImportObject() as WebAssembly.Imports,
        );
        const code = wasi.start(inst);
        if (code !== 0) throw new Error(`node:wasi ${base} exited ${code}`);
        return performance.now() - t0;
      });
      rows.push(msRow(G, `${w.name}: node:wasi`, node, "same module, compiled once"));

      let shim: number | undefined;
      try {
        const st = await series(w.runs, async () => {
          const t0 = performance.now();
          const code = await runOnShim(module, [base, ...nodeArgs]);
          if (code !== 0) throw new Error(`browser_wasi_shim ${base} exited ${code}`);
          return performance.now() - t0;
        });
        shim = st.median;
        rows.push(
          msRow(G, `${w.name}: @bjorn3/browser_wasi_shim`, st, "same module; in-memory files"),
        );
      } catch (err) {
        rows.push(skipRow(G, `${w.name}: @bjorn3/browser_wasi_shim`, "ms", short(err)));
      }

      let nat: number | undefined;
      if (native instanceof Error) {
        rows.push(skipRow(G, `${w.name}: native -O2`, "ms", short(native)));
      } else {
        const nativeArgs = w.args.map((a) => a.replace("{dir}", hostDir));
        const st = await series(w.runs, async () => (await timeCommand(native, nativeArgs)).ms);
        nat = st.median;
        rows.push(msRow(G, `${w.name}: native -O2`, st, "host process, start-up included"));
      }
      rows.push(ratioRow(G, `${w.name}: berth / node:wasi`, berth.median, node.median));
      if (shim !== undefined) {
        rows.push(ratioRow(G, `${w.name}: berth / browser_wasi_shim`, berth.median, shim));
      }
      if (nat !== undefined) {
        rows.push(ratioRow(G, `${w.name}: berth / native`, berth.median, nat));
      }
    }
  } finally {
    await wk.shutdown();
  }
  return rows;
}
