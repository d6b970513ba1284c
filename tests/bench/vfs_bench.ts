/**
 * VFS benchmarks (issue 6): path lookups on deep overlays, read throughput from a lower
 * layer and from tmpfs, pipe throughput through a 3-stage chain, 1-byte pipe ping-pong.
 * Each is reported with its reference measured in the same run.
 *
 * The pipe benchmarks drive the VFS's system call functions from async loops standing
 * for processes (the same calls builtin programs make), not through the scheduler.
 *
 * @module
 */
import { closeSync, openSync, readSync } from "node:fs";
import { type Benchmark, measure, measureCommand, type Row, summarize } from "./_harness.ts";
import { layerTar } from "../../image/layer/layer_writer.ts";
import type { LayerChange } from "../../image/layer/layer_writer.ts";
import { mergeLayers } from "../../image/layer/merged_layers.ts";
import type { LayerEntry, OpenLayer } from "../../image/layer/types.ts";
import { memLayerFromTar } from "../../runtime/kernel/fs/overlay/_test_layers.ts";
import { overlayRoot } from "../../runtime/kernel/fs/overlay/_test_tree.ts";
import { AT, O } from "../../runtime/kernel/syscalls/api.ts";
import { close, openat, read, write } from "../../runtime/kernel/syscalls/sys_file.ts";
import { fstatat } from "../../runtime/kernel/syscalls/sys_file_meta.ts";
import { pipe2 } from "../../runtime/kernel/syscalls/sys_pipe.ts";
import { testRoot } from "../../runtime/kernel/vfs/_test_task.ts";
import type { FileTask } from "../../runtime/kernel/vfs/resolve.ts";
import { Kernel } from "../../runtime/kernel/kernel.ts";
import { minimalRoot } from "../../runtime/kernel/minimal_root.ts";
import { applets } from "../../runtime/userland/mod.ts";
import type { BuiltinMain } from "../../runtime/kernel/executor.ts";

const DEEP = "/a/b/c/d/e/f";

async function tarBytes(changes: LayerChange[]): Promise<Uint8Array> {
  return new Uint8Array(
    await new Response(layerTar(changes, { sourceDateEpoch: 0 })).arrayBuffer(),
  );
}

async function layersFor(n: number): Promise<OpenLayer[]> {
  const out: OpenLayer[] = [];
  for (let i = 0; i < n; i++) {
    const changes: LayerChange[] = [];
    if (i === 0) changes.push({ type: "file", path: `${DEEP}/file`, data: "x" });
    for (let j = 0; j < 20; j++) {
      changes.push({ type: "file", path: `/layer${i}/f${j}`, data: `${i}-${j}` });
      changes.push({ type: "file", path: `/a/b/c/l${i}-${j}`, data: "y" });
    }
    out.push(memLayerFromTar(await tarBytes(changes), `l${i}`));
  }
  return out;
}

async function statBench(quick: boolean): Promise<Row[]> {
  const one = overlayRoot(mergeLayers(await layersFor(1))).task;
  const fifty = overlayRoot(mergeLayers(await layersFor(quick ? 5 : 50))).task;
  // Many short alternating pairs: a burst of load hits both sides of a pair alike.
  const opts = { runs: quick ? 5 : 200, batch: quick ? 100 : 1000 };
  const stat1 = () => fstatat(one, AT.FDCWD, `${DEEP}/file`, 0);
  const stat50 = () => fstatat(fifty, AT.FDCWD, `${DEEP}/file`, 0);
  // Warm both paths up (JIT), then measure them in alternating batches so that load on
  // the shared machine affects both alike; the ratio is the median of per-pair ratios.
  await measure(stat1, opts);
  await measure(stat50, opts);
  const t1: number[] = [], t50: number[] = [], ratios: number[] = [];
  for (let r = 0; r < opts.runs; r++) {
    const a = performance.now();
    for (let i = 0; i < opts.batch; i++) stat1();
    const b = performance.now();
    for (let i = 0; i < opts.batch; i++) stat50();
    const c = performance.now();
    t1.push(((b - a) * 1000) / opts.batch);
    t50.push(((c - b) * 1000) / opts.batch);
    ratios.push((c - b) / (b - a));
  }
  const s1 = summarize(t1);
  const s50 = summarize(t50);
  const ratio = summarize(ratios).median;
  return [
    {
      group: "vfs",
      name: `stat 6 levels deep, overlay of ${quick ? 5 : 50} layers`,
      value: s50.median,
      unit: "µs",
      stats: s50,
      target: "≤ 3 µs",
      pass: quick ? undefined : s50.median <= 3,
    },
    {
      group: "vfs",
      name: "stat deep: 50 layers / 1 layer",
      value: ratio,
      unit: "ratio",
      target: "≤ 1.2×",
      pass: quick ? undefined : ratio <= 1.2,
      note: `1 layer: ${s1.median.toFixed(2)} µs`,
    },
  ];
}

/** A layer whose one file's data lives in a (sparse) host file, read with pread. */
function hostFileLayer(path: string, size: number): OpenLayer {
  const entry: LayerEntry = {
    path: "/big",
    type: "file",
    mode: 0o644,
    uid: 0,
    gid: 0,
    size,
    mtimeMs: 0,
    dataOffset: 512,
  };
  const root: LayerEntry = { ...entry, path: "/", type: "dir", size: 0, mode: 0o755 };
  const fd = openSync(path, "r");
  return {
    diffId: "big",
    entries: new Map([["/", root], ["/big", entry]]),
    whiteouts: new Set(),
    opaqueDirs: new Set(),
    readSync: (e, buf, pos) => {
      const n = Math.min(buf.length, e.size - pos);
      return n <= 0 ? 0 : readSync(fd, buf, 0, n, e.dataOffset + pos);
    },
    close: () => closeSync(fd),
  } as OpenLayer & { close(): void };
}

function readThrough(task: FileTask, path: string, total: number): number {
  const buf = new Uint8Array(65536);
  const t0 = performance.now();
  let done = 0;
  while (done < total) {
    const fd = openat(task, AT.FDCWD, path, O.RDONLY, 0) as number;
    for (;;) {
      const n = read(task, fd, buf) as number;
      if (n <= 0) break;
      done += n;
    }
    close(task, fd);
  }
  return done / 1e6 / ((performance.now() - t0) / 1000);
}

async function readBench(quick: boolean, tmp: string): Promise<Row[]> {
  const size = quick ? 16 << 20 : 1 << 30;
  const file = `${tmp}/layer.bin`;
  const f = await Deno.open(file, { create: true, write: true });
  await f.truncate(512 + size);
  f.close();
  const layer = hostFileLayer(file, size);
  const { task } = overlayRoot(mergeLayers([layer]));
  readThrough(task, "/big", Math.min(size, 64 << 20)); // warm the page cache
  const lower = Math.max(readThrough(task, "/big", size), readThrough(task, "/big", size));
  (layer as OpenLayer & { close(): void }).close();
  // Host reference: the same preads straight on the file.
  const hfd = openSync(file, "r");
  const hb = new Uint8Array(65536);
  const t0 = performance.now();
  for (let off = 0; off < size; off += 65536) readSync(hfd, hb, 0, 65536, 512 + off);
  const hostRate = size / 1e6 / ((performance.now() - t0) / 1000);
  closeSync(hfd);
  // tmpfs: a 256 MiB file read 4 times.
  const { task: t2 } = testRoot();
  const tsize = quick ? 16 << 20 : 256 << 20;
  const fd = openat(t2, AT.FDCWD, "/big", O.CREAT | O.WRONLY, 0o644) as number;
  const chunk = new Uint8Array(1 << 20).fill(1);
  for (let off = 0; off < tsize; off += chunk.length) write(t2, fd, chunk);
  close(t2, fd);
  readThrough(t2, "/big", tsize); // warm up
  const tmpfsRate = Math.max(
    ...[0, 1, 2].map(() => readThrough(t2, "/big", quick ? tsize : 4 * tsize)),
  );
  return [
    {
      group: "vfs",
      name: "read lower-layer file, 64 KiB reads",
      value: lower,
      unit: "MB/s",
      target: "≥ 1000 MB/s",
      pass: quick ? undefined : lower >= 1000,
      note: `host pread of the same file: ${hostRate.toFixed(0)} MB/s`,
    },
    {
      group: "vfs",
      name: "read tmpfs file, 64 KiB reads",
      value: tmpfsRate,
      unit: "MB/s",
      target: "≥ 2000 MB/s",
      pass: quick ? undefined : tmpfsRate >= 2000,
    },
  ];
}

async function pump(task: FileTask, from: number, to: number): Promise<void> {
  const buf = new Uint8Array(65536);
  for (;;) {
    let n = read(task, from, buf);
    if (n instanceof Promise) n = await n;
    if (n <= 0) break;
    let off = 0;
    while (off < n) {
      let w = write(task, to, buf.subarray(off, n));
      if (w instanceof Promise) w = await w;
      if (w < 0) return;
      off += w;
    }
  }
  close(task, to);
}

async function pipeBench(quick: boolean): Promise<Row[]> {
  const total = quick ? 8 << 20 : 512 << 20;
  const { task } = testRoot();
  const [r1, w1] = pipe2(task, 0) as [number, number];
  const [r2, w2] = pipe2(task, 0) as [number, number];
  const [r3, w3] = pipe2(task, 0) as [number, number];
  const [r4, w4] = pipe2(task, 0) as [number, number];
  const t0 = performance.now();
  const producer = (async () => {
    const chunk = new Uint8Array(65536);
    for (let off = 0; off < total; off += chunk.length) {
      let w = write(task, w1, chunk);
      if (w instanceof Promise) w = await w;
    }
    close(task, w1);
  })();
  const stages = [pump(task, r1, w2), pump(task, r2, w3), pump(task, r3, w4)];
  let got = 0;
  const sink = new Uint8Array(65536);
  for (;;) {
    let n = read(task, r4, sink);
    if (n instanceof Promise) n = await n;
    if (n <= 0) break;
    got += n;
  }
  await Promise.all([producer, ...stages]);
  const berth = got / 1e6 / ((performance.now() - t0) / 1000);
  const native = await measureCommand(
    ["sh", "-c", `head -c ${total} /dev/zero | cat | cat | cat > /dev/null`],
    quick ? 1 : 3,
  );
  const nativeRate = native ? total / 1e6 / (native.median / 1e6) : NaN;
  const ratio = berth / nativeRate;

  // 1-byte ping-pong between two loops.
  const plan = pingPongPlan(quick);
  const [ar, aw] = pipe2(task, 0) as [number, number];
  const [br, bw] = pipe2(task, 0) as [number, number];
  const one = new Uint8Array(1);
  const echo = (async () => {
    const b = new Uint8Array(1);
    for (let i = 0; i < plan.total; i++) {
      let n = read(task, ar, b);
      if (n instanceof Promise) n = await n;
      write(task, bw, b);
    }
  })();
  const rtts = await plan.sample(async () => {
    write(task, aw, one);
    const n = read(task, br, one);
    if (n instanceof Promise) await n;
  });
  await echo;
  const loop = summarize(rtts);
  return [
    {
      group: "vfs",
      name: "pipe throughput, 3-stage chain (syscall loops, no scheduler)",
      value: ratio,
      unit: "ratio",
      target: "≥ 0.25× native",
      pass: quick || !Number.isFinite(ratio) ? undefined : ratio >= 0.25,
      note: `${berth.toFixed(0)} MB/s vs native cat|cat|cat ${nativeRate.toFixed(0)} MB/s`,
    },
    {
      group: "vfs",
      name: "1-byte pipe ping-pong round trip (syscall loops, no scheduler)",
      value: loop.median,
      stats: loop,
      unit: "µs",
      target: "≤ 2 µs",
      pass: quick ? undefined : loop.median <= 2,
      note: plan.note,
    },
  ];
}

/** `head -c N /dev/zero | cat | cat | cat > /dev/null` as builtin processes on the kernel. */
async function catChainBench(quick: boolean): Promise<Row[]> {
  const total = quick ? 4 << 20 : 256 << 20;
  const k = new Kernel({ builtins: applets });
  const fs = minimalRoot(k);
  const run = async (cmd: string) => {
    const h = await k.spawn({ argv: ["sh", "-c", cmd], fs, stdout: "null", stderr: "null" });
    const st = await h.wait();
    if (st.exitCode !== 0) throw new Error(`${cmd}: ${JSON.stringify(st)}`);
  };
  await run("mount -t devtmpfs dev /dev");
  const cmd = `head -c ${total} /dev/zero | cat | cat | cat > /dev/null`;
  const samples: number[] = [];
  for (let i = 0; i < (quick ? 1 : 3); i++) {
    const t0 = performance.now();
    await run(cmd);
    samples.push(total / 1e6 / ((performance.now() - t0) / 1000));
  }
  const berth = Math.max(...samples);
  const native = await measureCommand(["sh", "-c", cmd], quick ? 1 : 3);
  const nativeRate = native ? total / 1e6 / (native.median / 1e6) : NaN;
  const ratio = berth / nativeRate;
  return [{
    group: "vfs",
    name: "head|cat|cat|cat builtin processes vs native",
    value: ratio,
    unit: "ratio",
    target: "≥ 0.25× native",
    pass: quick || !Number.isFinite(ratio) ? undefined : ratio >= 0.25,
    note: `${berth.toFixed(0)} MB/s vs native ${nativeRate.toFixed(0)} MB/s`,
  }];
}

/**
 * How ping-pong benchmarks sample: a warm-up long enough for V8 to finish tiering the
 * path up (the first ~20,000 round trips run 2–4× slower), then samples of a fixed
 * number of round trips, of which the median is reported.
 */
function pingPongPlan(quick: boolean) {
  const warmup = quick ? 200 : 30_000;
  const perSample = quick ? 100 : 10_000;
  const samples = quick ? 3 : 11;
  return {
    total: warmup + perSample * samples,
    note: `median of ${samples} samples of ${perSample} round trips, after ${warmup} to warm up`,
    /** Run `round` warmup + samples × perSample times; µs per round trip of each sample. */
    async sample(round: () => Promise<void>): Promise<number[]> {
      for (let i = 0; i < warmup; i++) await round();
      const out: number[] = [];
      for (let s = 0; s < samples; s++) {
        const t0 = performance.now();
        for (let i = 0; i < perSample; i++) await round();
        out.push(((performance.now() - t0) * 1000) / perSample);
      }
      return out;
    },
  };
}

/** 1-byte ping-pong through two pipes between two builtin processes on the kernel. */
async function pingPongProcesses(quick: boolean): Promise<Row[]> {
  const plan = pingPongPlan(quick);
  let rtts: number[] = [];
  const ponger: BuiltinMain = async (sys) => {
    const b = new Uint8Array(1);
    for (;;) {
      let n = sys.read(0, b);
      if (n instanceof Promise) n = await n;
      if (n <= 0) return 0;
      const w = sys.write(1, b);
      if (w instanceof Promise) await w;
    }
  };
  const pinger: BuiltinMain = async (sys) => {
    const [ar, aw] = sys.pipe2(0) as [number, number];
    const [br, bw] = sys.pipe2(0) as [number, number];
    const pid = await sys.spawn({
      path: "ponger",
      argv: ["ponger"],
      fileActions: [
        { op: "dup2", fd: ar, newfd: 0 },
        { op: "dup2", fd: bw, newfd: 1 },
        ...[ar, aw, br, bw].map((fd) => ({ op: "close" as const, fd })),
      ],
    });
    if (typeof pid !== "number" || pid < 0) return 1;
    sys.close(ar);
    sys.close(bw);
    const one = new Uint8Array(1);
    const round = async () => {
      const w = sys.write(aw, one);
      if (w instanceof Promise) await w;
      const n = sys.read(br, one);
      if (n instanceof Promise) await n;
    };
    rtts = await plan.sample(round);
    sys.close(aw);
    await sys.wait4(-1, 0);
    return 0;
  };
  const k = new Kernel({ builtins: { pinger, ponger } });
  const h = await k.spawn({ argv: ["pinger"], fs: minimalRoot(k), stdout: "null", stderr: "null" });
  await h.wait();
  const s = summarize(rtts);
  return [{
    group: "vfs",
    name: "1-byte pipe ping-pong, two builtin processes",
    value: s.median,
    stats: s,
    unit: "µs",
    target: "≤ 2 µs",
    pass: quick ? undefined : s.median <= 2,
    note: `includes the scheduler's switches; ${plan.note}`,
  }];
}

/** The VFS benchmarks. */
export const benchmarks: Benchmark[] = [
  { group: "vfs", run: ({ quick }) => statBench(quick) },
  { group: "vfs", run: ({ quick, tmp }) => readBench(quick, tmp) },
  { group: "vfs", run: ({ quick }) => pipeBench(quick) },
  { group: "vfs", run: ({ quick }) => catChainBench(quick) },
  { group: "vfs", run: ({ quick }) => pingPongProcesses(quick) },
];
