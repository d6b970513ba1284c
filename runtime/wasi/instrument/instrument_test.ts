import assert from "node:assert/strict";
import wabtInit from "wabt";
import {
  BERTH_IMPORT_MODULE,
  instrumentModule,
  MEMORY_GROW_IMPORT,
  YIELD_IMPORT,
} from "./instrument.ts";
import { WasmFormatError } from "./_bytes.ts";

const wabt = await wabtInit();

function wat(text: string): Uint8Array<ArrayBuffer> {
  const mod = wabt.parseWat("test.wat", text, { bulk_memory: true, reference_types: true });
  try {
    return new Uint8Array(mod.toBinary({}).buffer);
  } finally {
    mod.destroy();
  }
}

interface Harness {
  exports: WebAssembly.Exports;
  yields: () => number;
  grows: number[];
}

function instantiate(
  bytes: Uint8Array<ArrayBuffer>,
  opts: { fuel?: number; refuseGrow?: boolean } = {},
): Harness {
  let yields = 0;
  const grows: number[] = [];
  const box: { memory?: WebAssembly.Memory } = {};
  const module = new WebAssembly.Module(bytes);
  const instance = new WebAssembly.Instance(module, {
    [BERTH_IMPORT_MODULE]: {
      [YIELD_IMPORT]: () => {
        yields++;
        return opts.fuel ?? 10;
      },
      [MEMORY_GROW_IMPORT]: (pages: number) => {
        grows.push(pages);
        if (opts.refuseGrow) return -1;
        return box.memory!.grow(pages);
      },
    },
    env: { log: () => {} },
  });
  box.memory = instance.exports.memory as WebAssembly.Memory | undefined;
  return { exports: instance.exports, yields: () => yields, grows };
}

const LOOP_MODULE = `(module
  (memory (export "memory") 1)
  (func $sum (export "sum") (param $n i32) (result i32) (local $acc i32)
    (block $done
      (loop $again
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (i32.add (local.get $acc) (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $again)))
    (local.get $acc))
  (func $leaf (export "leaf") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
  (func $fact (export "fact") (param $n i32) (result i32)
    (if (result i32) (i32.le_s (local.get $n) (i32.const 1))
      (then (i32.const 1))
      (else (i32.mul (local.get $n) (call $fact (i32.sub (local.get $n) (i32.const 1)))))))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`;

Deno.test("instrumentModule() keeps results and validates", () => {
  const { bytes, stats } = instrumentModule(wat(LOOP_MODULE));
  assert.ok(WebAssembly.validate(bytes));
  const h = instantiate(bytes);
  const sum = h.exports.sum as (n: number) => number;
  const fact = h.exports.fact as (n: number) => number;
  const leaf = h.exports.leaf as (n: number) => number;
  assert.equal(sum(100), 5050);
  assert.equal(fact(10), 3628800);
  assert.equal(leaf(21), 42);
  assert.equal(stats.loopChecks, 1);
  assert.equal(stats.entryChecks, 1);
  assert.equal(stats.memoryGrows, 1);
  assert.equal(stats.fuelledFunctions, 2);
});

Deno.test("instrumentModule() yields once per fuel at loop heads", () => {
  const { bytes } = instrumentModule(wat(LOOP_MODULE), { initialFuel: 10 });
  const h = instantiate(bytes, { fuel: 10 });
  (h.exports.sum as (n: number) => number)(1000);
  // 1001 loop entries with 10 fuel per refill.
  assert.ok(h.yields() >= 99 && h.yields() <= 101, `yields ${h.yields()}`);
});

Deno.test("instrumentModule() checks entries of recursive functions and keeps fuel across calls", () => {
  const { bytes } = instrumentModule(wat(LOOP_MODULE), { initialFuel: 5 });
  const h = instantiate(bytes, { fuel: 5 });
  (h.exports.fact as (n: number) => number)(50);
  assert.ok(h.yields() >= 9 && h.yields() <= 11, `yields ${h.yields()}`);
});

Deno.test("instrumentModule() syncs fuel back when a loop function returns", () => {
  // A loop function called many times must still run out of fuel: its uses add up.
  const text = `(module
    (func $inner (param $n i32)
      (loop $l (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br_if $l (local.get $n))))
    (func (export "outer") (local $i i32)
      (local.set $i (i32.const 100))
      (loop $l (call $inner (i32.const 10))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br_if $l (local.get $i)))))`;
  for (const fuelMode of ["local", "global", "auto"] as const) {
    const { bytes } = instrumentModule(wat(text), { initialFuel: 100, fuelMode });
    assert.ok(WebAssembly.validate(bytes));
    const h = instantiate(bytes, { fuel: 100 });
    (h.exports.outer as () => void)();
    // 100 outer iterations + 1000 inner ones = 1100 checks.
    assert.ok(h.yields() >= 10 && h.yields() <= 11, `${fuelMode}: yields ${h.yields()}`);
  }
});

Deno.test("instrumentModule() routes memory.grow through the kernel import", () => {
  const { bytes } = instrumentModule(wat(LOOP_MODULE));
  const ok = instantiate(bytes);
  assert.equal((ok.exports.grow as (n: number) => number)(2), 1);
  assert.deepEqual(ok.grows, [2]);
  assert.equal((ok.exports.memory as WebAssembly.Memory).buffer.byteLength, 3 * 65536);
  const refused = instantiate(bytes, { refuseGrow: true });
  assert.equal((refused.exports.grow as (n: number) => number)(2), -1);
  assert.equal((refused.exports.memory as WebAssembly.Memory).buffer.byteLength, 65536);
});

Deno.test("instrumentModule() renumbers calls, tables, ref.func, exports and start", () => {
  const text = `(module
    (import "env" "log" (func $log (param i32)))
    (type $t (func (result i32)))
    (table 2 funcref)
    (elem (i32.const 0) $a $b)
    (global $g (mut i32) (i32.const 0))
    (global $fr funcref (ref.func $a))
    (func $a (result i32) (i32.const 1))
    (func $b (result i32) (i32.const 2))
    (func $start (global.set $g (i32.const 7)))
    (start $start)
    (func (export "g") (result i32) (global.get $g))
    (func (export "viaTable") (param i32) (result i32) (call_indirect (type $t) (local.get 0)))
    (func (export "viaRef") (result i32) (call_ref $t (ref.func $b)))
  )`;
  let src: Uint8Array<ArrayBuffer>;
  try {
    src = wat(text);
  } catch {
    // wabt without function references: drop call_ref
    src = wat(text.replace(/\(func \(export "viaRef"\)[^\n]*\n/, ""));
  }
  const { bytes } = instrumentModule(src);
  assert.ok(WebAssembly.validate(bytes));
  const h = instantiate(bytes);
  assert.equal((h.exports.g as () => number)(), 7);
  const viaTable = h.exports.viaTable as (i: number) => number;
  assert.equal(viaTable(0), 1);
  assert.equal(viaTable(1), 2);
});

Deno.test("instrumentModule() works on a module without imports or globals", () => {
  const { bytes } = instrumentModule(wat(`(module (func (export "f") (loop $l (br $l))))`));
  assert.ok(WebAssembly.validate(bytes));
  const imports = WebAssembly.Module.imports(new WebAssembly.Module(bytes));
  assert.deepEqual(imports.map((i) => i.name), [YIELD_IMPORT, MEMORY_GROW_IMPORT]);
});

Deno.test("instrumentModule() lets a host stop an infinite loop from yield", () => {
  const { bytes } = instrumentModule(wat(`(module (func (export "f") (loop $l (br $l))))`));
  let calls = 0;
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
    berth: {
      yield: () => {
        if (++calls === 3) throw new Error("stop");
        return 1000;
      },
      memory_grow: () => -1,
    },
  });
  assert.throws(() => (instance.exports.f as () => void)(), /stop/);
  assert.equal(calls, 3);
});

Deno.test("instrumentModule() rejects non-wasm and truncated input", () => {
  assert.throws(() => instrumentModule(new TextEncoder().encode("#!/bin/sh\n")), WasmFormatError);
  const good = wat(LOOP_MODULE);
  assert.throws(() => instrumentModule(good.subarray(0, good.length - 5)), WasmFormatError);
});

Deno.test("instrumentModule() instruments every WASI fixture into a valid module", async () => {
  const dir = new URL("../../../tests/fixtures/wasi/", import.meta.url);
  for await (const e of Deno.readDir(dir)) {
    if (!e.name.endsWith(".wasm")) continue;
    const { bytes } = instrumentModule(await Deno.readFile(new URL(e.name, dir)));
    assert.ok(WebAssembly.validate(bytes), e.name);
  }
});

Deno.test("instrumentModule() marks every fuel check unlikely in a branch hint section", () => {
  const { bytes, stats } = instrumentModule(wat(LOOP_MODULE));
  const sections = WebAssembly.Module.customSections(
    new WebAssembly.Module(bytes),
    "metadata.code.branch_hint",
  );
  assert.equal(sections.length, 1);
  const data = new Uint8Array(sections[0]!);
  // two functions (sum, fact), one hint each: [func, 1, offset, 1, 0]
  assert.equal(data[0], 2);
  assert.equal(stats.loopChecks + stats.entryChecks, 2);
});

Deno.test("instrumentModule() skips entry checks when every recursive call follows a loop check", () => {
  const text = `(module
    (func $walk (export "walk") (param $n i32) (result i32) (local $acc i32)
      (block $done
        (loop $l
          (br_if $done (i32.lt_s (local.get $n) (i32.const 2)))
          (local.set $acc (i32.add (local.get $acc) (call $walk (i32.sub (local.get $n) (i32.const 1)))))
          (local.set $n (i32.sub (local.get $n) (i32.const 2)))
          (br $l)))
      (i32.add (local.get $acc) (local.get $n))))`;
  const original = new WebAssembly.Instance(new WebAssembly.Module(wat(text)));
  const expected = (original.exports.walk as (n: number) => number)(20);
  const { bytes, stats } = instrumentModule(wat(text), { initialFuel: 50 });
  assert.equal(stats.entryChecks, 0);
  assert.equal(stats.loopChecks, 1);
  const h = instantiate(bytes, { fuel: 50 });
  assert.equal((h.exports.walk as (n: number) => number)(20), expected);
  assert.ok(h.yields() > 100, `yields ${h.yields()}`);
});

Deno.test("instrumentModule() walks SIMD, bulk memory, sign extension and saturating ops", () => {
  const text = `(module
    (memory (export "memory") 1)
    (data $d "abcdefgh")
    (func (export "f") (param $n i32) (result i32) (local $v v128)
      (memory.init $d (i32.const 0) (i32.const 0) (i32.const 8))
      (memory.copy (i32.const 16) (i32.const 0) (i32.const 8))
      (memory.fill (i32.const 32) (i32.const 7) (i32.const 4))
      (loop $l
        (local.set $v (i32x4.add (v128.load offset=0 (i32.const 0)) (v128.const i32x4 1 2 3 4)))
        (v128.store (i32.const 48) (local.get $v))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br_if $l (local.get $n)))
      (i32.add
        (i32.extend8_s (i32x4.extract_lane 1 (local.get $v)))
        (i32.trunc_sat_f32_s (f32.const 2.5)))))`;
  const mod = wabt.parseWat("simd.wat", text, {
    simd: true,
    bulk_memory: true,
    sat_float_to_int: true,
    sign_extension: true,
  });
  const bytes = new Uint8Array(mod.toBinary({}).buffer);
  mod.destroy();
  const original = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  const { bytes: out, stats } = instrumentModule(bytes);
  assert.ok(WebAssembly.validate(out));
  assert.equal(stats.loopChecks, 1);
  const h = instantiate(out);
  assert.equal(
    (h.exports.f as (n: number) => number)(3),
    (original.exports.f as (n: number) => number)(3),
  );
});

Deno.test("instrumentModule() walks exception handling (try/catch/throw, delegate)", () => {
  const text = `(module
    (tag $e (param i32))
    (func $thrower (param i32) (throw $e (local.get 0)))
    (func (export "f") (param $n i32) (result i32) (local $acc i32)
      (loop $l
        (try
          (do (call $thrower (local.get $n)))
          (catch $e (local.set $acc (i32.add (local.get $acc)))))
        (try (do (try (do (nop)) (delegate 0))) (catch_all))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br_if $l (local.get $n)))
      (local.get $acc)))`;
  let mod;
  try {
    mod = wabt.parseWat("eh.wat", text, { exceptions: true });
  } catch {
    return; // this wabt build cannot parse exception handling
  }
  const bytes = new Uint8Array(mod.toBinary({}).buffer);
  mod.destroy();
  const original = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  const { bytes: out, stats } = instrumentModule(bytes);
  assert.ok(WebAssembly.validate(out));
  assert.equal(stats.loopChecks, 1);
  const h = instantiate(out);
  assert.equal(
    (h.exports.f as (n: number) => number)(10),
    (original.exports.f as (n: number) => number)(10),
  );
});
