/**
 * `deno task bench`: runs every benchmark module under tests/bench/ (files named
 * `*_bench.ts` exporting `benchmarks`) and prints one table of results with ratios and
 * pass/fail against the issues' targets.
 *
 * Flags: `--quick` (tiny sizes; only checks that each benchmark still runs),
 * `--json` (print JSON instead of Markdown), `--only <group>[,<group>…]` (a name also
 * selects its subgroups: `--only peers` runs `peers/wasi`, `peers/sh`, …).
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
  },
});

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
  for (const bench of mod.benchmarks ?? []) {
    if (values.only && !selected(bench.group, values.only)) continue;
    const tmp = await Deno.makeTempDir({
      prefix: `berth-bench-${bench.group.replaceAll("/", "-")}-`,
    });
    const t0 = performance.now();
    try {
      const got = await bench.run({ quick: values.quick, tmp });
      rows.push(...got);
      console.error(
        `bench: ${bench.group} (${file}) done in ${((performance.now() - t0) / 1000).toFixed(1)}s`,
      );
    } catch (err) {
      failures++;
      console.error(
        `bench: ${bench.group} (${file}) failed: ${err instanceof Error ? err.stack : err}`,
      );
      rows.push({ group: bench.group, name: "(failed)", value: NaN, unit: "", note: String(err) });
    } finally {
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
    }
  }
}

console.log(values.json ? JSON.stringify(rows, null, 2) : formatTable(rows));
console.error(
  `bench: ${Deno.build.os}/${Deno.build.arch}, ${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}`,
);
if (failures > 0) Deno.exit(1);
