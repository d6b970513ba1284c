/**
 * The benchmark harness: measures workloads and their references in the same run and
 * reports ratios, which hold on a noisy shared machine where lone times do not.
 *
 * A benchmark module exports `benchmarks: Benchmark[]`; `tests/bench/main.ts` runs them
 * all (`deno task bench`, `--quick` to check only that each still runs, `--json` to emit
 * JSON) and prints one table.
 *
 * @module
 */

/** Summary statistics of one measured series (microseconds per operation). */
export interface Stats {
  /** Median. */
  median: number;
  /** 10th percentile. */
  p10: number;
  /** 90th percentile. */
  p90: number;
  /** Number of samples. */
  samples: number;
}

/** One row of the results table. */
export interface Row {
  /** Benchmark group, e.g. "kernel". */
  group: string;
  /** What was measured, e.g. "getpid round trip (builtin)". */
  name: string;
  /** Value and its unit. */
  value: number;
  /** Unit of `value`, e.g. "µs", "MB/s", "ops/s", "ratio". */
  unit: string;
  /** Statistics when the value is a time series. */
  stats?: Stats;
  /** The target, as text ("≤ 1 µs", "≥ 0.25× native"). */
  target?: string;
  /** Whether the target is met; undefined when there is no target or it was not measured. */
  pass?: boolean;
  /** A note: the reference it was compared with, or why it was skipped. */
  note?: string;
}

/** Options a benchmark receives. */
export interface BenchContext {
  /** Quick mode: tiny sizes, just check that it runs. */
  quick: boolean;
  /** A fresh temporary directory for this benchmark (removed afterwards). */
  tmp: string;
}

/** A benchmark: produces rows. */
export interface Benchmark {
  /** Group name. */
  group: string;
  /** Runs the measurement. */
  run(ctx: BenchContext): Promise<Row[]>;
}

/**
 * Summarise samples.
 *
 * @param samples Durations (any unit).
 * @returns Median, p10, p90.
 * @example
 * ```ts
 * import { summarize } from "./_harness.ts";
 * console.assert(summarize([3, 1, 2]).median === 2);
 * ```
 */
export function summarize(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  // Linear interpolation between closest ranks (numpy's default), so p10 ≤ median ≤ p90
  // for any count: rounding the rank down made p90 the minimum of two samples.
  const at = (q: number) => {
    const pos = q * (s.length - 1);
    const lo = s[Math.floor(pos)] ?? NaN;
    const hi = s[Math.ceil(pos)] ?? NaN;
    return lo + (hi - lo) * (pos - Math.floor(pos));
  };
  return { median: at(0.5), p10: at(0.1), p90: at(0.9), samples: s.length };
}

/**
 * Time `fn` repeatedly: `runs` samples, each the mean of `batch` calls, in µs per call.
 *
 * @param fn The operation (sync or async).
 * @param opts runs (samples), batch (calls per sample), warmup (samples discarded).
 * @returns Statistics in microseconds per call.
 * @example
 * ```ts ignore
 * const st = await measure(() => Math.sqrt(2), { runs: 10, batch: 1000 });
 * ```
 */
export async function measure(
  fn: () => unknown,
  opts: { runs?: number; batch?: number; warmup?: number } = {},
): Promise<Stats> {
  const runs = opts.runs ?? 30;
  const batch = opts.batch ?? 1;
  const warmup = opts.warmup ?? 2;
  const samples: number[] = [];
  for (let r = 0; r < runs + warmup; r++) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) {
      const v = fn();
      if (v instanceof Promise) await v;
    }
    const dt = ((performance.now() - t0) * 1000) / batch;
    if (r >= warmup) samples.push(dt);
  }
  return summarize(samples);
}

/**
 * Time a host command (start to exit), in µs.
 *
 * @param cmd Program and arguments.
 * @param runs Number of samples.
 * @returns Statistics in microseconds per run, or undefined when the program is missing.
 * @example
 * ```ts ignore
 * const st = await measureCommand(["true"], 10);
 * ```
 */
export async function measureCommand(
  cmd: string[],
  runs: number,
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<Stats | undefined> {
  const [program, ...args] = cmd;
  if (!program || !(await which(program))) return undefined;
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const out = await new Deno.Command(program, {
      args,
      cwd: opts.cwd,
      env: opts.env,
      stdout: "null",
      stderr: "null",
    }).output();
    samples.push((performance.now() - t0) * 1000);
    if (!out.success) throw new Error(`${cmd.join(" ")} exited ${out.code}`);
  }
  return summarize(samples);
}

/**
 * Whether a program is on PATH (or is an existing path).
 *
 * @param program Name or path.
 * @returns The resolved path or undefined.
 * @example
 * ```ts ignore
 * if (!(await which("runc"))) console.log("runc not installed: skipped");
 * ```
 */
export async function which(program: string): Promise<string | undefined> {
  if (program.includes("/")) {
    try {
      await Deno.stat(program);
      return program;
    } catch {
      return undefined;
    }
  }
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      const p = `${dir}/${program}`;
      await Deno.stat(p);
      return p;
    } catch { /* next */ }
  }
  return undefined;
}

/**
 * Format rows as a Markdown table (the README's performance table).
 *
 * @param rows Results.
 * @returns Markdown text.
 * @example
 * ```ts
 * import { formatTable } from "./_harness.ts";
 * console.assert(formatTable([]).startsWith("| group"));
 * ```
 */
export function formatTable(rows: Row[]): string {
  const fmt = (n: number) =>
    !Number.isFinite(n)
      ? "–"
      : Math.abs(n) >= 100
      ? n.toFixed(0)
      : Math.abs(n) >= 1
      ? n.toFixed(2)
      : n.toPrecision(2);
  const lines = [
    "| group | benchmark | value | p10 | p90 | target | pass | note |",
    "| --- | --- | ---: | ---: | ---: | --- | --- | --- |",
  ];
  // A "|" inside a cell (a shell pipeline in a name) would end the cell.
  const cell = (t: string) => t.replaceAll("|", "\\|");
  for (const r of rows) {
    const pass = r.pass === undefined ? "" : r.pass ? "yes" : "**no**";
    lines.push(
      `| ${cell(r.group)} | ${cell(r.name)} | ${fmt(r.value)} ${r.unit} | ${
        r.stats ? fmt(r.stats.p10) : ""
      } | ${r.stats ? fmt(r.stats.p90) : ""} | ${cell(r.target ?? "")} | ${pass} | ${
        cell(r.note ?? "")
      } |`,
    );
  }
  return lines.join("\n");
}
