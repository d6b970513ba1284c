/**
 * Shell against the peers, in one run: host `dash` and `busybox sh` vs Berth's `sh` (a
 * process on the real kernel over a `minimalRoot`, the userland's applets as its
 * commands) on the same scripts: a 10,000-iteration arithmetic loop, string operations,
 * and a pipeline. The host shells' times include their process start-up (about 1 ms).
 *
 * @module
 */
import type { BenchContext, Row } from "../_harness.ts";
import { which } from "../_harness.ts";
import { msRow, ratioRow, series, short, skipRow, timeCommand } from "./common.ts";
import { wasiKernel } from "../../../runtime/wasi/_test_kernel.ts";
import { applets } from "../../../runtime/userland/mod.ts";

const G = "peers/sh";

/**
 * The scripts, by size.
 *
 * @param quick Smaller sizes.
 * @returns Name and script text.
 * @example
 * ```ts
 * import { scripts } from "./shell.ts";
 * console.assert(scripts(true).length === 3);
 * ```
 */
export function scripts(quick: boolean): [string, string][] {
  const n = quick ? 1000 : 10000;
  const s = quick ? 200 : 2000;
  const p = quick ? 2000 : 20000;
  return [
    [
      `while loop, ${n} iterations of $((i+1)) and [`,
      `i=0; while [ $i -lt ${n} ]; do i=$((i+1)); done; echo $i`,
    ],
    [
      `string ops × ${s} (append, \${#s}, \${s%x}, case)`,
      `s=; i=0; while [ $i -lt ${s} ]; do s="\${s}ab"; t=\${s%b}; l=\${#t}; ` +
      `case $s in *abab) ;; esac; i=$((i+1)); done; echo \${#s}`,
    ],
    [`pipeline: seq 1 ${p} | grep 7 | wc -l`, `seq 1 ${p} | grep 7 | wc -l`],
  ];
}

/**
 * The shell rows.
 *
 * @param ctx Bench context.
 * @returns Per script: Berth sh, dash, busybox sh, and the ratios (target ≤ 5× dash).
 * @example
 * ```ts ignore
 * const rows = await shellRows({ quick: true, tmp });
 * ```
 */
export async function shellRows(ctx: BenchContext): Promise<Row[]> {
  const rows: Row[] = [];
  const runs = ctx.quick ? 2 : 10;
  const dash = await which("dash");
  const busybox = await which("busybox");
  const wk = await wasiKernel([], {}, {}, applets);
  try {
    for (const [name, script] of scripts(ctx.quick)) {
      const berthOut = await wk.run(["sh", "-c", script], { env: ["PATH=/bin:/usr/bin"] });
      if (berthOut.code !== 0) {
        rows.push(skipRow(G, `${name}: berth sh`, "ms", `exited ${berthOut.code}`));
        continue;
      }
      const berth = await series(runs, async () => {
        const t0 = performance.now();
        const h = await wk.kernel.spawn({
          argv: ["sh", "-c", script],
          fs: wk.fs.fork(),
          env: ["PATH=/bin:/usr/bin"],
          stdout: "null",
          stderr: "null",
        });
        const st = await h.wait();
        if (st.exitCode !== 0) throw new Error(`berth sh exited ${st.exitCode}`);
        return performance.now() - t0;
      });
      rows.push(msRow(G, `${name}: berth sh`, berth, "kernel process, builtin applets"));
      const host: [string, string | undefined, string[]][] = [
        ["dash", dash, ["-c", script]],
        ["busybox sh", busybox, ["sh", "-c", script]],
      ];
      for (const [label, bin, args] of host) {
        if (!bin) {
          rows.push(skipRow(G, `${name}: ${label}`, "ms", `${label} not installed`));
          continue;
        }
        try {
          const { out } = await timeCommand(bin, args, { stdout: true });
          if (out.trim() !== berthOut.stdout.trim()) {
            throw new Error(`output differs: ${out.trim()} vs berth ${berthOut.stdout.trim()}`);
          }
          const st = await series(runs, async () => (await timeCommand(bin, args)).ms);
          rows.push(msRow(G, `${name}: ${label}`, st, "host process"));
          rows.push(
            ratioRow(G, `${name}: berth sh / ${label}`, berth.median, st.median, {
              max: label === "dash" ? 5 : undefined,
              quick: ctx.quick,
            }),
          );
        } catch (err) {
          rows.push(skipRow(G, `${name}: ${label}`, "ms", short(err)));
        }
      }
    }
  } finally {
    await wk.shutdown();
  }
  return rows;
}
