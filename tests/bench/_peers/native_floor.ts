/**
 * The native floor against Berth's kernel, in one run:
 *
 * - system call round trip: `getpid` in C (raw `syscall`, timed inside the process) vs
 *   `sys.getpid()` from a builtin program in a kernel process;
 * - pipe ping-pong: one-byte round trips between two processes over two pipes, in C
 *   (fork) vs two kernel processes (`spawn` with dup2 file actions);
 * - pipe throughput through a 3-stage pipeline: `bigout N | cat | wc -c` under host
 *   `dash` with the native `bigout` vs Berth `sh` with `bigout.wasm` and the userland's
 *   `cat` and `wc`.
 *
 * @module
 */
import type { BenchContext, Row } from "../_harness.ts";
import { summarize, which } from "../_harness.ts";
import {
  compileNative,
  peersDir,
  ratioRow,
  series,
  short,
  skipRow,
  timeCommand,
  wasiFixtures,
} from "./common.ts";
import { wasiKernel } from "../../../runtime/wasi/_test_kernel.ts";
import { applets } from "../../../runtime/userland/mod.ts";
import type { BuiltinMain } from "../../../runtime/kernel/executor.ts";
import type { Syscalls } from "../../../runtime/kernel/syscalls/api.ts";

const G = "peers/native";

async function io(r: ReturnType<Syscalls["read"]>): Promise<number> {
  const v = r instanceof Promise ? await r : r;
  return v;
}

/** The pong side: echo `argv[1]` single bytes from fd 0 to fd 1. */
const ppchild: BuiltinMain = async (sys, argv) => {
  const n = Number(argv[1]);
  const buf = new Uint8Array(1);
  for (let i = 0; i < n; i++) {
    if (await io(sys.read(0, buf)) !== 1) return 1;
    if (await io(sys.write(1, buf)) !== 1) return 1;
  }
  return 0;
};

/**
 * The native-floor rows.
 *
 * @param ctx Bench context.
 * @returns getpid, ping-pong and pipeline rows, native and Berth, with ratios.
 * @example
 * ```ts ignore
 * const rows = await nativeRows({ quick: true, tmp });
 * ```
 */
export async function nativeRows(ctx: BenchContext): Promise<Row[]> {
  const rows: Row[] = [];
  const bigoutWasm = await Deno.readFile(`${wasiFixtures}/bigout.wasm`);
  const wk = await wasiKernel([], {}, { "/bin/bigout.wasm": bigoutWasm }, {
    ...applets,
    ppchild,
  });
  try {
    // getpid.
    const calls = ctx.quick ? 10_000 : 1_000_000;
    const rounds = ctx.quick ? 2 : 7;
    const berthNs: number[] = [];
    await inKernel(wk, async (sys) => {
      for (let r = 0; r < rounds + 1; r++) {
        const t0 = performance.now();
        for (let i = 0; i < calls; i++) sys.getpid();
        if (r > 0) berthNs.push(((performance.now() - t0) * 1e6) / calls);
        await sys.sched_yield();
      }
    });
    const berthGetpid = summarize(berthNs);
    rows.push({
      group: G,
      name: "getpid round trip: berth (builtin, kernel process)",
      value: berthGetpid.median,
      unit: "ns",
      stats: berthGetpid,
      note: `${calls} calls per sample`,
    });
    const getpid = await compileNative(`${peersDir}/getpid.c`, ctx.tmp);
    if (getpid instanceof Error) {
      rows.push(skipRow(G, "getpid round trip: native", "ns", short(getpid)));
    } else {
      const st = await series(
        rounds,
        async () =>
          Number((await timeCommand(getpid, [String(calls)], { stdout: true })).out.split(" ")[0]),
      );
      rows.push({
        group: G,
        name: "getpid round trip: native (raw syscall)",
        value: st.median,
        unit: "ns",
        stats: st,
        note: "host kernel entry; timed inside the process",
      });
      rows.push(ratioRow(G, "getpid: berth / native", berthGetpid.median, st.median, {
        note: "below 1 means cheaper than a host syscall",
      }));
    }

    // Pipe ping-pong.
    const trips = ctx.quick ? 1000 : 100_000;
    const berthPing = await series(rounds, () => berthPingPong(wk, trips));
    rows.push({
      group: G,
      name: "pipe ping-pong round trip: berth (2 kernel processes)",
      value: berthPing.median,
      unit: "µs",
      stats: berthPing,
      note: `${trips} one-byte round trips`,
    });
    const pingpong = await compileNative(`${peersDir}/pingpong.c`, ctx.tmp);
    if (pingpong instanceof Error) {
      rows.push(skipRow(G, "pipe ping-pong round trip: native", "µs", short(pingpong)));
    } else {
      const st = await series(
        rounds,
        async () =>
          Number((await timeCommand(pingpong, [String(trips)], { stdout: true })).out) / 1000,
      );
      rows.push({
        group: G,
        name: "pipe ping-pong round trip: native (fork, 2 pipes)",
        value: st.median,
        unit: "µs",
        stats: st,
        note: "2 host context switches per trip",
      });
      rows.push(ratioRow(G, "pipe ping-pong: berth / native", berthPing.median, st.median));
    }

    // 3-stage pipeline throughput.
    const kib = ctx.quick ? 4096 : 262144;
    const mb = (kib * 1024) / 1e6;
    const script = (bigout: string) => `${bigout} ${kib} | cat | wc -c`;
    const berthMs = await series(rounds, async () => {
      const t0 = performance.now();
      const out = await wk.run(["sh", "-c", script("/bin/bigout.wasm")], {
        env: ["PATH=/bin"],
      });
      if (out.code !== 0 || Number(out.stdout.trim()) !== kib * 1024) {
        throw new Error(`berth pipeline: exit ${out.code}, output ${out.stdout.trim()}`);
      }
      return performance.now() - t0;
    });
    const berthMBs = mb / (berthMs.median / 1000);
    rows.push({
      group: G,
      name: `pipeline bigout | cat | wc -c (${kib >> 10} MiB): berth sh`,
      value: berthMBs,
      unit: "MB/s",
      note: `bigout.wasm, userland cat and wc; median ${berthMs.median.toFixed(0)} ms`,
    });
    const bigout = await compileNative(`${wasiFixtures}/bigout.c`, ctx.tmp);
    const dash = await which("dash");
    if (bigout instanceof Error || !dash) {
      rows.push(
        skipRow(
          G,
          "pipeline: native dash",
          "MB/s",
          bigout instanceof Error ? short(bigout) : "dash not installed",
        ),
      );
    } else {
      const st = await series(rounds, async () => {
        const { ms, out } = await timeCommand(dash, ["-c", script(bigout)], { stdout: true });
        if (Number(out.trim()) !== kib * 1024) throw new Error(`native pipeline: ${out}`);
        return ms;
      });
      const nativeMBs = mb / (st.median / 1000);
      rows.push({
        group: G,
        name: `pipeline bigout | cat | wc -c (${kib >> 10} MiB): native dash`,
        value: nativeMBs,
        unit: "MB/s",
        note: `host bigout, cat, wc; median ${st.median.toFixed(0)} ms`,
      });
      rows.push(
        ratioRow(G, "pipeline throughput: berth / native", berthMBs, nativeMBs, {
          note: "higher is better",
        }),
      );
    }
  } finally {
    await wk.shutdown();
  }
  return rows;
}

type WasiKernel = Awaited<ReturnType<typeof wasiKernel>>;

async function inKernel(wk: WasiKernel, body: (sys: Syscalls) => Promise<void>): Promise<void> {
  const h = await wk.kernel.spawn({
    argv: ["bench"],
    fs: wk.fs.fork(),
    stdout: "null",
    stderr: "null",
    program: async (sys) => {
      await body(sys);
      return 0;
    },
  });
  const st = await h.wait();
  if (st.exitCode !== 0) throw new Error(`bench process exited ${st.exitCode}`);
}

/** µs per round trip between this kernel process and a `ppchild` over two pipes. */
async function berthPingPong(wk: WasiKernel, trips: number): Promise<number> {
  let us = NaN;
  await inKernel(wk, async (sys) => {
    const down = sys.pipe2(0);
    const up = sys.pipe2(0);
    if (typeof down === "number" || typeof up === "number") throw new Error("pipe2 failed");
    const pidOrErr = sys.spawn({
      path: "ppchild",
      argv: ["ppchild", String(trips)],
      env: ["PATH=/bin"],
      fileActions: [
        { op: "dup2", fd: down[0], newfd: 0 },
        { op: "dup2", fd: up[1], newfd: 1 },
        { op: "close", fd: down[0] },
        { op: "close", fd: down[1] },
        { op: "close", fd: up[0] },
        { op: "close", fd: up[1] },
      ],
    });
    const pid = pidOrErr instanceof Promise ? await pidOrErr : pidOrErr;
    if (pid < 0) throw new Error(`spawn ppchild: ${pid}`);
    sys.close(down[0]);
    sys.close(up[1]);
    const buf = new Uint8Array([120]);
    const t0 = performance.now();
    for (let i = 0; i < trips; i++) {
      if (await io(sys.write(down[1], buf)) !== 1) throw new Error("ping write");
      if (await io(sys.read(up[0], buf)) !== 1) throw new Error("ping read");
    }
    us = ((performance.now() - t0) * 1000) / trips;
    const w = sys.wait4(pid, 0);
    if (w instanceof Promise) await w;
  });
  return us;
}
