import assert from "node:assert/strict";
import { runWasi, testProcess } from "./_test_wasi.ts";
import { promising } from "./_jspi.ts";
import {
  createWasiImports,
  SUSPENDING_IMPORTS,
  WASI_PREVIEW1_FUNCTIONS,
  writeNs,
} from "./wasi_preview1.ts";
import { fc } from "../../tests/_property.ts";
import { toWasiErrno, WasiErrno } from "./wasi_errno.ts";
import { Errno } from "../kernel/errno.ts";

const fixtures = new URL("../../tests/fixtures/wasi/", import.meta.url);
const fixture = (name: string) => Deno.readFileSync(new URL(`${name}.wasm`, fixtures));

Deno.test("createWasiImports() provides every wasi_snapshot_preview1 function", () => {
  const { imports } = createWasiImports({
    sys: testProcess().sys,
    argv: [],
    env: [],
    resumed: () => {},
  });
  assert.equal(WASI_PREVIEW1_FUNCTIONS.length, 46);
  for (const name of WASI_PREVIEW1_FUNCTIONS) assert.ok(name in imports, name);
  for (const name of SUSPENDING_IMPORTS) assert.ok(WASI_PREVIEW1_FUNCTIONS.includes(name), name);
});

Deno.test("toWasiErrno() translates Linux numbers to WASI's", () => {
  assert.equal(toWasiErrno(Errno.ENOENT), WasiErrno.NOENT);
  assert.equal(toWasiErrno(Errno.EBADF), WasiErrno.BADF);
  assert.equal(toWasiErrno(Errno.EEXIST), WasiErrno.EXIST);
  assert.equal(toWasiErrno(Errno.EAGAIN), WasiErrno.AGAIN);
  assert.equal(toWasiErrno(Errno.ENOTEMPTY), WasiErrno.NOTEMPTY);
  assert.equal(toWasiErrno(Errno.EOPNOTSUPP), WasiErrno.NOTSUP);
  assert.equal(toWasiErrno(Errno.ELOOP), WasiErrno.LOOP);
  for (const v of Object.values(Errno)) {
    if (typeof v === "number") assert.ok(toWasiErrno(v) > 0, `Errno ${v}`);
  }
});

Deno.test("hello.wasm prints through fd_write", async () => {
  const r = await runWasi(fixture("hello"), ["hello"]);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, "hello from wasi\n");
});

Deno.test("args.wasm sees argv and the environment", async () => {
  const r = await runWasi(fixture("args"), ["args", "one", "two words"], testProcess(), [
    "A=1",
    "PATH=/bin",
  ]);
  assert.equal(r.code, 0);
  assert.equal(
    r.stdout,
    "argc=3\nargv[0]=args\nargv[1]=one\nargv[2]=two words\nenv:A=1\nenv:PATH=/bin\n",
  );
});

Deno.test("fileops.wasm creates, renames, lists, links and removes files", async () => {
  const proc = testProcess();
  const r = await runWasi(fixture("fileops"), ["fileops", "/"], proc);
  assert.equal(r.stdout.split("\n").filter((l) => l.startsWith("FAIL")).join("\n"), "");
  assert.match(r.stdout, /entries: b\.txt c\.txt link\n/);
  assert.match(r.stdout, /done\n$/);
  assert.equal(r.code, 0);
});

Deno.test("upper.wasm filters stdin to stdout", async () => {
  const r = await runWasi(fixture("upper"), ["upper"], testProcess("hello, World\n".repeat(5000)));
  assert.equal(r.code, 0);
  assert.equal(r.stdout, "HELLO, WORLD\n".repeat(5000));
});

Deno.test("exitcode.wasm exits through proc_exit", async () => {
  assert.equal((await runWasi(fixture("exitcode"), ["exitcode", "42"])).code, 42);
  assert.equal((await runWasi(fixture("exitcode"), ["exitcode"])).code, 3);
});

Deno.test("sleeper.wasm sleeps through poll_oneoff without blocking the event loop", async () => {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  const t0 = performance.now();
  const r = await runWasi(fixture("sleeper"), ["sleeper", "60"]);
  const elapsed = performance.now() - t0;
  clearInterval(timer);
  assert.equal(r.stdout, "slept\n");
  assert.ok(elapsed >= 55, `elapsed ${elapsed}`);
  assert.ok(ticks >= 2, `ticks ${ticks}`);
});

Deno.test("bigout.wasm writes 1 MiB exactly", async () => {
  const r = await runWasi(fixture("bigout"), ["bigout", "1024"]);
  assert.equal(r.code, 0);
  assert.equal(r.stdout.length, 1024 * 1024);
});

Deno.test("spinner.wasm reaches yield points while it spins", async () => {
  const r = await runWasi(fixture("spinner"), ["spinner", "50"]);
  assert.match(r.stdout, /^iterations \d+\n$/);
  assert.ok(r.yields > 0);
});

Deno.test("path escapes through .. and absolute symlinks stay inside the root", async () => {
  const proc = testProcess();
  proc.sys.mkdirat(-100, "/jail", 0o755);
  proc.writeFile("/jail/inside", "in\n");
  const r = await runWasi(fixture("fileops"), ["fileops", "/jail/../../../.."], proc);
  assert.equal(r.code, 0, r.stdout);
});

Deno.test("writeNs() writes sec * 1e9 + nsec exactly as a u64", () => {
  const dv = new DataView(new ArrayBuffer(8));
  fc.assert(
    fc.property(fc.nat({ max: 0xffffffff }), fc.nat({ max: 999_999_999 }), (sec, nsec) => {
      writeNs(dv, 0, sec, nsec);
      return dv.getBigUint64(0, true) === BigInt(sec) * 1_000_000_000n + BigInt(nsec);
    }),
  );
});

Deno.test("clock_time_get writes into memory that grew since the last call", async () => {
  const wabt = await (await import("wabt")).default();
  const mod = wabt.parseWat(
    "grow.wat",
    `(module
      (import "wasi_snapshot_preview1" "clock_time_get" (func $t (param i32 i64 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "run") (result i64)
        (drop (call $t (i32.const 1) (i64.const 1) (i32.const 8)))
        (drop (memory.grow (i32.const 1)))
        (drop (call $t (i32.const 1) (i64.const 1) (i32.const 65544)))
        (i64.load (i32.const 65544))))`,
  );
  const bytes = new Uint8Array(mod.toBinary({}).buffer);
  mod.destroy();
  const wasi = createWasiImports({ sys: testProcess().sys, argv: [], env: [], resumed: () => {} });
  const { instance } = await WebAssembly.instantiate(bytes, {
    wasi_snapshot_preview1: wasi.imports,
  } as WebAssembly.Imports);
  wasi.memory.attach(instance.exports.memory as WebAssembly.Memory);
  const ns = (instance.exports.run as () => bigint)();
  assert.ok(ns > 0n, `${ns}`);
});

Deno.test("poll_oneoff reports fd readiness and clocks, and blocks only the green thread", async () => {
  const wabt = await (await import("wabt")).default();
  const mod = wabt.parseWat(
    "poll.wat",
    `(module
      (import "wasi_snapshot_preview1" "poll_oneoff" (func $p (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "poll") (param $n i32) (result i32)
        (call $p (i32.const 0) (i32.const 1024) (local.get $n) (i32.const 2048))))`,
  );
  const bytes = new Uint8Array(mod.toBinary({}).buffer);
  mod.destroy();
  const proc = testProcess();
  const [r, w] = proc.sys.pipe2(0) as [number, number];
  const wasi = createWasiImports({ sys: proc.sys, argv: [], env: [], resumed: () => {} });
  const { instance } = await WebAssembly.instantiate(bytes, {
    wasi_snapshot_preview1: wasi.imports,
  } as WebAssembly.Imports);
  const memory = instance.exports.memory as WebAssembly.Memory;
  wasi.memory.attach(memory);
  const dv = new DataView(memory.buffer);
  // Subscription 0: fd_read on the pipe (userdata 1); 1: relative clock (userdata 2).
  const subscribe = (clockMs: number) => {
    new Uint8Array(memory.buffer).fill(0, 0, 96);
    dv.setBigUint64(0, 1n, true);
    dv.setUint8(8, 1);
    dv.setUint32(16, r, true);
    dv.setBigUint64(48, 2n, true);
    dv.setUint8(56, 0);
    dv.setUint32(64, 1, true); // monotonic
    dv.setBigUint64(72, BigInt(clockMs) * 1_000_000n, true);
  };
  const poll = promising(instance.exports.poll as (n: number) => number) as (
    n: number,
  ) => Promise<number>;
  const events = () => {
    const n = dv.getUint32(2048, true);
    return Array.from({ length: n }, (_, i) => ({
      userdata: dv.getBigUint64(1024 + i * 32, true),
      error: dv.getUint16(1024 + i * 32 + 8, true),
      type: dv.getUint8(1024 + i * 32 + 10),
    }));
  };

  // Data already there: the fd event, at once.
  await proc.sys.write(w, new TextEncoder().encode("hello"));
  subscribe(1000);
  assert.equal(await poll(2), 0);
  assert.deepEqual(events(), [{ userdata: 1n, error: 0, type: 1 }]);
  await proc.sys.read(r, new Uint8Array(16));

  // Nothing to read: the clock fires.
  subscribe(30);
  let t0 = performance.now();
  assert.equal(await poll(2), 0);
  assert.ok(performance.now() - t0 >= 25);
  assert.deepEqual(events(), [{ userdata: 2n, error: 0, type: 0 }]);

  // Data arrives while the thread is suspended: the event loop ran the writer.
  subscribe(2000);
  t0 = performance.now();
  setTimeout(() => proc.sys.write(w, new TextEncoder().encode("late")), 20);
  assert.equal(await poll(2), 0);
  assert.ok(performance.now() - t0 < 1900); // woken by the data, not the 2 s clock
  assert.deepEqual(events(), [{ userdata: 1n, error: 0, type: 1 }]);
});

Deno.test("hostile pointers and strings get FAULT and ILSEQ, never an exception", async () => {
  const wabt = await (await import("wabt")).default();
  const mod = wabt.parseWat(
    "hostile.wat",
    `(module
      (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "path_open"
        (func $o (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "args_get" (func $a (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $pn (param i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (data (i32.const 100) "\\ff\\fe")
      (func (export "writeOob") (result i32) (call $w (i32.const 1) (i32.const 0xfffffff0) (i32.const 1) (i32.const 0)))
      (func (export "writeBadIov") (result i32)
        (i32.store (i32.const 0) (i32.const 65530)) (i32.store (i32.const 4) (i32.const 100))
        (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (func (export "openBadUtf8") (param $dir i32) (result i32)
        (call $o (local.get $dir) (i32.const 1) (i32.const 100) (i32.const 2) (i32.const 0)
          (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 16)))
      (func (export "argsOob") (result i32) (call $a (i32.const 65534) (i32.const 0)))
      (func (export "nameOob") (param $fd i32) (result i32) (call $pn (local.get $fd) (i32.const 65536) (i32.const 10))))`,
  );
  const bytes = new Uint8Array(mod.toBinary({}).buffer);
  mod.destroy();
  const proc = testProcess();
  const wasi = createWasiImports({ sys: proc.sys, argv: ["a", "b"], env: [], resumed: () => {} });
  const { instance } = await WebAssembly.instantiate(bytes, {
    wasi_snapshot_preview1: wasi.imports,
  } as WebAssembly.Imports);
  wasi.memory.attach(instance.exports.memory as WebAssembly.Memory);
  const root = proc.sys.openat(-100, "/", 0o200000, 0) as number;
  wasi.preopens.set(root, "/");
  const call = (name: string, ...args: number[]) =>
    promising(instance.exports[name] as (...a: number[]) => number)(...args) as Promise<number>;
  assert.equal(await call("writeOob"), WasiErrno.FAULT);
  assert.equal(await call("writeBadIov"), WasiErrno.FAULT);
  assert.equal(await call("openBadUtf8", root), WasiErrno.ILSEQ);
  assert.equal(await call("argsOob"), WasiErrno.FAULT);
  assert.equal(await call("nameOob", root), WasiErrno.FAULT);
});
