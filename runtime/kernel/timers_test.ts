import { deepEqual, equal, ok } from "node:assert/strict";
import { fc, runs } from "../../tests/_property.ts";
import type { BuiltinMain } from "./executor.ts";
import { Kernel } from "./kernel.ts";
import { clearKernelTimeout, runDueTimers, setKernelTimeout } from "./timers.ts";

Deno.test("kernel timers: a dispatch fires the due ones in deadline order, each once, never early", async () => {
  const fired: string[] = [];
  const now = performance.now();
  const late = setKernelTimeout(() => fired.push("late"), 60_000);
  const b = setKernelTimeout(() => fired.push("b"), 20);
  const a = setKernelTimeout(() => fired.push("a"), 10);
  runDueTimers(now);
  deepEqual(fired, [], "nothing is due yet");
  runDueTimers(now + 1_000);
  deepEqual(fired, ["a", "b"]);
  // The host timers were cancelled: waiting past them fires nothing again.
  await new Promise((r) => setTimeout(r, 40));
  deepEqual(fired, ["a", "b"]);
  clearKernelTimeout(late);
  clearKernelTimeout(a); // already fired: no-op
  runDueTimers(now + 120_000);
  deepEqual(fired, ["a", "b"], "a cancelled timer never fires");
  equal(b.index, -1);
});

Deno.test("kernel timers: the host timer fires a timer when no dispatch comes", async () => {
  let fired = 0;
  const t0 = performance.now();
  let at = 0;
  await new Promise<void>((resolve) =>
    setKernelTimeout(() => {
      fired++;
      at = performance.now();
      resolve();
    }, 15)
  );
  equal(fired, 1);
  ok(at - t0 >= 15, `fired after ${at - t0} ms, not before the deadline`);
});

Deno.test("kernel timers: any mix of adds and cancels fires exactly the live timers, in order", () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ ms: fc.integer({ min: 0, max: 1000 }), cancel: fc.boolean() }), {
        maxLength: 60,
      }),
      (plan) => {
        const fired: number[] = [];
        const base = performance.now();
        const timers = plan.map((p, i) => setKernelTimeout(() => fired.push(i), 100_000 + p.ms));
        plan.forEach((p, i) => p.cancel && clearKernelTimeout(timers[i]));
        runDueTimers(base + 200_000);
        const live = plan.map((p, i) => ({ i, at: timers[i]!.at, cancel: p.cancel }))
          .filter((t) => !t.cancel);
        deepEqual(new Set(fired), new Set(live.map((t) => t.i)));
        for (let j = 1; j < fired.length; j++) {
          ok(timers[fired[j - 1]!]!.at <= timers[fired[j]!]!.at, "deadline order");
        }
        for (const t of timers) clearKernelTimeout(t);
      },
    ),
    { numRuns: runs(200) },
  );
});

Deno.test("a sleeper wakes on time while a spinner keeps the host from any turn (the dispatch is the tick)", async () => {
  // No host turns at all while something is runnable: only the scheduler's own tick can
  // end the sleep before the spinner is done.
  let wokeAt = 0;
  let spinEnd = 0;
  const sleeper: BuiltinMain = async (sys) => {
    await sys.nanosleep({ sec: 0, nsec: 5_000_000 });
    wokeAt = performance.now();
    return 0;
  };
  const spinner: BuiltinMain = async (sys) => {
    const end = performance.now() + 300;
    while (performance.now() < end) {
      const r = sys.sched_yield();
      if (r instanceof Promise) await r;
    }
    spinEnd = performance.now();
    return 0;
  };
  const k = new Kernel({ builtins: { sleeper, spinner }, ioTurnMs: 1e9, hostYieldMs: 1e9 });
  try {
    const s = await k.spawn({ argv: ["sleeper"], stdout: "null" });
    const p = await k.spawn({ argv: ["spinner"], stdout: "null" });
    await Promise.all([s.wait(), p.wait()]);
    ok(wokeAt > 0 && spinEnd > 0);
    ok(wokeAt < spinEnd - 100, `the sleeper woke ${spinEnd - wokeAt} ms before the spinner ended`);
  } finally {
    await k.shutdown();
  }
});
