/**
 * Exec admission of WASI modules through the real kernel: a module that cannot start
 * fails `spawn`/`execve` with the errno Linux's loaders would give, the program calling
 * them goes on, and admission's compile is the one the start uses.
 */
import assert from "node:assert/strict";
import { Errno } from "../kernel/errno.ts";
import type { BuiltinMain } from "../kernel/executor.ts";
import { SpawnError } from "../kernel/kernel.ts";
import { applets } from "../userland/mod.ts";
import { wasiKernel } from "./_test_kernel.ts";

async function wasm(text: string): Promise<Uint8Array> {
  const wabt = await (await import("wabt")).default();
  const mod = wabt.parseWat("m.wat", text);
  const bytes = new Uint8Array(mod.toBinary({}).buffer);
  mod.destroy();
  return bytes;
}

const files = async (): Promise<Record<string, Uint8Array>> => ({
  "/bin/foreign.wasm": await wasm(
    `(module (import "env" "foo" (func)) (memory (export "memory") 1)
       (func (export "_start") (call 0)))`,
  ),
  "/bin/memimport.wasm": await wasm(
    `(module (import "wasi_snapshot_preview1" "memory" (memory 1)) (func (export "_start")))`,
  ),
  "/bin/nosuchcall.wasm": await wasm(
    `(module (import "wasi_snapshot_preview1" "fd_teleport" (func)) (memory (export "memory") 1)
       (func (export "_start")))`,
  ),
  "/bin/nostart.wasm": await wasm(`(module (memory (export "memory") 1) (func (export "main")))`),
  "/bin/startglobal.wasm": await wasm(
    `(module (memory (export "memory") 1) (global (export "_start") i32 (i32.const 0)))`,
  ),
  // 2 MiB of initial memory.
  "/bin/big.wasm": await wasm(`(module (memory (export "memory") 32) (func (export "_start")))`),
  "/bin/truncated.wasm": Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0xff),
});

const enc = new TextEncoder();

Deno.test("a module that cannot link or has no _start is refused with ENOEXEC and the reason", async () => {
  const wk = await wasiKernel([], {}, await files());
  try {
    for (
      const [name, reason] of [
        ["foreign", /unknown import "env"\."foo" \(function\): only wasi_snapshot_preview1/],
        ["memimport", /unknown import "wasi_snapshot_preview1"\."memory" \(memory\)/],
        ["nosuchcall", /unknown import "wasi_snapshot_preview1"\."fd_teleport"/],
        ["nostart", /no _start function export/],
        ["startglobal", /no _start function export/],
        ["truncated", /unexpected end/],
      ] as const
    ) {
      await assert.rejects(() => wk.run([`/bin/${name}.wasm`]), (e: unknown) => {
        assert.ok(e instanceof SpawnError, String(e));
        assert.equal(e.errno, Errno.ENOEXEC, `${name}: ${e.message}`);
        assert.match(e.detail ?? "", reason, name);
        return true;
      });
    }
    assert.equal(wk.executor.liveInstances, 0);
  } finally {
    await wk.shutdown();
  }
});

Deno.test("spawn from a process returns ENOEXEC/ENOMEM to it; execve keeps its old image on failure", async () => {
  const wk = await wasiKernel(["hello"], {}, await files());
  try {
    const g = wk.kernel.cgroups.create("/small", { memoryMax: 1024 * 1024 });
    assert.ok(typeof g !== "number");
    const main: BuiltinMain = async (sys) => {
      const say = (t: string) => sys.write(1, enc.encode(t + "\n"));
      const env = sys.environ();
      await say(`foreign ${await sys.spawn({ path: "/bin/foreign.wasm", argv: ["f"], env })}`);
      await say(`big ${await sys.spawn({ path: "/bin/big.wasm", argv: ["b"], env })}`);
      await say(`reaped ${await sys.wait4(-1, 0)}`);
      await say(`execve ${await sys.execve("/bin/nostart.wasm", ["n"], env)}`);
      await say("exec hello");
      await sys.execve("/bin/hello.wasm", ["hello"], env);
      return 99; // not reached: hello.wasm replaced this program
    };
    const h = await wk.kernel.spawn({
      argv: ["main"],
      program: main,
      fs: wk.fs.fork(),
      cgroup: "/small",
    });
    const out = new Response(h.stdout).text();
    const st = await h.wait();
    assert.equal(
      await out,
      `foreign ${Errno.ENOEXEC}\nbig ${Errno.ENOMEM}\nreaped ${Errno.ECHILD}\n` +
        `execve ${Errno.ENOEXEC}\nexec hello\nhello from wasi\n`,
    );
    assert.equal(st.exitCode, 0);
    // The refused 2 MiB were never charged: only a trial charge, refused.
    assert.ok(g.memoryPeak < 1024 * 1024, `peak ${g.memoryPeak}`);
  } finally {
    await wk.shutdown();
  }
});

Deno.test("admission compiles the module before spawn returns; the start and later starts reuse it", async () => {
  const wk = await wasiKernel(["hello"]);
  try {
    const h = await wk.kernel.spawn({ argv: ["/bin/hello.wasm"], fs: wk.fs.fork() });
    // spawn returned: admission has instrumented and compiled the module.
    assert.equal(wk.executor.cache.stats.instrumented, 1);
    const out = new Response(h.stdout).text();
    assert.equal((await h.wait()).exitCode, 0);
    assert.equal(await out, "hello from wasi\n");
    const runs = await Promise.all([1, 2, 3].map(() => wk.run(["/bin/hello.wasm"])));
    for (const r of runs) assert.equal(r.stdout, "hello from wasi\n");
    assert.equal(wk.executor.cache.stats.instrumented, 1);
    assert.ok(wk.executor.cache.stats.memoryHits >= 3, JSON.stringify(wk.executor.cache.stats));
  } finally {
    await wk.shutdown();
  }
});

Deno.test("concurrent first starts of one module instrument and compile it once", async () => {
  const wk = await wasiKernel(["hello"]);
  try {
    const runs = await Promise.all([1, 2, 3].map(() => wk.run(["/bin/hello.wasm"])));
    for (const r of runs) assert.equal(r.stdout, "hello from wasi\n");
    assert.equal(wk.executor.cache.stats.instrumented, 1);
  } finally {
    await wk.shutdown();
  }
});

Deno.test("sh: a missing program is 'not found' (127), a non-executable one 'Permission denied' (126)", async () => {
  const wk = await wasiKernel(["hello"], {}, await files(), applets);
  try {
    const r = await wk.run([
      "sh",
      "-c",
      "./nope; echo st=$?; cp /bin/hello.wasm /tmp/h.wasm; chmod 644 /tmp/h.wasm; /tmp/h.wasm; " +
      "echo st=$?; hello.wasm; echo st=$?",
    ], { cwd: "/tmp" });
    assert.equal(r.stdout, "st=127\nst=126\nhello from wasi\nst=0\n", r.stderr);
    assert.match(
      r.stderr,
      /^sh: 1: \.\/nope: not found\nsh: 1: \/tmp\/h\.wasm: Permission denied\n$/,
    );
  } finally {
    await wk.shutdown();
  }
});

Deno.test("sh: a refused module never starts (the shell gets ENOEXEC from spawn)", async () => {
  const wk = await wasiKernel([], {}, await files(), applets);
  try {
    // On ENOEXEC the shell does what dash does (runs the file as a script); whatever it
    // prints, the module itself never ran: no berth-wasi message, no instance.
    const r = await wk.run(["sh", "-c", "/bin/foreign.wasm; echo st=$?"]);
    assert.match(r.stdout, /^st=[1-9]\d*\n$/, r.stderr);
    assert.doesNotMatch(r.stderr, /berth-wasi/);
    assert.equal(wk.executor.liveInstances, 0);
  } finally {
    await wk.shutdown();
  }
});
