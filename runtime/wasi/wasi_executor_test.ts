import assert from "node:assert/strict";
import { Errno } from "../kernel/errno.ts";
import { SpawnError } from "../kernel/kernel.ts";
import { wasiKernel } from "./_test_kernel.ts";

const MiB = 1 << 20;

/** Wait (up to 10 s, for a loaded machine) until `cond` holds. */
async function until(cond: () => boolean): Promise<void> {
  const end = performance.now() + 10_000;
  while (!cond()) {
    if (performance.now() > end) throw new Error("timed out waiting for a condition");
    await new Promise((r) => setTimeout(r, 5));
  }
}

Deno.test("WasiExecutor runs hello.wasm in a kernel process", async () => {
  const wk = await wasiKernel(["hello"]);
  try {
    const r = await wk.run(["/bin/hello.wasm"]);
    assert.equal(r.stdout, "hello from wasi\n");
    assert.equal(r.code, 0);
    assert.equal(wk.executor.liveInstances, 0);
  } finally {
    await wk.shutdown();
  }
});

Deno.test("WasiExecutor passes argv and env, found by PATH search", async () => {
  const wk = await wasiKernel(["args"]);
  try {
    const r = await wk.run(["args.wasm", "a b", "c"], { env: ["PATH=/bin", "X=y"] });
    assert.equal(
      r.stdout,
      "argc=3\nargv[0]=args.wasm\nargv[1]=a b\nargv[2]=c\nenv:PATH=/bin\nenv:X=y\n",
    );
  } finally {
    await wk.shutdown();
  }
});

Deno.test("WasiExecutor: fileops.wasm works on the kernel's tmpfs, relative to a cwd", async () => {
  const wk = await wasiKernel(["fileops"]);
  try {
    const abs = await wk.run(["/bin/fileops.wasm", "/tmp"]);
    assert.match(
      abs.stdout,
      /entries: b\.txt c\.txt link\n[\s\S]*\ndone\n$/,
      abs.stdout + abs.stderr,
    );
    assert.equal(abs.code, 0);
    const rel = await wk.run(["/bin/fileops.wasm", "."], { cwd: "/tmp" });
    assert.match(rel.stdout, /done\n$/, rel.stdout + rel.stderr);
  } finally {
    await wk.shutdown();
  }
});

Deno.test("WasiExecutor: with a working directory other than /, relative names and absolute paths both resolve", async () => {
  // wasi-libc strips both the `/` and the `.` preopen to the empty prefix and gives every
  // path to the last one (wasi-libc#484): absolute paths used to resolve in the cwd.
  const wk = await wasiKernel(["escape", "hello", "fileops"], {}, {
    "/srv/note.txt": "in the working directory\n",
  });
  try {
    const out = await wk.run(
      ["/bin/escape.wasm", "/bin/hello.wasm", "/tmp", "note.txt", "/srv/note.txt", "nothing"],
      { cwd: "/srv" },
    );
    const line = (arg: string) => out.stdout.split("\n").find((l) => l.startsWith(`${arg}: `));
    assert.doesNotMatch(line("/bin/hello.wasm") ?? "missing", /error/, out.stdout);
    assert.match(line("/tmp") ?? "", /Is a directory/, "an absolute single name opens /tmp");
    assert.equal(line("note.txt"), "note.txt: in the working directory");
    assert.equal(line("/srv/note.txt"), "/srv/note.txt: in the working directory");
    assert.match(line("nothing") ?? "", /No such file or directory/);
    // Relative creation stays in the cwd.
    const rel = await wk.run(["/bin/fileops.wasm", "."], { cwd: "/srv" });
    assert.match(rel.stdout, /done\n$/, rel.stdout + rel.stderr);
  } finally {
    await wk.shutdown();
  }
});

Deno.test("WasiExecutor: upper.wasm filters a stdin pipe", async () => {
  const wk = await wasiKernel(["upper"]);
  try {
    const h = await wk.kernel.spawn({ argv: ["/bin/upper.wasm"], fs: wk.fs.fork(), stdin: "pipe" });
    const out = new Response(h.stdout).text();
    const w = h.stdin!.getWriter();
    const chunk = new TextEncoder().encode("abc xyz\n".repeat(10000));
    await w.write(chunk);
    await w.write(chunk);
    await w.close();
    assert.equal((await h.wait()).exitCode, 0);
    assert.equal(await out, "ABC XYZ\n".repeat(20000));
  } finally {
    await wk.shutdown();
  }
});

Deno.test("WasiExecutor: proc_exit code, traps as signals with a Wasmtime-like message", async () => {
  const wk = await wasiKernel(["exitcode"]);
  try {
    assert.equal((await wk.run(["/bin/exitcode.wasm", "42"])).code, 42);
    const trap = await wk.run(["/bin/exitcode.wasm", "trap"]);
    assert.equal(trap.signal, 4);
    assert.equal(trap.code, 132);
    assert.match(trap.stderr, /failed to run main module `\/bin\/exitcode.wasm`/);
    assert.match(trap.stderr, /wasm trap: wasm `unreachable` instruction executed/);
    const oob = await wk.run(["/bin/exitcode.wasm", "oob"]);
    assert.equal(oob.signal, 11);
    assert.match(oob.stderr, /out of bounds memory access/);
  } finally {
    await wk.shutdown();
  }
});

Deno.test("WasiExecutor: bigout.wasm streams 4 MiB through a pipe", async () => {
  const wk = await wasiKernel(["bigout"]);
  try {
    const r = await wk.run(["/bin/bigout.wasm", "4096"]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.length, 4 * MiB);
  } finally {
    await wk.shutdown();
  }
});

Deno.test("WasiExecutor: memeater.wasm stops at memory.max (malloc returns NULL)", async () => {
  const wk = await wasiKernel(["memeater", "hello"]);
  try {
    const g = wk.kernel.cgroups.create("/eat", { memoryMax: 64 * MiB });
    assert.ok(typeof g !== "number");
    const r = await wk.run(["/bin/memeater.wasm"], { cgroup: "/eat" });
    assert.equal(r.code, 0, r.stderr);
    const m = /allocated (\d+) MiB/.exec(r.stdout);
    assert.ok(m, r.stdout);
    assert.ok(Number(m[1]) > 32 && Number(m[1]) <= 64, r.stdout);
    assert.ok(g.memoryPeak <= 64 * MiB, `peak ${g.memoryPeak}`);
    // The kernel and a neighbour go on.
    assert.equal((await wk.run(["/bin/hello.wasm"])).stdout, "hello from wasi\n");
  } finally {
    await wk.shutdown();
  }
});

/** Whether `e` is the SpawnError of a refused start with this errno and a reason like `detail`. */
function refused(errno: Errno, detail: RegExp): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof SpawnError, String(e));
    assert.equal(e.errno, errno, e.message);
    assert.match(e.detail ?? "", detail);
    return true;
  };
}

Deno.test("WasiExecutor: initial memory over memory.max fails the exec with ENOMEM", async () => {
  const wk = await wasiKernel(["hello"]);
  try {
    const g = wk.kernel.cgroups.create("/tiny", { memoryMax: 64 * 1024 });
    assert.ok(typeof g !== "number");
    await assert.rejects(
      () => wk.run(["/bin/hello.wasm"], { cgroup: "/tiny" }),
      refused(Errno.ENOMEM, /initial memory of \d+ bytes is over memory.max/),
    );
    // Refused before instantiation: the memory was never charged.
    assert.ok(g.memoryPeak < 64 * 1024, `peak ${g.memoryPeak}`);
  } finally {
    await wk.shutdown();
  }
});

Deno.test("WasiExecutor: a kill ends a tight wasm loop quickly", async () => {
  const wk = await wasiKernel(["spinner"]);
  try {
    const h = await wk.kernel.spawn({ argv: ["/bin/spinner.wasm", "0"], fs: wk.fs.fork() });
    const out = new Response(h.stdout).text();
    await new Promise((r) => setTimeout(r, 100));
    const t0 = performance.now();
    h.kill(9);
    const st = await h.wait();
    const took = performance.now() - t0;
    assert.equal(st.signal, 9);
    assert.equal(await out, "");
    assert.ok(took < 2000, `kill took ${took} ms`); // the speed figure is in the bench
    await until(() => wk.executor.liveInstances === 0);
  } finally {
    await wk.shutdown();
  }
});

Deno.test("WasiExecutor: a spinner does not starve a sleeper", async () => {
  const wk = await wasiKernel(["spinner", "sleeper"]);
  try {
    const spin = await wk.kernel.spawn({
      argv: ["/bin/spinner.wasm", "0"],
      fs: wk.fs.fork(),
      stdout: "null",
    });
    let spinning = true;
    spin.wait().then(() => spinning = false);
    await new Promise((r) => setTimeout(r, 30));
    // The sleeper starts, sleeps and exits while the endless spinner keeps running.
    const sleep = await wk.run(["/bin/sleeper.wasm", "20"]);
    assert.equal(sleep.stdout, "slept\n");
    assert.ok(spinning);
    spin.kill(9);
    assert.equal((await spin.wait()).signal, 9);
  } finally {
    await wk.shutdown();
  }
});

Deno.test("WasiExecutor refuses instances over the kernel-wide limit", async () => {
  const wk = await wasiKernel(["sleeper"], { maxInstances: 2 });
  try {
    const spawnSleeper = () =>
      wk.kernel.spawn({ argv: ["/bin/sleeper.wasm", "60000"], fs: wk.fs.fork(), stdout: "null" });
    const a = await spawnSleeper();
    const b = await spawnSleeper();
    await until(() => wk.executor.liveInstances === 2);
    await assert.rejects(
      () => wk.run(["/bin/sleeper.wasm", "1"]),
      refused(Errno.EAGAIN, /limit of 2 WASI processes/),
    );
    a.kill(9);
    b.kill(9);
    await Promise.all([a.wait(), b.wait()]);
    await until(() => wk.executor.liveInstances === 0);
    assert.equal((await wk.run(["/bin/sleeper.wasm", "1"])).stdout, "slept\n");
  } finally {
    await wk.shutdown();
  }
});

Deno.test("WasiExecutor: a file that is not a module fails the exec with ENOEXEC", async () => {
  const bad = Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0xff);
  const wk = await wasiKernel([], {}, { "/bin/bad.wasm": bad });
  try {
    await assert.rejects(() => wk.run(["/bin/bad.wasm"]), refused(Errno.ENOEXEC, /byte 9/));
  } finally {
    await wk.shutdown();
  }
});

Deno.test("WasiExecutor: a kill unwinds a green thread suspended in fd_read", async () => {
  const wk = await wasiKernel(["upper"]);
  try {
    const h = await wk.kernel.spawn({ argv: ["/bin/upper.wasm"], fs: wk.fs.fork(), stdin: "pipe" });
    const out = new Response(h.stdout).text();
    const w = h.stdin!.getWriter();
    await w.write(new TextEncoder().encode("first\n"));
    await until(() => wk.executor.liveInstances === 1);
    await new Promise((r) => setTimeout(r, 20));
    h.kill(15);
    const st = await h.wait();
    assert.equal(st.signal, 15);
    assert.equal(await out, "FIRST\n");
    await until(() => wk.executor.liveInstances === 0);
    await w.abort().catch(() => {});
  } finally {
    await wk.shutdown();
  }
});

Deno.test("WASI path escapes (.., raw path_open, absolute and upward symlinks) stay in the root", async () => {
  const escape = await Deno.readFile(
    new URL("../../tests/fixtures/wasi/escape.wasm", import.meta.url),
  );
  const wk = await wasiKernel([], {}, {
    "/secret": "TOP SECRET\n",
    "/jail/secret": "jail secret\n",
    "/jail/bin/escape.wasm": escape,
    "/jail/tmp/.keep": "",
  });
  try {
    const argv = ["/bin/escape.wasm", "/../secret", "../../secret", "/tmp/../../../secret"];
    const h = await wk.kernel.spawn({
      argv: ["jailer"],
      fs: wk.fs.fork(),
      program: async (sys) => {
        assert.equal(sys.chroot("/jail"), 0);
        assert.equal(sys.chdir("/"), 0);
        return -(await sys.execve("/bin/escape.wasm", argv, []));
      },
    });
    const out = await new Response(h.stdout).text();
    assert.equal((await h.wait()).exitCode, 0, out);
    assert.doesNotMatch(out, /TOP SECRET/);
    const lines = out.trim().split("\n");
    assert.ok(lines.length >= 8, out);
    for (const line of lines) assert.match(line, /: (jail secret|error .+)$/, line);
    assert.match(out, /symlink to \/: jail secret/);
  } finally {
    await wk.shutdown();
  }
});

Deno.test("WasiExecutor: apitour.wasm exercises the less common WASI calls", async () => {
  const wk = await wasiKernel(["apitour"]);
  try {
    const r = await wk.run(["/bin/apitour.wasm", "/tmp"]);
    assert.doesNotMatch(r.stdout, /FAIL/, r.stdout);
    assert.match(r.stdout, /done\n$/, r.stdout + r.stderr);
    assert.equal(r.code, 0);
  } finally {
    await wk.shutdown();
  }
});

Deno.test("WasiExecutor: a wasi_unstable (preview0) module does not start", async () => {
  const wabt = await (await import("wabt")).default();
  const mod = wabt.parseWat(
    "p0.wat",
    `(module
      (import "wasi_unstable" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start") (call $exit (i32.const 0))))`,
  );
  const bytes = new Uint8Array(mod.toBinary({}).buffer);
  mod.destroy();
  const wk = await wasiKernel([], {}, { "/bin/p0.wasm": bytes });
  try {
    await assert.rejects(
      () => wk.run(["/bin/p0.wasm"]),
      refused(Errno.ENOEXEC, /"wasi_unstable"\."proc_exit".*preview0/),
    );
  } finally {
    await wk.shutdown();
  }
});

Deno.test("WasiExecutor: proc_raise(SIGTERM) kills the process by that signal", async () => {
  const wabt = await (await import("wabt")).default();
  const mod = wabt.parseWat(
    "raise.wat",
    `(module
      (import "wasi_snapshot_preview1" "proc_raise" (func $raise (param i32) (result i32)))
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start") (drop (call $raise (i32.const 15))) (call $exit (i32.const 3))))`,
  );
  const bytes = new Uint8Array(mod.toBinary({}).buffer);
  mod.destroy();
  const wk = await wasiKernel([], {}, { "/bin/raise.wasm": bytes });
  try {
    const r = await wk.run(["/bin/raise.wasm"]);
    assert.equal(r.signal, 15);
    assert.equal(r.code, 143);
  } finally {
    await wk.shutdown();
  }
});
