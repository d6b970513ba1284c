import { ok } from "node:assert/strict";
import type { BuiltinMain } from "./executor.ts";
import { Kernel } from "./kernel.ts";

/** Burns CPU in ~50 µs steps, with a write (a preemption point) after each step. */
const spin: BuiltinMain = async (sys) => {
  const byte = new Uint8Array(1);
  let x = 0;
  for (;;) {
    const end = performance.now() + 0.05;
    while (performance.now() < end) x = (x * 31 + 7) | 0;
    await sys.write(1, byte);
  }
};

function stat(k: Kernel, path: string): Record<string, number> {
  const text = k.cgroups.readFile(path, "cpu.stat");
  if (typeof text === "number") throw new Error(`cpu.stat of ${path}: ${text}`);
  return Object.fromEntries(
    text.trim().split("\n").map((l) => l.split(" ")).map(([a, b]) => [a!, Number(b)]),
  );
}

Deno.test("cpu.weight 100/200/300 splits the CPU 1:2:3 (±10%) among CPU-bound processes", async () => {
  const k = new Kernel({ builtins: { spin } });
  try {
    const weights = [100, 200, 300];
    const handles = [];
    for (const [i, w] of weights.entries()) {
      k.cgroups.create(`/w/g${i}`, { cpuWeight: w });
      handles.push(await k.spawn({ argv: ["spin"], cgroup: `/w/g${i}`, stdout: "null" }));
    }
    // At least 3 s, and until the lightest group has 0.3 s of CPU (a loaded host gives the
    // kernel less CPU; the error bound is one slice charge over the lightest usage), at most 15 s.
    const t0 = performance.now();
    const usage = () => weights.map((_, i) => stat(k, `/w/g${i}`).usage_usec!);
    for (;;) {
      await new Promise((r) => setTimeout(r, 250));
      const elapsed = performance.now() - t0;
      if (elapsed >= 15_000 || (elapsed >= 3000 && usage()[0]! >= 300_000)) break;
    }
    const used = usage();
    for (const h of handles) h.kill(9);
    const [a, b, c] = used as [number, number, number];
    const r2 = b / a, r3 = c / a;
    // ±10%; when the host starved the kernel (the lightest group got < 0.3 s of CPU in 15 s)
    // a few 50 ms slice charges weigh more, and ±25% is checked instead.
    const tol = a >= 300_000 ? 0.1 : 0.25;
    if (tol > 0.1) console.warn(`cpu.weight: host starved the kernel (usage ${used.join(", ")})`);
    const info = `b/a = ${r2.toFixed(3)}, c/a = ${r3.toFixed(3)} (usage ${used.join(", ")})`;
    ok(Math.abs(r2 / 2 - 1) < tol, info);
    ok(Math.abs(r3 / 3 - 1) < tol, info);
  } finally {
    await k.shutdown();
  }
});

Deno.test('cpu.max "25000 100000" holds a CPU-bound process to 25% (±5%) and throttles it', async () => {
  const k = new Kernel({ builtins: { spin } });
  try {
    // How much CPU this host gives the kernel now (a loaded CI machine gives less): one
    // unlimited spinner for 0.5 s. The lower bound only relaxes when the host starves us.
    const free = await k.spawn({ argv: ["spin"], cgroup: "/free", stdout: "null" });
    const f0 = performance.now();
    await new Promise((r) => setTimeout(r, 500));
    const avail = stat(k, "/free").usage_usec! / ((performance.now() - f0) * 1000);
    free.kill(9);
    await free.wait();

    k.cgroups.create("/q", { cpuMax: "25000 100000" });
    const t0 = performance.now();
    const h = await k.spawn({ argv: ["spin"], cgroup: "/q", stdout: "null" });
    await new Promise((r) => setTimeout(r, 2000));
    const s = stat(k, "/q");
    const wallUs = (performance.now() - t0) * 1000;
    h.kill(9);
    await h.wait();
    const share = s.usage_usec! / wallUs;
    const info = `share ${share.toFixed(3)} (host gave ${avail.toFixed(2)}) ${JSON.stringify(s)}`;
    // The quota is never exceeded: at most 25% of the wall time, and of each elapsed period.
    ok(share < 0.3, info);
    ok(s.usage_usec! <= (s.nr_periods! + 1) * 25_000 + 8_000, info);
    ok(s.nr_periods! >= s.nr_throttled!, info);
    if (avail >= 0.5) {
      // A host that gives the kernel at least half a CPU lets the process use its quota.
      ok(share > 0.2, info);
      ok(s.nr_throttled! > 0 && s.throttled_usec! > 0, info);
    } else {
      console.warn(`cpu.max lower bound not checked: the host starved the kernel (${info})`);
    }
  } finally {
    await k.shutdown();
  }
});

Deno.test("sleeping processes cost no CPU: an idle kernel does not poll", async () => {
  const sleeper: BuiltinMain = async (sys) => {
    await sys.nanosleep({ sec: 60, nsec: 0 });
    return 0;
  };
  const k = new Kernel({ builtins: { sleeper } });
  try {
    for (let i = 0; i < 50; i++) await k.spawn({ argv: ["sleeper"], stdout: "null" });
    await new Promise((r) => setTimeout(r, 50));
    // The kernel's own view (the process-wide CPU figure is shared with parallel test files;
    // tests/bench/kernel_bench.ts measures it in a quiet process).
    const switches = k.scheduler.switches;
    const usage = k.cgroups.root.usageUs;
    await new Promise((r) => setTimeout(r, 500));
    ok(k.scheduler.switches === switches, "no dispatch while every process sleeps");
    ok(k.cgroups.root.usageUs === usage, "no CPU time used while every process sleeps");
    ok(k.scheduler.current === null);
  } finally {
    await k.shutdown();
  }
});

Deno.test("the host stays responsive: HTTP requests are answered while CPU-bound processes run", async () => {
  const k = new Kernel({ builtins: { spin } });
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} },
    () => new Response("ok"),
  );
  try {
    const port = (server.addr as Deno.NetAddr).port;
    const handles = [];
    for (let i = 0; i < 3; i++) handles.push(await k.spawn({ argv: ["spin"], stdout: "null" }));
    await new Promise((r) => setTimeout(r, 50));
    const worst: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const res = await fetch(`http://127.0.0.1:${port}/`);
      await res.text();
      worst.push(performance.now() - t0);
    }
    for (const h of handles) h.kill(9);
    // Tolerant bound for a loaded 2-core machine (CI runs the suite in parallel: 876 ms was
    // seen); a starving scheduler never answers while the spinners run. The benchmark reports
    // the real figure (kernel: host timer latency added by CPU-bound processes).
    ok(Math.max(...worst) < 2000, `latencies ${worst.map((x) => x.toFixed(1)).join(", ")} ms`);
    ok(k.cgroups.root.usageUs > 0);
  } finally {
    await k.shutdown();
    ac.abort();
    await server.finished;
  }
});

Deno.test("a builtin awaiting a host promise (not a system call) does not hold the CPU", async () => {
  let spins = 0;
  const k = new Kernel({
    builtins: {
      spin: async (sys) => {
        const b = new Uint8Array(1);
        for (;;) {
          spins++;
          await sys.write(1, b);
        }
      },
      waiter: async (sys) => {
        await sys.write(1, new Uint8Array(1));
        await new Promise((r) => setTimeout(r, 100)); // not a system call
        await sys.write(1, new Uint8Array(1));
        return 0;
      },
    },
  });
  try {
    const w = await k.spawn({ argv: ["waiter"], stdout: "null" });
    const s = await k.spawn({ argv: ["spin"], stdout: "null" });
    await w.wait();
    ok(spins > 100, `the other process ran meanwhile (${spins} iterations)`);
    s.kill(9);
  } finally {
    await k.shutdown();
  }
});
