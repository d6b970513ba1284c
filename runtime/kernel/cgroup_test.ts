import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { Errno } from "./errno.ts";
import { type BuiltinMain, type Executor, startsWith } from "./executor.ts";
import { Kernel } from "./kernel.ts";
import { minimalRoot } from "./minimal_root.ts";
import type { Syscalls } from "./syscalls/api.ts";

const enc = new TextEncoder();
const say = (sys: Syscalls, text: string) => sys.write(1, enc.encode(text));
const MIB = 1024 * 1024;

/** A test program format: "MEMEAT <mode>" files allocate 1 MiB at a time until refused. */
const MAGIC = enc.encode("MEMEAT");
const memeater: Executor = {
  async run(ctx, image) {
    const mode = new TextDecoder().decode(image).split(/\s+/)[1];
    let got = 0;
    for (;;) {
      const ok = ctx.chargeMemory(MIB, mode === "oom");
      if (!ok) break;
      got++;
      const y = ctx.preempt();
      if (y) await y;
    }
    await ctx.sys.write(1, enc.encode(`refused after ${got} MiB\n`));
    return 1;
  },
};

function events(k: Kernel, path: string): Record<string, number> {
  const t = k.cgroups.readFile(path, "memory.events") as string;
  return Object.fromEntries(
    t.trim().split("\n").map((l) => l.split(" ")).map(([a, b]) => [a!, +b!]),
  );
}

Deno.test("memory.max refuses a charge (ENOMEM path), counts it in memory.events, spares siblings", async () => {
  const k = new Kernel({ builtins: {} });
  k.registerBinfmt({ name: "memeat", match: (h) => startsWith(h, MAGIC), executor: memeater });
  try {
    k.cgroups.create("/m/a", { memoryMax: 8 * MIB });
    k.cgroups.create("/m/b", { memoryMax: 64 * MIB });
    const files = { "/bin/eat": "MEMEAT fail", "/bin/oom": "MEMEAT oom" };
    const bystander = await k.spawn({
      argv: ["/bin/eat"],
      cgroup: "/m/b",
      fs: minimalRoot(k, { files }),
    });
    const h = await k.spawn({ argv: ["/bin/eat"], cgroup: "/m/a", fs: minimalRoot(k, { files }) });
    const out = await new Response(h.stdout).text();
    assertEquals((await h.wait()).exitCode, 1);
    assertEquals(out, "refused after 7 MiB\n"); // 8 MiB minus the process's kernel memory
    const e = events(k, "/m/a");
    ok(e.max! >= 1 && e.oom_kill === 0, JSON.stringify(e));
    assertEquals(await new Response(bystander.stdout).text(), "refused after 63 MiB\n");
    assertEquals(events(k, "/m/b").oom_kill, 0);
    ok(+(k.cgroups.readFile("/m/a", "memory.peak") as string) <= 8 * MIB);
    assertEquals(k.cgroups.readFile("/m/a", "memory.current"), "0\n");
  } finally {
    await k.shutdown();
  }
});

Deno.test("an allocation that cannot fail triggers the OOM killer: SIGKILL (137), oom_kill +1", async () => {
  const k = new Kernel({ builtins: {} });
  k.registerBinfmt({ name: "memeat", match: (h) => startsWith(h, MAGIC), executor: memeater });
  try {
    k.cgroups.create("/o", { memoryMax: 4 * MIB });
    const h = await k.spawn({
      argv: ["/bin/oom"],
      cgroup: "/o",
      fs: minimalRoot(k, { files: { "/bin/oom": "MEMEAT oom" } }),
    });
    const st = await h.wait();
    assertEquals([st.exitCode, st.signal], [137, 9]);
    const e = events(k, "/o");
    assertEquals([e.oom, e.oom_kill], [1, 1]);
  } finally {
    await k.shutdown();
  }
});

Deno.test("pids.max 10 stops the 11th process with EAGAIN; other cgroups go on", async () => {
  const sleeper: BuiltinMain = async (sys) => {
    await sys.nanosleep({ sec: 60, nsec: 0 });
    return 0;
  };
  const forker: BuiltinMain = async (sys) => {
    const pids: number[] = [];
    for (;;) {
      const r = await sys.spawn({ path: "sleeper", argv: ["sleeper"] });
      if (r < 0) {
        await say(sys, `spawned ${pids.length} then ${r === Errno.EAGAIN ? "EAGAIN" : r}\n`);
        break;
      }
      pids.push(r);
    }
    for (const p of pids) sys.kill(p, 9);
    for (const _ of pids) await sys.wait4(-1, 0);
    return 0;
  };
  const k = new Kernel({ builtins: { sleeper, forker } });
  try {
    k.cgroups.create("/p", { pidsMax: 10 });
    const h = await k.spawn({ argv: ["forker"], cgroup: "/p" });
    const out = await new Response(h.stdout).text();
    assertEquals(out, "spawned 9 then EAGAIN\n");
    assertEquals(k.cgroups.readFile("/p", "pids.events"), "max 1\n");
    const other = await k.spawn({ argv: ["forker"], cgroup: "/other" });
    other.kill(9);
    await h.wait();
    assertEquals(k.cgroups.readFile("/p", "pids.current"), "0\n");
  } finally {
    await k.shutdown();
  }
});

Deno.test("cgroup files: syntax, errors, procs, controllers, freeze", async () => {
  const spinner: BuiltinMain = async (sys) => {
    const b = new Uint8Array(1);
    for (;;) await sys.write(1, b);
  };
  const k = new Kernel({ builtins: { spinner } });
  try {
    const t = k.cgroups;
    t.create("/f");
    assertEquals(t.readFile("/f", "cpu.max"), "max 100000\n");
    assertEquals(t.writeFile("/f", "cpu.max", "50000"), 0);
    assertEquals(t.readFile("/f", "cpu.max"), "50000 100000\n");
    assertEquals(t.writeFile("/f", "cpu.max", "abc 100"), Errno.EINVAL);
    assertEquals(t.writeFile("/f", "cpu.weight", "0"), Errno.EINVAL);
    assertEquals(t.writeFile("/f", "memory.max", "64M"), 0);
    assertEquals(t.readFile("/f", "memory.max"), `${64 * MIB}\n`);
    assertEquals(t.writeFile("/f", "memory.current", "1"), Errno.EACCES);
    assertEquals(t.readFile("/f", "nope"), Errno.ENOENT);
    assertEquals(t.readFile("/", "cpu.max"), Errno.ENOENT);
    assertEquals(t.readFile("/", "cgroup.controllers"), "cpu memory pids\n");
    assertEquals(t.writeFile("/", "cgroup.subtree_control", "-memory"), 0);
    assertEquals(t.readFile("/f", "memory.max"), Errno.ENOENT);
    assertEquals(t.writeFile("/", "cgroup.subtree_control", "+memory"), 0);
    const h = await k.spawn({ argv: ["spinner"], cgroup: "/f", stdout: "null" });
    assertEquals(t.readFile("/f", "cgroup.procs"), `${h.pid}\n`);
    assertEquals(t.readFile("/f", "cgroup.events"), "populated 1\nfrozen 0\n");
    assertEquals(t.remove("/f"), Errno.EBUSY);
    assertEquals(t.writeFile("/f", "cgroup.freeze", "1"), 0);
    await new Promise((r) => setTimeout(r, 20));
    const u1 = t.readFile("/f", "cpu.stat") as string;
    await new Promise((r) => setTimeout(r, 50));
    assertEquals(t.readFile("/f", "cpu.stat"), u1, "a frozen cgroup uses no CPU");
    assertEquals(t.writeFile("/f", "cgroup.freeze", "0"), 0);
    await new Promise((r) => setTimeout(r, 30));
    ok(t.readFile("/f", "cpu.stat") !== u1, "thawed, it runs again");
    t.create("/g");
    assertEquals(t.writeFile("/g", "cgroup.procs", `${h.pid}\n`), 0);
    assertEquals(t.readFile("/f", "cgroup.procs"), "");
    assertEquals(t.readFile("/g", "pids.current"), "1\n");
    h.kill(9);
    await h.wait();
    assertEquals(t.readFile("/g", "cgroup.events"), "populated 0\nfrozen 0\n");
    assertEquals(t.remove("/f"), 0);
    assertEquals(t.list(), ["/", "/g"]);
  } finally {
    await k.shutdown();
  }
});

Deno.test("cgroup.kill kills the whole subtree; memory.high slows an allocator down", async () => {
  const sleeper: BuiltinMain = async (sys) => {
    await sys.nanosleep({ sec: 60, nsec: 0 });
    return 0;
  };
  const k = new Kernel({ builtins: { sleeper } });
  k.registerBinfmt({ name: "memeat", match: (h) => startsWith(h, MAGIC), executor: memeater });
  try {
    k.cgroups.create("/k/a");
    const hs = [
      await k.spawn({ argv: ["sleeper"], cgroup: "/k" }),
      await k.spawn({ argv: ["sleeper"], cgroup: "/k/a" }),
    ];
    assertEquals(k.cgroups.readFile("/k", "cgroup.kill"), Errno.EACCES);
    assertEquals(k.cgroups.writeFile("/k", "cgroup.kill", "2"), Errno.EINVAL);
    assertEquals(k.cgroups.writeFile("/k", "cgroup.kill", "1"), 0);
    for (const h of hs) assertEquals((await h.wait()).signal, 9);
    assertEquals(k.cgroups.readFile("/k", "cgroup.events"), "populated 0\nfrozen 0\n");

    k.cgroups.create("/h", { memoryHigh: 2 * MIB, memoryMax: 6 * MIB });
    const t0 = performance.now();
    const h = await k.spawn({
      argv: ["/bin/eat"],
      cgroup: "/h",
      fs: minimalRoot(k, { files: { "/bin/eat": "MEMEAT fail" } }),
    });
    assertEquals(await new Response(h.stdout).text(), "refused after 5 MiB\n");
    const slow = performance.now() - t0;
    const e = events(k, "/h");
    ok(e.high! >= 1, JSON.stringify(e));
    ok(slow >= 100, `over memory.high the allocator was delayed (${slow.toFixed(0)} ms)`);
  } finally {
    await k.shutdown();
  }
});

Deno.test("memory.high throttles a process writing a tmpfs past it (not killed); memory.stat shows the file bytes", async () => {
  const CHUNK = 64 * 1024;
  let throttledMs = 0;
  let beforeMs = 0;
  const writer: BuiltinMain = async (sys) => {
    const fd = await sys.openat(-100, "/tmp/f", 0o101, 0o644); // O_WRONLY|O_CREAT
    if (typeof fd !== "number" || fd < 0) return 2;
    const chunk = new Uint8Array(CHUNK).fill(7);
    // 1.5 MiB under the 2 MiB memory.high, then 1.5 MiB over it.
    for (let i = 0; i < 48; i++) {
      const t0 = performance.now();
      if ((await sys.write(fd, chunk)) !== CHUNK) return 3;
      i < 24 ? (beforeMs += performance.now() - t0) : (throttledMs += performance.now() - t0);
    }
    await say(sys, "written\n");
    await sys.pause();
    return 0;
  };
  const k = new Kernel({ builtins: { writer } });
  try {
    k.cgroups.create("/w", { memoryHigh: 2 * MIB, memoryMax: 16 * MIB });
    const h = await k.spawn({
      argv: ["writer"],
      cgroup: "/w",
      fs: minimalRoot(k),
      mounts: [{ source: "tmpfs", target: "/tmp", fstype: "tmpfs" }],
    });
    const reader = h.stdout!.getReader();
    assertEquals(new TextDecoder().decode((await reader.read()).value), "written\n");
    reader.releaseLock();
    const stat = k.cgroups.readFile("/w", "memory.stat") as string;
    const file = Number(/^file (\d+)$/m.exec(stat)?.[1]);
    ok(file >= 3 * MIB, stat);
    const e = events(k, "/w");
    ok(e.high! >= 10, JSON.stringify(e));
    assertEquals([e.max, e.oom, e.oom_kill], [0, 0, 0]);
    // Each write over the limit (the last ~16) pays at least 10 ms; under it, none.
    ok(throttledMs >= 150, `throttled ${throttledMs.toFixed(0)} ms`);
    ok(
      beforeMs < throttledMs / 2,
      `before ${beforeMs.toFixed(0)} ms, after ${throttledMs.toFixed(0)} ms`,
    );
    h.kill(9);
    assertEquals((await h.wait()).signal, 9);
  } finally {
    await k.shutdown();
  }
});

Deno.test("memory.high lowered under the usage throttles the next charges, and raising it stops the throttling", async () => {
  let slow = 0;
  let fast = 0;
  const grower: BuiltinMain = async (sys) => {
    sys.sigaction(10, () => {});
    const [r, w] = sys.pipe2(0) as [number, number];
    const buf = new Uint8Array(4096);
    const round = async () => {
      const t0 = performance.now();
      for (let i = 0; i < 10; i++) {
        await sys.write(w, buf); // pipe buffers are charged ("pipe" in memory.stat)
        await sys.read(r, buf);
      }
      return performance.now() - t0;
    };
    await say(sys, "ready\n");
    await sys.pause();
    slow = await round();
    await say(sys, "slow\n");
    await sys.pause();
    fast = await round();
    return 0;
  };
  const k = new Kernel({ builtins: { grower } });
  try {
    k.cgroups.create("/g");
    const h = await k.spawn({ argv: ["grower"], cgroup: "/g", fs: minimalRoot(k) });
    const reader = h.stdout!.getReader();
    // A signal sent before the grower is in pause() would be handled then, and the pause
    // would never end: wait until it sleeps.
    const asleep = async () => {
      while (h.process.interrupts.size === 0) await new Promise((r) => setTimeout(r, 1));
    };
    await reader.read();
    // Just under the usage (the process's kernel memory): every pipe charge goes over.
    const used = Number(k.cgroups.readFile("/g", "memory.current"));
    assertEquals(k.cgroups.writeFile("/g", "memory.high", String(used - 1)), 0);
    await asleep();
    h.kill(10);
    await reader.read();
    assertEquals(k.cgroups.writeFile("/g", "memory.high", "max"), 0);
    await asleep();
    h.kill(10);
    reader.releaseLock();
    assertEquals((await h.wait()).exitCode, 0);
    ok(slow >= 100, `lowered memory.high: ${slow.toFixed(0)} ms`);
    ok(fast < slow / 2, `raised: ${fast.toFixed(0)} ms vs ${slow.toFixed(0)} ms`);
    assertEquals(events(k, "/g").oom_kill, 0);
  } finally {
    await k.shutdown();
  }
});

Deno.test("sbrk: a builtin's declared heap is charged as anon, shrinks, goes at exec, and past memory.max the OOM killer takes it", async () => {
  const heap: BuiltinMain = async (sys, argv) => {
    const steps: number[] = [];
    for (const inc of argv.slice(1).map(Number)) {
      const r = sys.sbrk(inc);
      steps.push(r);
      if (r < 0) break;
    }
    await say(sys, JSON.stringify({ steps, bad: sys.sbrk(0.5) }) + "\n");
    if (argv[0] === "heap-exec") await sys.execve("/bin/heap", ["heap", "0"], []);
    return 0;
  };
  const k = new Kernel({ builtins: { heap, "heap-exec": heap } });
  try {
    k.cgroups.create("/h", { memoryMax: 4 * MIB });
    const anon = () => k.cgroups.get("/h")!.memoryStat.anon;
    // Within the limit: grows, shrinks (never below zero), and is released at exit.
    const a = await k.spawn({
      argv: ["heap", String(MIB), String(2 * MIB), String(-MIB), String(-8 * MIB)],
      cgroup: "/h",
      fs: minimalRoot(k),
    });
    assertEquals(JSON.parse(await new Response(a.stdout).text()), {
      steps: [MIB, 3 * MIB, 2 * MIB, 0],
      bad: Errno.EINVAL,
    });
    assertEquals((await a.wait()).exitCode, 0);
    assertEquals(anon(), 0);
    // exec releases the old program's heap: the new one starts at 0.
    const b = await k.spawn({
      argv: ["heap-exec", String(3 * MIB)],
      cgroup: "/h",
      fs: minimalRoot(k),
    });
    const lines = (await new Response(b.stdout).text()).trim().split("\n").map((l) =>
      JSON.parse(l)
    );
    assertEquals(lines.map((l) => l.steps), [[3 * MIB], [0]]);
    assertEquals((await b.wait()).exitCode, 0);
    // Past memory.max: the OOM killer kills the largest process, here the caller.
    const c = await k.spawn({
      argv: ["heap", String(3 * MIB), String(2 * MIB)],
      cgroup: "/h",
      fs: minimalRoot(k),
    });
    assertEquals([(await c.wait()).exitCode, (await c.wait()).signal], [137, 9]);
    assertEquals(events(k, "/h").oom_kill, 1);
    assertEquals(anon(), 0);
  } finally {
    await k.shutdown();
  }
});
