/**
 * Helpers shared by the peer benchmarks (`tests/bench/peers_bench.ts`): timing host
 * commands, compiling the C sources of this directory natively (gcc/cc -O2) and for
 * wasm32-wasi (clang) into a benchmark's temp dir, and building ratio and skipped rows.
 * Binaries are built at bench time only; none is committed.
 *
 * @module
 */
import { type Row, type Stats, summarize, which } from "../_harness.ts";
import { repoRoot } from "../../_paths.ts";

/** Directory of the C sources compiled at bench time. */
export const peersDir: string = `${repoRoot}/tests/bench/_peers`;

/** Directory of the WASI C fixtures (sources and committed .wasm). */
export const wasiFixtures: string = `${repoRoot}/tests/fixtures/wasi`;

/** The Berth CLI entry. */
export const cliEntry: string = `${repoRoot}/cli/main.ts`;

/**
 * Run a host command to its end and return its wall time in milliseconds.
 *
 * @param cmd Program (path or name).
 * @param args Arguments.
 * @param opts Environment, working directory, and whether to keep stdout.
 * @returns Milliseconds and the captured stdout (empty unless `stdout` is true).
 * @throws Error with the program's stderr when it exits non-zero.
 * @example
 * ```ts ignore
 * const { ms } = await timeCommand("true", []);
 * ```
 */
export async function timeCommand(
  cmd: string,
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string; stdout?: boolean } = {},
): Promise<{ ms: number; out: string }> {
  const t0 = performance.now();
  const res = await new Deno.Command(cmd, {
    args,
    env: opts.env,
    cwd: opts.cwd,
    stdin: "null",
    stdout: opts.stdout ? "piped" : "null",
    stderr: "piped",
  }).output();
  const ms = performance.now() - t0;
  if (res.code !== 0) {
    const err = new TextDecoder().decode(res.stderr).trim().split("\n").slice(-2).join(" / ");
    throw new Error(`${cmd} ${args.join(" ")} exited ${res.code}: ${err.slice(0, 200)}`);
  }
  return { ms, out: opts.stdout ? new TextDecoder().decode(res.stdout) : "" };
}

/**
 * Run `fn` `n` times in sequence and summarise the numbers it returns.
 *
 * @param n Number of samples.
 * @param fn One sample (gets its index).
 * @returns Statistics of the samples.
 * @example
 * ```ts ignore
 * const st = await series(5, async () => (await timeCommand("true", [])).ms);
 * ```
 */
export async function series(n: number, fn: (i: number) => Promise<number>): Promise<Stats> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await fn(i));
  return summarize(out);
}

/**
 * Compile a C source natively with -O2 (gcc, else cc, else clang).
 *
 * @param src Path of the `.c` file.
 * @param outDir Where the binary goes (a benchmark's temp dir).
 * @returns The binary's path, or an error text when no compiler works.
 * @example
 * ```ts ignore
 * const bin = await compileNative(`${peersDir}/getpid.c`, ctx.tmp);
 * ```
 */
export async function compileNative(src: string, outDir: string): Promise<string | Error> {
  const name = src.slice(src.lastIndexOf("/") + 1).replace(/\.c$/, "");
  const out = `${outDir}/${name}`;
  for (const cc of ["gcc", "cc", "clang"]) {
    if (!(await which(cc))) continue;
    const res = await new Deno.Command(cc, { args: ["-O2", "-o", out, src], stderr: "piped" })
      .output();
    if (res.success) return out;
  }
  return new Error(`no working C compiler (gcc/cc/clang) for ${name}.c`);
}

/**
 * Compile a C source for wasm32-wasi with clang -O2 (as the fixtures are built).
 *
 * @param src Path of the `.c` file.
 * @param outDir Where the module goes.
 * @returns The module's bytes, or an error text when clang or wasi-libc is missing.
 * @example
 * ```ts ignore
 * const wasm = await compileWasm(`${peersDir}/clockloop.c`, ctx.tmp);
 * ```
 */
export async function compileWasm(
  src: string,
  outDir: string,
): Promise<Uint8Array<ArrayBuffer> | Error> {
  const name = src.slice(src.lastIndexOf("/") + 1).replace(/\.c$/, "");
  const out = `${outDir}/${name}.wasm`;
  if (!(await which("clang"))) return new Error("clang not installed");
  const res = await new Deno.Command("clang", {
    args: ["--target=wasm32-wasi", "-O2", "-Wl,--strip-all", "-o", out, src],
    stderr: "piped",
  }).output();
  if (!res.success) {
    return new Error(
      `clang --target=wasm32-wasi failed (wasi-libc missing?): ${
        new TextDecoder().decode(res.stderr).split("\n")[0]
      }`,
    );
  }
  return await Deno.readFile(out);
}

/**
 * A row for a time series in milliseconds.
 *
 * @param group Group name.
 * @param name What was measured.
 * @param st Statistics in ms.
 * @param note Optional note.
 * @returns The row.
 * @example
 * ```ts ignore
 * rows.push(msRow("peers/containers", "runc run busybox true", st));
 * ```
 */
export function msRow(group: string, name: string, st: Stats, note?: string): Row {
  return { group, name, value: st.median, unit: "ms", stats: st, note };
}

/**
 * A ratio row `a / b` with an optional "≤ limit×" (lower is better) or "≥ limit×"
 * (higher is better) target. In quick mode the target is shown but not judged.
 *
 * @param group Group name.
 * @param name What is compared.
 * @param a Numerator (Berth).
 * @param b Denominator (the peer, same run).
 * @param opts Target limit and direction, quick mode, note.
 * @returns The row (value NaN when either side is missing).
 * @example
 * ```ts ignore
 * rows.push(ratioRow(G, "berth run / runc run", berth, runc, { max: 1 }));
 * ```
 */
export function ratioRow(
  group: string,
  name: string,
  a: number,
  b: number,
  opts: { max?: number; min?: number; quick?: boolean; note?: string } = {},
): Row {
  const value = a / b;
  const target = opts.max !== undefined
    ? `≤ ${opts.max}×`
    : opts.min !== undefined
    ? `≥ ${opts.min}×`
    : undefined;
  let pass: boolean | undefined;
  if (target && !opts.quick && Number.isFinite(value)) {
    pass = opts.max !== undefined ? value <= opts.max : value >= (opts.min ?? 0);
  }
  let note = opts.note;
  if (pass === false) {
    const by = opts.max !== undefined
      ? `${pct((value / opts.max - 1) * 100)}% over the target`
      : `${pct((1 - value / (opts.min ?? 1)) * 100)}% under the target`;
    note = note ? `${note}; ${by}` : by;
  }
  return { group, name, value, unit: "×", target, pass, note };
}

/** A percentage with one decimal below 10 (so a narrow miss does not read "0%"). */
const pct = (p: number) => (p < 10 ? p.toFixed(1) : p.toFixed(0));

/**
 * A row for a peer that could not be measured: value NaN and the reason.
 *
 * @param group Group name.
 * @param name What would have been measured.
 * @param unit Unit it would have had.
 * @param reason Why it was skipped.
 * @returns The row.
 * @example
 * ```ts ignore
 * rows.push(skipRow(G, "skopeo copy", "MB/s", "skopeo not installed"));
 * ```
 */
export function skipRow(group: string, name: string, unit: string, reason: string): Row {
  return { group, name, value: NaN, unit, note: `skipped: ${reason}` };
}

/**
 * The first line of an error's message, shortened (for skip notes).
 *
 * @param err Anything thrown.
 * @returns Up to 120 characters.
 * @example
 * ```ts
 * import { short } from "./common.ts";
 * console.assert(short(new Error("a\nb")) === "a");
 * ```
 */
export function short(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return (msg.split("\n")[0] ?? "").slice(0, 120).replaceAll("|", "/");
}
