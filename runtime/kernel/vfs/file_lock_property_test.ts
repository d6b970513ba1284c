import assert from "node:assert/strict";
import { fc, runs } from "../../../tests/_property.ts";
import { listLocks, type LockTarget, setPosix } from "./file_lock.ts";
import type { Task } from "../task.ts";

/** Bytes 0..N-1, plus byte N standing for "N and beyond" (a lock of length 0 reaches it). */
const N = 12;

type Cell = "-" | "R" | "W";

const stubTask = (id: number): Task => ({
  id,
  nsPid: id,
  cred: { uid: 0, gid: 0, euid: 0, egid: 0, groups: [] },
  fs: null,
  ipc: null,
  memory: { tryCharge: () => true, uncharge: () => {} },
  block: () => Promise.reject(new Error("F_SETLK never sleeps")),
  signal: () => {},
});

let nextIno = 1;

Deno.test("fcntl locks: any F_SETLK sequence leaves each owner's locks as a byte-by-byte model says, merged", () => {
  const op = fc.record({
    who: fc.integer({ min: 0, max: 2 }),
    type: fc.integer({ min: 0, max: 2 }),
    start: fc.integer({ min: 0, max: N - 1 }),
    len: fc.integer({ min: 0, max: N }),
  });
  fc.assert(
    fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
      const ino = nextIno++;
      const owners = [{}, {}, {}];
      const tasks = [stubTask(1), stubTask(2), stubTask(3)];
      const model: Cell[][] = owners.map(() => Array<Cell>(N + 1).fill("-"));
      for (const o of ops) {
        const end = o.len === 0 ? Infinity : Math.min(N, o.start + o.len);
        const last = o.len === 0 ? N : end - 1;
        const t: LockTarget = { key: `prop:${ino}`, dev: 999, ino, task: tasks[o.who]! };
        const r = setPosix(t, owners[o.who]!, { type: o.type, start: o.start, end }, false);
        let conflict = false;
        for (let b = o.start; b <= last; b++) {
          for (let w = 0; w < owners.length; w++) {
            if (w === o.who) continue;
            const c = model[w]![b]!;
            if (c === "W" || (c === "R" && o.type === 1)) conflict = true;
          }
        }
        if (o.type === 2) conflict = false;
        assert.equal(r, conflict ? -11 : 0);
        if (!conflict) {
          for (let b = o.start; b <= last; b++) {
            model[o.who]![b] = o.type === 2 ? "-" : o.type === 1 ? "W" : "R";
          }
        }
      }
      const rows = listLocks().filter((r) => r.dev === 999 && r.ino === ino);
      for (let w = 0; w < owners.length; w++) {
        const mine = rows.map((r) => r.lock).filter((l) => l.owner === owners[w])
          .sort((a, b) => a.start - b.start);
        const seen: Cell[] = Array<Cell>(N + 1).fill("-");
        for (const l of mine) {
          for (let b = l.start; b < Math.min(l.end, N + 1); b++) seen[b] = l.exclusive ? "W" : "R";
        }
        assert.deepEqual(seen.join(""), model[w]!.join(""));
        // Merged: no two locks of one owner overlap, and touching ones differ in type.
        for (let i = 1; i < mine.length; i++) {
          const a = mine[i - 1]!, b = mine[i]!;
          assert.ok(a.end <= b.start, "no overlap");
          if (a.end === b.start) {
            assert.notEqual(a.exclusive, b.exclusive, "touching same-type merged");
          }
        }
      }
      // Leave the table clean for the next case.
      for (let w = 0; w < owners.length; w++) {
        const t: LockTarget = { key: `prop:${ino}`, dev: 999, ino, task: tasks[w]! };
        setPosix(t, owners[w]!, { type: 2, start: 0, end: Infinity }, false);
      }
      assert.equal(listLocks().filter((r) => r.ino === ino && r.dev === 999).length, 0);
    }),
    { numRuns: runs(200) },
  );
});
