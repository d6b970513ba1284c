import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { fc, runs } from "../../tests/_property.ts";
import { Errno } from "./errno.ts";
import type { BuiltinMain } from "./executor.ts";
import { Kernel } from "./kernel.ts";
import type { Process } from "./process.ts";
import { exitProcess, tryWait } from "./process_exit.ts";
import { createProcess } from "./process_spawn.ts";
import { CLONE, type Syscalls, W } from "./syscalls/api.ts";

const enc = new TextEncoder();
const say = (sys: Syscalls, text: string) => sys.write(1, enc.encode(text));
const sleepMs = (sys: Syscalls, ms: number) =>
  sys.nanosleep({ sec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1e6 });
const sleeper: BuiltinMain = async (sys) => {
  await sleepMs(sys, 60_000);
  return 0;
};

async function output(k: Kernel, argv: string[], cloneFlags = 0) {
  const h = await k.spawn({ argv, cloneFlags });
  const out = new Response(h.stdout).text();
  const st = await h.wait();
  return { out: await out, st };
}

Deno.test("an orphan is re-parented to its PID namespace's init, which reaps it", async () => {
  const orphan: BuiltinMain = async (sys) => {
    await sleepMs(sys, 30);
    await say(sys, `orphan ppid ${sys.getppid()}\n`);
    return 5;
  };
  const middle: BuiltinMain = async (sys) => {
    await sys.spawn({ path: "orphan", argv: ["orphan"] });
    return 0;
  };
  const init: BuiltinMain = async (sys) => {
    const m = await sys.spawn({ path: "middle", argv: ["middle"] });
    const r1 = await sys.wait4(m, 0);
    if (typeof r1 === "number") return 1;
    const r2 = await sys.wait4(-1, 0);
    if (typeof r2 === "number") return 2;
    await say(sys, `reaped ${r2.pid} status ${W.EXITSTATUS(r2.status)}\n`);
    return sys.wait4(-1, 0) === Errno.ECHILD ? 0 : 3;
  };
  const k = new Kernel({ builtins: { orphan, middle, init } });
  try {
    const { out, st } = await output(k, ["init"], CLONE.NEWPID);
    assertEquals(out, "orphan ppid 1\nreaped 3 status 5\n");
    assertEquals(st.exitCode, 0);
  } finally {
    await k.shutdown();
  }
});

Deno.test("killing a namespace's init kills every process in it; SIGTERM to init without a handler is ignored", async () => {
  const init: BuiltinMain = async (sys) => {
    for (let i = 0; i < 3; i++) await sys.spawn({ path: "sleeper", argv: ["sleeper"] });
    await say(sys, "ready\n");
    await sleepMs(sys, 60_000);
    return 0;
  };
  const k = new Kernel({ builtins: { init, sleeper } });
  try {
    const h = await k.spawn({ argv: ["init"], cloneFlags: CLONE.NEWPID });
    const reader = h.stdout!.getReader();
    await reader.read();
    const ns = h.process.pidNs;
    assertEquals(ns.procs.size, 4);
    h.kill(15);
    await new Promise((r) => setTimeout(r, 30));
    ok(h.process.alive, "init ignores SIGTERM without a handler (as Docker's PID 1)");
    h.kill(9);
    assertEquals(await h.wait(), { status: 9, exitCode: 137, signal: 9 });
    assertEquals(ns.procs.size, 0);
    ok(ns.dead);
    for (const p of k.procs.values()) ok(p.pidNs !== ns, "no process of the namespace remains");
    reader.releaseLock();
  } finally {
    await k.shutdown();
  }
});

Deno.test("a child stays a zombie until wait4 reaps it; its pid is not reused meanwhile", async () => {
  let child: Process | undefined;
  const holder: { k?: Kernel } = {};
  const quick: BuiltinMain = () => Promise.resolve(4);
  const parent: BuiltinMain = async (sys) => {
    const pid = await sys.spawn({ path: "quick", argv: ["quick"] });
    if (pid < 0) return 1;
    await sleepMs(sys, 30);
    const k = holder.k!;
    child = k.rootPidNs.procs.get(sys.getpid())!.children.values().next().value;
    const stateBefore = child?.state.kind;
    const other = await sys.spawn({ path: "quick", argv: ["quick"] });
    const r = await sys.wait4(pid, W.NOHANG);
    if (typeof r === "number") return 2;
    await sys.wait4(other, 0);
    await say(sys, `${stateBefore} ${other !== pid} ${r.pid === pid} ${W.EXITSTATUS(r.status)}\n`);
    return 0;
  };
  const k = new Kernel({ builtins: { quick, parent } });
  holder.k = k;
  try {
    const { out } = await output(k, ["parent"]);
    assertEquals(out, "zombie true true 4\n");
    assertEquals(child?.state.kind, "reaped");
  } finally {
    await k.shutdown();
  }
});

Deno.test("pids are per namespace level; kill of a pid outside the namespace is ESRCH", async () => {
  const child: BuiltinMain = async (sys) => {
    await say(sys, `child ${sys.getpid()}\n`);
    return 0;
  };
  const init: BuiltinMain = async (sys) => {
    const c = await sys.spawn({ path: "child", argv: ["child"] });
    await sys.wait4(c, 0);
    const outsider = Number(sys.environ().find((e) => e.startsWith("OUT="))!.slice(4));
    await say(sys, `kill outsider ${sys.kill(outsider, 0)}\n`);
    return 0;
  };
  const k = new Kernel({ builtins: { child, init, sleeper } });
  try {
    const out1 = await k.spawn({ argv: ["sleeper"] });
    const outsider = out1.pid + 100;
    for (let i = 0; i < 101; i++) await k.spawn({ argv: ["sleeper"], stdout: "null" });
    const h = await k.spawn({ argv: ["init"], cloneFlags: CLONE.NEWPID, env: [`OUT=${outsider}`] });
    const out = await new Response(h.stdout).text();
    assertEquals(out, `child 2\nkill outsider ${Errno.ESRCH}\n`);
    ok(h.pid > 100 && h.nsPid === 1);
    assertEquals(h.process.pid.numbers.length, 2);
  } finally {
    await k.shutdown();
  }
});

Deno.test("process tree invariants hold under random spawn/exit/kill/wait sequences", () => {
  type Op = { op: "spawn" | "exit" | "kill" | "wait"; who: number; flag: boolean };
  const opArb: fc.Arbitrary<Op> = fc.record({
    op: fc.constantFrom("spawn", "exit", "kill", "wait"),
    who: fc.nat(1000),
    flag: fc.boolean(),
  });
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 1, maxLength: 80 }), (ops) => {
      const k = new Kernel();
      try {
        const roots: Process[] = [];
        const seenZombiePids = new Map<number, Process>();
        for (const { op, who, flag } of ops) {
          const live = [...k.procs.values()].filter((p) => p.alive);
          const pick = live.length ? live[who % live.length]! : null;
          if (op === "spawn" || !pick) {
            const parent = pick && !flag ? pick : null;
            const c = createProcess(k, parent, { cloneFlags: flag ? CLONE.NEWPID : 0 });
            if (typeof c === "number") continue;
            for (const [nr, z] of seenZombiePids) {
              if (z.state.kind === "zombie") ok(c.pid.nrIn(z.pidNs) !== nr || c.pidNs !== z.pidNs);
            }
            if (!parent) roots.push(c);
          } else if (op === "exit") {
            exitProcess(k, pick, W.exited(who & 0xff));
          } else if (op === "kill") {
            k.sendSignal(pick, flag ? 9 : 15);
          } else {
            tryWait(k, pick, -1, W.NOHANG);
          }
          for (const p of k.procs.values()) {
            if (p.state.kind === "zombie") seenZombiePids.set(p.nsPid, p);
          }
          // Invariants.
          for (const p of k.procs.values()) {
            ok(p.state.kind !== "reaped", "reaped processes leave the table");
            if (p.alive && p.parent) ok(p.parent.alive, "a live process has a live parent");
            if (p.parent) ok(p.parent.children.has(p), "parent links are symmetric");
            for (const c of p.children) ok(c.parent === p);
            p.pid.namespaces.forEach((ns, i) => assertEquals(ns.procs.get(p.pid.numbers[i]!), p));
          }
          assertEquals(k.cgroups.root.pidsCurrent, k.procs.size, "pids.current = unreaped");
          const liveCount = [...k.procs.values()].filter((p) => p.alive).length;
          assertEquals(k.cgroups.root.populatedCount, liveCount);
        }
      } finally {
        k.shutdown();
      }
    }),
    { numRuns: runs(200) },
  );
});

Deno.test("nested PID namespaces: a pid per level, NSpid-style numbers, inner kill of an outer pid is ESRCH", async () => {
  const seen: number[][] = [];
  const box: { k?: Kernel } = {};
  const leaf: BuiltinMain = async (sys) => {
    for (const p of box.k!.procs.values()) if (p.comm === "leaf") seen.push([...p.pid.numbers]);
    await say(sys, `leaf ${sys.getpid()} ${sys.getppid()} ${sys.kill(99, 0) === Errno.ESRCH}\n`);
    return 0;
  };
  const mid: BuiltinMain = async (sys) => {
    const c = await sys.spawn({ path: "leaf", argv: ["leaf"], cloneFlags: CLONE.NEWPID });
    const r = await sys.wait4(c, 0);
    await say(sys, `mid ${sys.getpid()} child ${c} ${typeof r === "number" ? r : r.pid}\n`);
    return 0;
  };
  const top: BuiltinMain = async (sys) => {
    const c = await sys.spawn({ path: "mid", argv: ["mid"], cloneFlags: CLONE.NEWPID });
    await sys.wait4(c, 0);
    return 0;
  };
  const k = new Kernel({ builtins: { leaf, mid, top } });
  box.k = k;
  try {
    for (let i = 0; i < 98; i++) {
      await k.spawn({ argv: ["x"], program: () => Promise.resolve(0) });
    }
    const h = await k.spawn({ argv: ["top"], cloneFlags: CLONE.NEWPID });
    const out = await new Response(h.stdout).text();
    assertEquals(out, "leaf 1 0 true\nmid 1 child 2 2\n");
    assertEquals(seen, [[101, 3, 2, 1]]);
    assertEquals(k.procs.size, 0, "everything reaped");
  } finally {
    await k.shutdown();
  }
});
