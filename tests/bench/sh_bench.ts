/**
 * Shell benchmark: `sh -c 'for i in $(seq 1 N); do :; done'` in Berth against the
 * host's `dash -c` with the same script, measured in the same run (issue 7's target:
 * within 5× of dash).
 *
 * Berth runs on the real kernel when it can run pipelines (a probe), else on the
 * shell's temporary test kernel; the row's note says which.
 *
 * @module
 */
import { Kernel } from "../../runtime/kernel/kernel.ts";
import { runShell } from "../../runtime/userland/sh/_test_kernel.ts";
import { sh } from "../../runtime/userland/sh/mod.ts";
import { applets } from "../../runtime/userland/mod.ts";
import { type Benchmark, measure, measureCommand, type Row } from "./_harness.ts";

interface Runner {
  run(script: string): Promise<number>;
  note: string;
  close(): Promise<void>;
}

async function realKernelRunner(): Promise<Runner | undefined> {
  const k = new Kernel({ builtins: { ...applets, sh } });
  const run = async (script: string) => {
    const h = await k.spawn({ argv: ["sh", "-c", script], stdout: "pipe", stderr: "pipe" });
    const out = new Response(h.stdout).text();
    const err = new Response(h.stderr).text();
    const st = await h.wait();
    await out;
    await err;
    return st.exitCode;
  };
  try {
    const h = await k.spawn({
      argv: ["sh", "-c", "echo $(echo ok)"],
      stdout: "pipe",
      stderr: "null",
    });
    const out = await new Response(h.stdout).text();
    await h.wait();
    if (out === "ok\n") return { run, note: "real kernel", close: () => k.shutdown() };
  } catch {
    // fall through: the kernel cannot run this yet
  }
  await k.shutdown();
  return undefined;
}

function fakeRunner(): Runner {
  return {
    run: async (script) => (await runShell(sh, script)).status,
    note: "sh test kernel (the real kernel has no pipes without a VFS yet)",
    close: () => Promise.resolve(),
  };
}

/** The shell benchmarks. */
export const benchmarks: Benchmark[] = [{
  group: "sh",
  async run(ctx) {
    const n = ctx.quick ? 1000 : 10000;
    const runs = ctx.quick ? 2 : 12;
    const script = `for i in $(seq 1 ${n}); do :; done`;
    const runner = (await realKernelRunner()) ?? fakeRunner();
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
