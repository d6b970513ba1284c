import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { fc, runs } from "../../tests/_property.ts";
import { Errno } from "./errno.ts";
import type { BuiltinMain } from "./executor.ts";
import { Kernel } from "./kernel.ts";
import { minimalRoot } from "./minimal_root.ts";
import { SIG } from "./signals.ts";
import { AT, CLONE, O } from "./syscalls/api.ts";
import type { FsState } from "./vfs/fs_state.ts";

type Op =
  | { op: "mount"; dir: string; bytes: number }
  | { op: "umount"; dir: string }
  | { op: "spawn"; newns: boolean }
  | { op: "unshare" }
  | { op: "exit" };

interface Step {
  who: number;
  what: Op;
}

const step: fc.Arbitrary<Step> = fc.record({
  who: fc.nat(),
  what: fc.oneof(
    fc.record({
      op: fc.constant("mount" as const),
      dir: fc.constantFrom("/m1", "/m2"),
      bytes: fc.integer({ min: 1, max: 150_000 }),
    }),
    fc.record({ op: fc.constant("umount" as const), dir: fc.constantFrom("/m1", "/m2") }),
    fc.record({ op: fc.constant("spawn" as const), newns: fc.boolean() }),
    fc.record({ op: fc.constant("unshare" as const) }),
    fc.record({ op: fc.constant("exit" as const) }),
  ),
});

/** A kernel whose "node" processes run the commands the test posts to them. */
function harness() {
  const inbox = new Map<number, { what: Op; done: (r: number) => void }>();
  const node: BuiltinMain = async (sys) => {
    sys.sigaction(SIG.USR1, () => {});
    const me = sys.getpid();
    for (;;) {
      const job = inbox.get(me);
      if (!job) {
        await sys.pause();
        continue;
      }
      inbox.delete(me);
      const w = job.what;
      switch (w.op) {
        case "mount": {
          const made = sys.mkdirat(AT.FDCWD, w.dir, 0o755);
          if (made !== 0 && made !== Errno.EEXIST) return job.done(made), 1;
          const r = sys.mount("tmpfs", w.dir, "tmpfs", 0, "");
          if (r !== 0) return job.done(r), 1;
          const fd = await sys.openat(AT.FDCWD, `${w.dir}/f`, O.WRONLY | O.CREAT, 0o644);
          if (typeof fd !== "number" || fd < 0) return job.done(-1), 1;
          await sys.write(fd, new Uint8Array(w.bytes));
          sys.close(fd);
          job.done(0);
          break;
        }
        case "umount":
          job.done(sys.umount2(w.dir, 2));
          break;
        case "spawn": {
          const pid = await sys.spawn({
            path: "node",
            argv: ["node"],
            cloneFlags: w.newns ? CLONE.NEWNS : 0,
          });
          job.done(typeof pid === "number" ? pid : -1);
          break;
        }
        case "unshare":
          job.done(sys.unshare(CLONE.NEWNS));
          break;
        case "exit":
          job.done(0);
          return 0;
      }
    }
  };
  const k = new Kernel({ builtins: { node } });
  const post = (pid: number, what: Op): Promise<number> => {
    const p = new Promise<number>((done) => inbox.set(pid, { what, done }));
    // A node that has not run yet finds the job when it starts (before its handler exists
    // a USR1 would kill it).
    const proc = k.procs.get(pid);
    if (proc?.handlers.has(SIG.USR1)) k.sendSignal(proc, SIG.USR1);
    return p;
  };
  return { k, post };
}

async function untilDead(k: Kernel, pid: number): Promise<void> {
  for (let i = 0; i < 1000 && k.procs.get(pid)?.alive; i++) {
    await new Promise((r) => setTimeout(r, 1));
  }
}

Deno.test("property: tmpfs mounts stay alive while a live namespace mounts them, and all memory is back once every process exited", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(step, { maxLength: 24 }), async (steps) => {
      const { k, post } = harness();
      try {
        k.cgroups.create("/c");
        const first = await k.spawn({
          argv: ["node"],
          cgroup: "/c",
          fs: minimalRoot(k),
          cloneFlags: CLONE.NEWNS,
          stdout: "null",
          stderr: "null",
        });
        const live: number[] = [first.process.id];
        for (const s of steps) {
          if (live.length === 0) break;
          const pid = live[s.who % live.length]!;
          const r = await post(pid, s.what);
          if (s.what.op === "spawn" && r > 0) live.push(r);
          if (s.what.op === "exit") {
            live.splice(live.indexOf(pid), 1);
            await untilDead(k, pid);
          }
          if (s.what.op === "mount") assertEquals(r, 0);
          // No live process sees a destroyed file system.
          for (const q of live) {
            const p = k.procs.get(q)!;
            const ns = (p.fs as FsState).mountNs;
            for (const m of ns.list()) {
              ok(!k.mountNamespaces.isDestroyed(m.fs), `pid ${q} sees a destroyed ${m.fs.type}`);
            }
          }
        }
        for (const q of live) {
          const p = k.procs.get(q);
          if (p?.alive) k.sendSignal(p, SIG.KILL);
        }
        for (const q of live) await untilDead(k, q);
        assertEquals(Number(k.cgroups.readFile("/c", "memory.current")), 0);
      } finally {
        await k.shutdown();
      }
    }),
    { numRuns: runs(20) },
  );
});
