/**
 * Differential test: the same fixtures under Berth's WASI executor (in a kernel process)
 * and under Deno's `node:wasi` give the same output and exit code.
 */
import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { WASI } from "node:wasi";
import { wasiKernel } from "./_test_kernel.ts";

const fixtures = new URL("../../tests/fixtures/wasi/", import.meta.url);

/** Fixture runs compared; fileops is left out: node:wasi unlinks a symlink's target. */
const CASES: string[][] = [
  ["hello"],
  ["args", "one", "two words", ""],
  ["exitcode", "7"],
  ["exitcode"],
  ["sha256", "1"],
  ["crc32", "1"],
  ["qsort", "20000"],
  ["interp", "100000"],
  ["fib", "24"],
  ["bigout", "200"],
  ["sleeper", "5"],
];

async function underNodeWasi(name: string, args: string[], env: Record<string, string>) {
  const dir = mkdtempSync(`${tmpdir()}/berth-nodewasi-`);
  const outPath = `${dir}/out`;
  const out = openSync(outPath, "w");
  try {
    const wasi = new WASI({
      version: "preview1",
      args: [`/bin/${name}.wasm`, ...args],
      env,
      stdout: out,
      returnOnExit: true,
    });
    const module = await WebAssembly.compile(
      await Deno.readFile(new URL(`${name}.wasm`, fixtures)),
    );
    const instance = await WebAssembly.instantiate(
      module,
      wasi.getImportObject() as WebAssembly.Imports,
    );
    const code = wasi.start(instance);
    closeSync(out);
    return { code, stdout: readFileSync(outPath, "utf8") };
  } finally {
    rmSync(dir, { recursive: true });
  }
}

Deno.test("fixtures give the same output and exit code under Berth and node:wasi", async () => {
  const names = [...new Set(CASES.map((c) => c[0]!))];
  const wk = await wasiKernel(names);
  try {
    for (const [name, ...args] of CASES) {
      const berth = await wk.run([`/bin/${name}.wasm`, ...args], { env: ["A=1", "B=two"] });
      const node = await underNodeWasi(name!, args, { A: "1", B: "two" });
      assert.equal(berth.stdout, node.stdout, `${name} ${args.join(" ")}: stdout`);
      assert.equal(berth.code, node.code, `${name} ${args.join(" ")}: exit code`);
    }
  } finally {
    await wk.shutdown();
  }
});
