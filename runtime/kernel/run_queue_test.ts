import { deepEqual, equal } from "node:assert/strict";
import { fc, runs } from "../../tests/_property.ts";
import { type Queueable, RunQueue } from "./run_queue.ts";

const entity = (vruntime: number): Queueable & { name: string } => ({
  name: String(vruntime),
  vruntime,
  slot: -1,
  rqSeq: 0,
});

Deno.test("run queue: lowest vruntime first, ties in queueing order, re-queueing goes last", () => {
  const q = new RunQueue<Queueable & { name: string }>();
  const a = { ...entity(5), name: "a" };
  const b = { ...entity(5), name: "b" };
  const c = { ...entity(3), name: "c" };
  q.add(a);
  q.add(b);
  q.add(c);
  q.add(a); // already queued: keeps its place
  equal(q.size, 3);
  equal(q.min(), c);
  q.delete(c);
  equal(q.min(), a, "a was queued before b");
  q.delete(a);
  q.add(a);
  equal(q.min(), b, "a re-queued after b");
  equal(q.delete(c), false);
  deepEqual([...q].map((e) => e.name).sort(), ["a", "b"]);
});

Deno.test("run queue: an entity queued in one queue is not in another", () => {
  const q1 = new RunQueue<Queueable>();
  const q2 = new RunQueue<Queueable>();
  const x = entity(1);
  const y = entity(2);
  q1.add(x);
  q2.add(y);
  equal(q2.has(x), false, "same slot number, other queue");
  equal(q2.delete(x), false);
  equal(q1.has(x), true);
});

Deno.test("run queue: any sequence of adds and deletes matches a reference model", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 7 })), { maxLength: 80 }),
      (ops) => {
        const items = Array.from({ length: 8 }, (_, i) => entity(i % 3));
        const q = new RunQueue<Queueable & { name: string }>();
        const model: (Queueable & { name: string })[] = [];
        for (const [add, i] of ops) {
          const e = items[i]!;
          if (add) {
            if (!model.includes(e)) model.push(e);
            q.add(e);
          } else {
            const at = model.indexOf(e);
            equal(q.delete(e), at >= 0);
            if (at >= 0) model.splice(at, 1);
          }
          equal(q.size, model.length);
          let best: (Queueable & { name: string }) | null = null;
          for (const m of model) if (!best || m.vruntime < best.vruntime) best = m;
          equal(q.min(), best, "lowest vruntime, first queued among equals");
        }
      },
    ),
    { numRuns: runs(300) },
  );
});
