/**
 * Builder benchmarks (issue 10):
 * - a 5-step Dockerfile copying 1,000 small files: first build vs unchanged rebuild
 *   (target: rebuild ≤ 5% of the first build);
 * - `COPY` of a large tree (default 128 MiB, `BERTH_BENCH_COPY_MB=500` for the issue's
 *   500 MB): build throughput vs `tar -c | sha256sum` on the same tree in the same run
 *   (target ≥ 0.5×).
 *
 * @module
 */
import { join } from "node:path";
import type { Benchmark, Row } from "./_harness.ts";
import { build } from "../../image/build/mod.ts";
import { openStore } from "../../image/mod.ts";

async function writeSmallFiles(dir: string, n: number): Promise<void> {
  await Deno.mkdir(join(dir, "files"), { recursive: true });
  for (let i = 0; i < n; i++) {
    const sub = join(dir, "files", `d${i % 20}`);
    if (i < 20) await Deno.mkdir(sub, { recursive: true });
    await Deno.writeTextFile(join(sub, `f${i}.txt`), `file ${i}\n`.repeat(1 + (i % 7)));
  }
}

async function cacheBench(tmp: string, quick: boolean): Promise<Row[]> {
  const n = quick ? 100 : 1000;
  const ctx = join(tmp, "ctx-small");
  await writeSmallFiles(ctx, n);
  await Deno.writeTextFile(join(ctx, "one.txt"), "one");
  await Deno.writeTextFile(
    join(ctx, "Dockerfile"),
    'FROM scratch\nCOPY files/ /files/\nENV A=1\nWORKDIR /app\nCOPY one.txt ./\nCMD ["/app/one.txt"]\n',
  );
  const store = await openStore(join(tmp, "root-small"));
  // First builds: one on an empty cache, two more with --no-cache (the same work).
  const firsts: number[] = [];
  let t = performance.now();
  let last = await build({ store, contextDir: ctx, tags: ["bench:small"] });
  firsts.push(performance.now() - t);
  for (let i = 0; i < 2; i++) {
    t = performance.now();
    last = await build({ store, contextDir: ctx, tags: ["bench:small"], noCache: true });
    firsts.push(performance.now() - t);
  }
  const firstMs = firsts.sort((a, b) => a - b)[1]!;
  const again: number[] = [];
  for (let i = 0; i < 3; i++) {
    t = performance.now();
    const r = await build({ store, contextDir: ctx, tags: ["bench:small"] });
    again.push(performance.now() - t);
    if (r.id !== last.id) throw new Error("cached rebuild changed the image ID");
  }
  const cachedMs = again.sort((a, b) => a - b)[1]!;
  const ratio = cachedMs / firstMs;
  return [
    {
      group: "build",
      name: `first build, 5 steps, ${n} small files (median of 3)`,
      value: firstMs,
      unit: "ms",
    },
    { group: "build", name: `unchanged rebuild (median of 3)`, value: cachedMs, unit: "ms" },
    {
      group: "build",
      name: "rebuild / first build",
      value: ratio,
      unit: "ratio",
      target: "≤ 0.05",
      pass: quick ? undefined : ratio <= 0.05,
      note:
        "a rebuild still lstats every context file; content digests are memoised by lstat identity",
    },
  ];
}

async function copyBench(tmp: string, quick: boolean): Promise<Row[]> {
  const mb = quick ? 8 : Number(Deno.env.get("BERTH_BENCH_COPY_MB") ?? 128);
  const ctx = join(tmp, "ctx-big");
  await Deno.mkdir(join(ctx, "data"), { recursive: true });
  const fileMb = 8;
  const chunk = new Uint8Array(fileMb << 20);
  for (let i = 0; i < mb / fileMb; i++) {
    crypto.getRandomValues(chunk.subarray(0, 65536));
    chunk.copyWithin(65536, 0, chunk.length - 65536);
    await Deno.writeFile(join(ctx, "data", `blob${i}.bin`), chunk);
  }
  await Deno.writeTextFile(join(ctx, "Dockerfile"), "FROM scratch\nCOPY data/ /data/\n");
  // Reference: tar -c | sha256sum of the same tree, same run.
  const ref = async () => {
    const t = performance.now();
    const out = await new Deno.Command("sh", {
      args: ["-c", `tar -c -C ${ctx} data | sha256sum`],
      stdout: "null",
    }).output();
    if (!out.success) throw new Error("tar | sha256sum failed");
    return performance.now() - t;
  };
  const store = await openStore(join(tmp, "root-big"));
  const ours = async () => {
    const t = performance.now();
    await build({ store, contextDir: ctx, noCache: true });
    return performance.now() - t;
  };
  await ref(); // warm the page cache for both
  const refMs: number[] = [];
  const ourMs: number[] = [];
  for (let i = 0; i < (quick ? 1 : 3); i++) {
    refMs.push(await ref());
    ourMs.push(await ours());
    await store.gc();
  }
  const med = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const refRate = mb / (med(refMs) / 1000);
  const ourRate = mb / (med(ourMs) / 1000);
  const ratio = ourRate / refRate;
  return [
    { group: "build", name: `COPY ${mb} MiB: berth build`, value: ourRate, unit: "MB/s" },
    { group: "build", name: `tar -c | sha256sum (${mb} MiB)`, value: refRate, unit: "MB/s" },
    {
      group: "build",
      name: "COPY throughput / tar|sha256sum",
      value: ratio,
      unit: "ratio",
      target: "≥ 0.5",
      pass: quick ? undefined : ratio >= 0.5,
    },
  ];
}

/** The builder's benchmarks. */
export const benchmarks: Benchmark[] = [
  {
    group: "build",
    async run({ quick, tmp }) {
      return [...await cacheBench(tmp, quick), ...await copyBench(tmp, quick)];
    },
  },
];
