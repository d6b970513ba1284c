/**
 * Shell benchmark: `sh -c 'for i in $(seq 1 N); do :; done'` in Berth against the
 * host's `dash -c` with the same script, measured in the same run (issue 7's target:
 * within 5× of dash).
 *
 * Berth runs `sh` as a process on the real kernel over a `minimalRoot` (applets exec'd
 * by name through `/bin`), so the time includes spawning and reaping `seq`.
 *
 * @module
 */
import { Kernel } from "../../runtime/kernel/kernel.ts";
import { minimalRoot } from "../../runtime/kernel/minimal_root.ts";
import { applets } from "../../runtime/userland/mod.ts";
import { type Benchmark, measure, measureCommand, type Row } from "./_harness.ts";

interface Runner {
  run(script: string): Promise<number>;
  note: string;
  close(): Promise<void>;
}

function kernelRunner(): Runner {
  const k = new Kernel({ builtins: applets });
  const fs = minimalRoot(k);
  const run = async (script: string) => {
    const h = await k.spawn({
      argv: ["sh", "-c", script],
      fs: fs.fork(),
      env: ["PATH=/bin:/usr/bin"],
      stdout: "pipe",
      stderr: "pipe",
    });
    const out = new Response(h.stdout).text();
    const err = new Response(h.stderr).text();
    const st = await h.wait();
    await out;
    await err;
    return st.exitCode;
  };
  return { run, note: "real kernel, minimalRoot", close: () => k.shutdown() };
}

/** The shell benchmarks. */
export const benchmarks: Benchmark[] = [{
  group: "sh",
  async run(ctx) {
    const n = ctx.quick ? 1000 : 10000;
    const runs = ctx.quick ? 2 : 12;
    const script = `for i in $(seq 1 ${n}); do :; done`;
    const runner = kernelRunner();
    try {
      const status = await runner.run(script);
      if (status !== 0) throw new Error(`berth sh exited ${status}`);
      const berth = await measure(() => runner.run(script), { runs, warmup: 2 });
      const dash = await measureCommand(["dash", "-c", script], runs);
      const rows: Row[] = [{
        group: "sh",
        name: `for loop over $(seq 1 ${n}) (berth sh)`,
        value: berth.median / 1000,
        unit: "ms",
        stats: berth,
        note: runner.note,
      }];
      if (dash) {
        rows.push({
          group: "sh",
          name: `for loop over $(seq 1 ${n}) (host dash)`,
          value: dash.median / 1000,
          unit: "ms",
          stats: dash,
        });
        const ratio = berth.median / dash.median;
        rows.push({
          group: "sh",
          name: "berth sh / dash",
          value: ratio,
          unit: "ratio",
          target: "≤ 5×",
          pass: ctx.quick ? undefined : ratio <= 5,
          note: runner.note,
        });
      } else {
        rows.push({
          group: "sh",
          name: "berth sh / dash",
          value: NaN,
          unit: "ratio",
          note: "dash not installed",
        });
      }
      return rows;
    } finally {
      await runner.close();
    }
  },
}];
