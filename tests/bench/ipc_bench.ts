/**
 * IPC and userland benchmarks. Userland: `ls -lR` over a 10,000-file overlay root (the
 * issue's target: ≤ 0.5 s), against the host's `ls -lR` over the same tree on disk in the
 * same run. IPC: System V message ping-pong between two processes (the target:
 * ≥ 200,000 round trips per second), the same over a POSIX message queue pair and a
 * semaphore pair, and as reference, measured in the same run, a bare promise ping-pong
 * between two async functions (the floor any blocking hand-off between green threads pays).
 *
 * Run: `deno run -A tests/bench/main.ts --only ipc` (or `deno run -A tests/bench/ipc_bench.ts`).
 *
 * @module
 */
import type { Benchmark, Row } from "./_harness.ts";
import { summarize } from "./_harness.ts";
import { Kernel } from "../../runtime/kernel/kernel.ts";
import { minimalRoot } from "../../runtime/kernel/minimal_root.ts";
import type { BuiltinMain } from "../../runtime/kernel/executor.ts";
import type { Syscalls } from "../../runtime/kernel/syscalls/api.ts";
import { BERTHBOX_MAGIC } from "../../runtime/kernel/executor.ts";
import { OverlayFs } from "../../runtime/kernel/fs/overlay/overlay.ts";
import { memoryChargerOf } from "../../runtime/kernel/cgroup.ts";
import { FsState } from "../../runtime/kernel/vfs/fs_state.ts";
import { Mount, MountNamespace } from "../../runtime/kernel/vfs/mount.ts";
import { type LayerChange, layerTar } from "../../image/layer/layer_writer.ts";
import { TarIndexer } from "../../image/layer/tar_indexer.ts";
import { mergeLayers } from "../../image/layer/merged_layers.ts";
import type { LayerEntry, OpenLayer } from "../../image/layer/types.ts";
import { applets } from "../../runtime/userland/mod.ts";

const IPC_CREAT = 0o1000;
const O_RDWR = 2;
const O_CREAT = 0o100;

type Side = (sys: Syscalls, n: number) => Promise<void>;

/** Two processes: `a` starts, `b` answers; returns round trips per second. */
async function pingPong(a: Side, b: Side, n: number): Promise<number> {
  let t0 = 0;
  let t1 = 0;
  const progA: BuiltinMain = async (sys) => {
    t0 = performance.now();
    await a(sys, n);
    t1 = performance.now();
    return 0;
  };
  const progB: BuiltinMain = async (sys) => {
    await b(sys, n);
    return 0;
  };
  const k = new Kernel({ builtins: { a: progA, b: progB } });
  try {
    const fs = minimalRoot(k);
    const hb = await k.spawn({ argv: ["b"], fs: fs.fork(), stdout: "null", stderr: "null" });
    const ha = await k.spawn({ argv: ["a"], fs: fs.fork(), stdout: "null", stderr: "null" });
    const sa = await ha.wait();
    const sb = await hb.wait();
    if (sa.exitCode || sb.exitCode) {
      throw new Error(`ping-pong failed: ${sa.exitCode} ${sb.exitCode}`);
    }
  } finally {
    await k.shutdown();
  }
  return n / ((t1 - t0) / 1000);
}

const one = new Uint8Array(8);

const msgA: Side = async (sys, n) => {
  const q = sys.msgget(0x1234, IPC_CREAT | 0o600);
  for (let i = 0; i < n; i++) {
    let s = sys.msgsnd(q, 1, one, 0);
    if (s instanceof Promise) s = await s;
    let r = sys.msgrcv(q, 64, 2, 0);
    if (r instanceof Promise) r = await r;
    if (typeof r === "number") throw new Error(`msgrcv ${r}`);
  }
};
const msgB: Side = async (sys, n) => {
  const q = sys.msgget(0x1234, IPC_CREAT | 0o600);
  for (let i = 0; i < n; i++) {
    let r = sys.msgrcv(q, 64, 1, 0);
    if (r instanceof Promise) r = await r;
    if (typeof r === "number") throw new Error(`msgrcv ${r}`);
    let s = sys.msgsnd(q, 2, one, 0);
    if (s instanceof Promise) s = await s;
  }
};

const semA: Side = async (sys, n) => {
  const s = sys.semget(0x99, 2, IPC_CREAT | 0o600);
  for (let i = 0; i < n; i++) {
    await sys.semop(s, [{ num: 0, op: 1, flags: 0 }]);
    await sys.semop(s, [{ num: 1, op: -1, flags: 0 }]);
  }
};
const semB: Side = async (sys, n) => {
  const s = sys.semget(0x99, 2, IPC_CREAT | 0o600);
  for (let i = 0; i < n; i++) {
    await sys.semop(s, [{ num: 0, op: -1, flags: 0 }]);
    await sys.semop(s, [{ num: 1, op: 1, flags: 0 }]);
  }
};

const mqA: Side = async (sys, n) => {
  const ping = sys.mq_open("/ping", O_RDWR | O_CREAT, 0o600, { maxmsg: 10, msgsize: 64 });
  const pong = sys.mq_open("/pong", O_RDWR | O_CREAT, 0o600, { maxmsg: 10, msgsize: 64 });
  if (typeof ping !== "number" || typeof pong !== "number" || ping < 0 || pong < 0) {
    throw new Error("mq_open");
  }
  for (let i = 0; i < n; i++) {
    await sys.mq_send(ping, one, 0);
    const r = await sys.mq_receive(pong, 64);
    if (typeof r === "number") throw new Error(`mq_receive ${r}`);
  }
};
const mqB: Side = async (sys, n) => {
  const ping = sys.mq_open("/ping", O_RDWR | O_CREAT, 0o600, { maxmsg: 10, msgsize: 64 });
  const pong = sys.mq_open("/pong", O_RDWR | O_CREAT, 0o600, { maxmsg: 10, msgsize: 64 });
  if (typeof ping !== "number" || typeof pong !== "number" || ping < 0 || pong < 0) {
    throw new Error("mq_open");
  }
  for (let i = 0; i < n; i++) {
    const r = await sys.mq_receive(ping, 64);
    if (typeof r === "number") throw new Error(`mq_receive ${r}`);
    await sys.mq_send(pong, one, 0);
  }
};

/** Reference: two async functions handing a token back and forth through promises. */
async function promisePingPong(n: number): Promise<number> {
  let wakeA: (() => void) | null = null;
  let wakeB: (() => void) | null = null;
  let tokenA = 0;
  let tokenB = 0;
  const t0 = performance.now();
  const a = (async () => {
    for (let i = 0; i < n; i++) {
      tokenB++;
      (wakeB as (() => void) | null)?.();
      while (tokenA === 0) await new Promise<void>((r) => (wakeA = r));
      tokenA--;
    }
  })();
  const b = (async () => {
    for (let i = 0; i < n; i++) {
      while (tokenB === 0) await new Promise<void>((r) => (wakeB = r));
      tokenB--;
      tokenA++;
      (wakeA as (() => void) | null)?.();
    }
  })();
  await Promise.all([a, b]);
  return n / ((performance.now() - t0) / 1000);
}

async function measure(runs: number, f: () => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) out.push(await f());
  return out;
}

function memLayer(tar: Uint8Array): OpenLayer {
  const ix = new TarIndexer("bench");
  ix.push(tar);
  const index = ix.finish();
  return {
    diffId: "bench",
    entries: new Map(index.entries.map((e) => [e.path, e])),
    whiteouts: new Set(index.whiteouts),
    opaqueDirs: new Set(index.opaqueDirs),
    readSync(entry: LayerEntry, buf: Uint8Array, position: number): number {
      if (entry.type !== "file") return 0;
      const n = Math.max(0, Math.min(buf.length, entry.size - position));
      buf.set(tar.subarray(entry.dataOffset + position, entry.dataOffset + position + n));
      return n;
    },
  };
}

/** `ls -lR /data` on an overlay root with `dirs × per` files; returns seconds. */
async function lsOverlay(dirs: number, per: number, runs: number): Promise<number[]> {
  const changes: LayerChange[] = [
    { type: "dir", path: "/bin", mode: 0o755 },
    {
      type: "file",
      path: "/bin/berthbox",
      mode: 0o755,
      data: new Uint8Array([...BERTHBOX_MAGIC, 10]),
    },
    { type: "symlink", path: "/bin/ls", target: "berthbox" },
    { type: "dir", path: "/etc" },
    { type: "file", path: "/etc/passwd", data: "root:x:0:0:root:/root:/bin/sh\n" },
    { type: "file", path: "/etc/group", data: "root:x:0:\n" },
    { type: "dir", path: "/data" },
  ];
  for (let d = 0; d < dirs; d++) {
    changes.push({ type: "dir", path: `/data/d${d}` });
    for (let f = 0; f < per; f++) {
      changes.push({ type: "file", path: `/data/d${d}/file${f}.txt`, data: "x".repeat(f % 50) });
    }
  }
  const tar = new Uint8Array(
    await new Response(layerTar(changes, { sourceDateEpoch: 0 })).arrayBuffer(),
  );
  const lower = mergeLayers([memLayer(tar)]);
  const out: number[] = [];
  for (let r = 0; r < runs; r++) {
    const k = new Kernel({ builtins: applets });
    try {
      const ovl = new OverlayFs({ lower, memory: memoryChargerOf(k.cgroups.root) });
      const fs = new FsState(new MountNamespace(new Mount(ovl, ovl.root, 0, "overlay")));
      const t0 = performance.now();
      const h = await k.spawn({ argv: ["ls", "-lR", "/data"], fs, stderr: "null" });
      const text = await new Response(h.stdout).text();
      const st = await h.wait();
      out.push((performance.now() - t0) / 1000);
      if (st.exitCode !== 0 || text.split("\n").length < dirs * per) {
        throw new Error("ls -lR failed");
      }
    } finally {
      await k.shutdown();
    }
  }
  return out;
}

/** The host's `ls -lR` over the same tree on disk; seconds, or NaN without ls. */
async function lsHost(tmp: string, dirs: number, per: number, runs: number): Promise<number[]> {
  for (let d = 0; d < dirs; d++) {
    await Deno.mkdir(`${tmp}/data/d${d}`, { recursive: true });
    for (let f = 0; f < per; f++) {
      await Deno.writeTextFile(`${tmp}/data/d${d}/file${f}.txt`, "x".repeat(f % 50));
    }
  }
  const out: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const res = await new Deno.Command("ls", {
      args: ["-lR", `${tmp}/data`],
      stdout: "piped",
      stderr: "null",
    }).output().catch(() => null);
    if (!res?.success) return [NaN];
    out.push((performance.now() - t0) / 1000);
  }
  return out;
}

/** The IPC and userland benchmarks. */
export const benchmarks: Benchmark[] = [{
  group: "userland",
  async run({ quick, tmp }): Promise<Row[]> {
    const dirs = quick ? 5 : 100;
    const per = quick ? 20 : 100;
    const runs = quick ? 1 : 5;
    const berth = summarize(await lsOverlay(dirs, per, runs));
    const host = summarize(await lsHost(tmp || await Deno.makeTempDir(), dirs, per, runs));
    return [{
      group: "userland",
      name: `ls -lR over a ${dirs * per}-file overlay (one layer)`,
      value: Number(berth.median.toFixed(3)),
      unit: "s",
      stats: berth,
      target: quick ? undefined : "≤ 0.5 s",
      pass: quick ? undefined : berth.median <= 0.5,
      note: Number.isNaN(host.median)
        ? "host ls unavailable"
        : `${(berth.median / host.median).toFixed(1)}× the host's ls -lR on disk (${
          host.median.toFixed(3)
        } s) in the same run`,
    }];
  },
}, {
  group: "ipc",
  async run({ quick }): Promise<Row[]> {
    const n = quick ? 2000 : 100_000;
    const runs = quick ? 1 : 5;
    const ref = summarize(await measure(runs, () => promisePingPong(n))).median;
    const msg = summarize(await measure(runs, () => pingPong(msgA, msgB, n)));
    const sem = summarize(await measure(runs, () => pingPong(semA, semB, n)));
    const mq = summarize(await measure(runs, () => pingPong(mqA, mqB, n)));
    const row = (name: string, s: ReturnType<typeof summarize>, target?: number): Row => ({
      group: "ipc",
      name,
      value: Math.round(s.median),
      unit: "round trips/s",
      stats: s,
      target: target ? `≥ ${target.toLocaleString("en-US")}/s` : undefined,
      pass: target ? s.median >= target : undefined,
      note: `${(s.median / ref).toFixed(2)}× a bare promise ping-pong (${
        Math.round(ref)
      }/s) in the same run`,
    });
    return [
      row("SysV message ping-pong, two processes", msg, quick ? undefined : 200_000),
      row("SysV semaphore ping-pong, two processes", sem),
      row("POSIX mqueue ping-pong, two processes", mq),
      {
        group: "ipc",
        name: "reference: promise ping-pong",
        value: Math.round(ref),
        unit: "round trips/s",
      },
    ];
  },
}];

if (import.meta.main) {
  const { formatTable } = await import("./_harness.ts");
  const quick = Deno.args.includes("--quick");
  const rows = [];
  for (const b of benchmarks) rows.push(...await b.run({ quick, tmp: await Deno.makeTempDir() }));
  console.log(formatTable(rows));
}
