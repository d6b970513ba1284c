/**
 * `deno task bench`: runs every benchmark module under tests/bench/ (files named
 * `*_bench.ts` exporting `benchmarks`) and prints one table of results with ratios and
 * pass/fail against the issues' targets.
 *
 * Flags: `--quick` (tiny sizes; only checks that each benchmark still runs),
 * `--json` (print JSON instead of Markdown), `--only <group>[,<group>…]` (a name also
 * selects its subgroups: `--only peers` runs `peers/wasi`, `peers/sh`, …).
 *
 * Each benchmark runs in a process of its own (this script with `--child FILE:INDEX`), so
 * that none measures the heap another one left: the pipe ping-pong read 1.47 µs alone,
 * 1.93 µs after the other file-system benchmarks and 2.14 µs after the whole suite in one
 * process, its garbage collections scanning what the image and overlay benchmarks kept.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type Benchmark, formatTable, type Row } from "./_harness.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    quick: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    only: { type: "string" },
    child: { type: "string" },
  },
});

/** JSON for rows, keeping NaN and infinities (a failed or skipped row's value is NaN). */
const encodeRows = (rows: Row[]): string =>
  JSON.stringify(
    rows,
    (_k, v) => typeof v === "number" && !Number.isFinite(v) ? { num: String(v) } : v,
  );
const decodeRows = (text: string): Row[] =>
  JSON.parse(text, (_k, v) => v && typeof v === "object" && "num" in v ? Number(v.num) : v);

/** Run one benchmark of one module; its rows, or a "(failed)" row. */
async function runOne(file: string, bench: Benchmark): Promise<Row[]> {
  const tmp = await Deno.makeTempDir({
    prefix: `berth-bench-${bench.group.replaceAll("/", "-")}-`,
  });
  const t0 = performance.now();
  try {
    const got = await bench.run({ quick: values.quick, tmp });
    console.error(
      `bench: ${bench.group} (${file}) done in ${((performance.now() - t0) / 1000).toFixed(1)}s`,
    );
    return got;
  } catch (err) {
    console.error(
      `bench: ${bench.group} (${file}) failed: ${err instanceof Error ? err.stack : err}`,
    );
    return [{ group: bench.group, name: "(failed)", value: NaN, unit: "", note: String(err) }];
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

if (values.child) {
  const [file, index] = values.child.split(":");
  const mod = await import(new URL(file!, new URL(".", import.meta.url)).href) as {
    benchmarks?: Benchmark[];
  };
  const bench = mod.benchmarks?.[Number(index)];
  if (!bench) throw new Error(`no benchmark ${values.child}`);
  console.log(encodeRows(await runOne(file!, bench)));
  Deno.exit(0);
}

/** `--only a,b`: a group matches a name exactly or as a prefix before "/". */
function selected(group: string, only: string): boolean {
  return only.split(",").some((o) => group === o || group.startsWith(`${o}/`));
}

const here = new URL(".", import.meta.url);
const files: string[] = [];
for await (const e of Deno.readDir(here)) {
  if (e.isFile && e.name.endsWith("_bench.ts")) files.push(e.name);
}
files.sort();

const rows: Row[] = [];
let failures = 0;
for (const file of files) {
  const mod = await import(new URL(file, here).href) as { benchmarks?: Benchmark[] };
  for (const [index, bench] of (mod.benchmarks ?? []).entries()) {
    if (values.only && !selected(bench.group, values.only)) continue;
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL(import.meta.url).pathname,
        "--child",
        `${file}:${index}`,
        ...(values.quick ? ["--quick"] : []),
      ],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    const text = new TextDecoder().decode(out.stdout).trim().split("\n").pop() ?? "";
    let got: Row[];
    try {
      got = decodeRows(text);
    } catch {
      got = [{
        group: bench.group,
        name: "(failed)",
        value: NaN,
        unit: "",
        note: `the benchmark's process exited ${out.code} without rows`,
      }];
    }
    if (got.some((r) => r.name === "(failed)")) failures++;
    rows.push(...got);
  }
}

console.log(values.json ? JSON.stringify(rows, null, 2) : formatTable(rows));
console.error(
  `bench: ${Deno.build.os}/${Deno.build.arch}, ${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}`,
);
if (failures > 0) Deno.exit(1);
