import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { ModuleCache } from "./module_cache.ts";
import { BERTH_IMPORT_MODULE, INSTRUMENTER_VERSION } from "./instrument/instrument.ts";

const hello = Deno.readFileSync(new URL("../../tests/fixtures/wasi/hello.wasm", import.meta.url));
const upper = Deno.readFileSync(new URL("../../tests/fixtures/wasi/upper.wasm", import.meta.url));

Deno.test("ModuleCache.load() instruments once and then hits memory", async () => {
  const cache = new ModuleCache();
  const a = await cache.load(hello);
  const b = await cache.load(hello);
  assert.equal(a, b);
  assert.equal(cache.stats.instrumented, 1);
  assert.equal(cache.stats.memoryHits, 1);
  assert.ok(WebAssembly.Module.imports(a).some((i) => i.module === BERTH_IMPORT_MODULE));
  assert.equal(cache.peek(hello), a);
  assert.equal(cache.peek(upper), undefined);
  const initial = cache.initialMemory(a)!;
  assert.ok(initial >= 65536 && initial % 65536 === 0, `${initial}`);
  const { instance } = { instance: new WebAssembly.Instance(a, stubImports(a)) };
  assert.equal((instance.exports.memory as WebAssembly.Memory).buffer.byteLength, initial);
});

Deno.test("ModuleCache keeps instrumented bytes on disk across instances", async () => {
  const dir = mkdtempSync(`${tmpdir()}/berth-wasi-cache-`);
  try {
    const first = new ModuleCache({ cacheDir: dir });
    await first.load(hello);
    assert.equal(first.stats.instrumented, 1);
    const files = readdirSync(`${dir}/v${INSTRUMENTER_VERSION}`);
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^[0-9a-f]{64}\.wasm$/);
    const second = new ModuleCache({ cacheDir: dir });
    await second.load(hello);
    assert.equal(second.stats.instrumented, 0);
    assert.equal(second.stats.diskHits, 1);
  } finally {
    rmSync(dir, { recursive: true });
    assert.ok(!existsSync(dir));
  }
});

Deno.test("ModuleCache evicts the least recently used module", async () => {
  const cache = new ModuleCache({ maxModules: 1 });
  await cache.load(hello);
  await cache.load(upper);
  assert.equal(cache.peek(hello), undefined);
  assert.ok(cache.peek(upper));
});

Deno.test("ModuleCache.load() shares one compilation between concurrent loads", async () => {
  const cache = new ModuleCache();
  const [a, b] = await Promise.all([cache.load(upper), cache.load(upper)]);
  assert.equal(a, b);
  assert.equal(cache.stats.instrumented, 1);
});

Deno.test("ModuleCache.load() rejects bytes that are not wasm", async () => {
  const cache = new ModuleCache();
  await assert.rejects(() => cache.load(new TextEncoder().encode("#!/bin/sh\necho hi\n")));
});

/** Imports that satisfy any module (functions returning 0). */
function stubImports(module: WebAssembly.Module): WebAssembly.Imports {
  const out: Record<string, Record<string, () => number>> = {};
  for (const i of WebAssembly.Module.imports(module)) (out[i.module] ??= {})[i.name] = () => 0;
  return out;
}
