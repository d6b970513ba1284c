/**
 * Scheduler accuracy (issue 12, workload 6): what the kernel's CFS-like scheduler gives
 * CPU-bound processes against what their cgroups ask for, as error %:
 *
 * - `cpu.weight` 100/200/300 for three spinning processes: the achieved usage ratios
 *   b/a and c/a against 2 and 3;
 * - `cpu.max` "25000 100000" and "50000 100000" for one spinner each (one at a time): the
 *   achieved share of wall time against 25% and 50%, beside the share an unlimited
 *   spinner got in the same run (what the host gave the kernel then).
 *
 * The error bounds are those of `runtime/kernel/scheduler_test.ts` (±10% for weights,
 * ±5 points for quotas).
 *
 * @module
 */
import type { BenchContext, Row } from "../_harness.ts";
import { Kernel } from "../../../runtime/kernel/kernel.ts";
import type { BuiltinMain } from "../../../runtime/kernel/executor.ts";

const G = "peers/sched";

/** Burns CPU in ~50 µs steps with a write (a preemption point) after each. */
const spin: BuiltinMain = async (sys) => {
  const byte = new Uint8Array(1);
  let x = 0;
  for (;;) {
    const end = performance.now() + 0.05;
    while (performance.now() < end) x = (x * 31 + 7) | 0;
    const w = sys.write(1, byte);
    if (w instanceof Promise) await w;
  }
};

function usageUs(k: Kernel, path: string): number {
  const text = k.cgroups.readFile(path, "cpu.stat");
  if (typeof text === "number") throw new Error(`cpu.stat of ${path}: ${text}`);
  return Number(/usage_usec (\d+)/.exec(text)?.[1] ?? NaN);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wall-time share a spinner in `cgroup` got over `ms`. */
async function share(k: Kernel, cgroup: string, ms: number): Promise<number> {
  const h = await k.spawn({ argv: ["spin"], cgroup, stdout: "null" });
  const t0 = performance.now();
  const u0 = usageUs(k, cgroup);
  await sleep(ms);
  const used = usageUs(k, cgroup) - u0;
  const wall = (performance.now() - t0) * 1000;
  h.kill(9);
  await h.wait();
  return used / wall;
}

/**
 * The scheduler accuracy rows.
 *
 * @param ctx Bench context.
 * @returns Weight ratio errors and quota share errors.
 * @example
 * ```ts ignore
 * const rows = await schedRows({ quick: true, tmp });
 * ```
 */
export async function schedRows(ctx: BenchContext): Promise<Row[]> {
  const ms = ctx.quick ? 300 : 3000;
  const rows: Row[] = [];
  const k = new Kernel({ builtins: { spin } });
  try {
    const weights = [100, 200, 300];
    const handles = [];
    for (const [i, w] of weights.entries()) {
      k.cgroups.create(`/w/g${i}`, { cpuWeight: w });
      handles.push(await k.spawn({ argv: ["spin"], cgroup: `/w/g${i}`, stdout: "null" }));
    }
    await sleep(100);
    const u0 = weights.map((_, i) => usageUs(k, `/w/g${i}`));
    await sleep(ms);
    const used = weights.map((_, i) => usageUs(k, `/w/g${i}`) - u0[i]!);
    for (const h of handles) h.kill(9);
    await Promise.all(handles.map((h) => h.wait()));
    const [a, b, c] = used as [number, number, number];
    for (const [name, got, want] of [["b/a", b / a, 2], ["c/a", c / a, 3]] as const) {
      const err = Math.abs(got / want - 1) * 100;
      rows.push({
        group: G,
        name: `cpu.weight 100/200/300: ${name} = ${got.toFixed(2)} (asked ${want})`,
        value: err,
        unit: "% error",
        target: "≤ 10%",
        pass: ctx.quick ? undefined : err <= 10,
        note: `${(ms / 1000).toFixed(1)} s of 3 spinners; usage ${
          used.map((u) => (u / 1000).toFixed(0)).join("/")
        } ms`,
      });
    }
    const free = await share(k, "/free", ctx.quick ? 200 : 1000);
    rows.push({
      group: G,
      name: "unlimited spinner: share of wall time (what the host gave)",
      value: free * 100,
      unit: "%",
    });
    for (const quota of [25_000, 50_000]) {
      const path = `/q${quota}`;
      k.cgroups.create(path, { cpuMax: `${quota} 100000` });
      const got = await share(k, path, ms);
      const asked = quota / 1000;
      const err = Math.abs(got * 100 - asked);
      const starved = free * 100 < asked + 10;
      rows.push({
        group: G,
        name: `cpu.max "${quota} 100000": share ${(got * 100).toFixed(1)}% (asked ${asked}%)`,
        value: err,
        unit: "points",
        target: "≤ 5 points",
        pass: ctx.quick || starved ? undefined : err <= 5,
        note: starved ? "not judged: the host gave the kernel too little CPU" : undefined,
      });
    }
  } finally {
    await k.shutdown();
  }
  return rows;
}
