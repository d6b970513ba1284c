import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { fc, runs } from "../../tests/_property.ts";
import { Cgroup, chargeMemory, chargePid, unchargeMemory, unchargePid } from "./cgroup.ts";

type Op = { kind: "charge" | "uncharge" | "fork" | "reap"; node: number; bytes: number };

Deno.test("hierarchical charging keeps every cgroup's usage = own + children's, within its limits", () => {
  fc.assert(
    fc.property(
      fc.array(fc.option(fc.integer({ min: 0, max: 4096 }), { nil: undefined }), {
        minLength: 7,
        maxLength: 7,
      }),
      fc.array(
        fc.record({
          kind: fc.constantFrom("charge", "uncharge", "fork", "reap"),
          node: fc.nat(6),
          bytes: fc.integer({ min: 1, max: 2048 }),
        }),
        { maxLength: 120 },
      ),
      (limits, ops: Op[]) => {
        // A tree: 0 root; 1,2 children of 0; 3,4 of 1; 5,6 of 2.
        const root = new Cgroup("", null);
        const nodes = [root];
        const parents = [-1, 0, 0, 1, 1, 2, 2];
        for (let i = 1; i < 7; i++) {
          const parent = nodes[parents[i]!]!;
          const g = new Cgroup(`g${i}`, parent);
          parent.children.set(g.name, g);
          nodes.push(g);
        }
        nodes.forEach((g, i) => {
          if (limits[i] !== undefined) {
            g.memoryMax = limits[i]!;
            g.pidsMax = Math.floor(limits[i]! / 512);
          }
        });
        const own = nodes.map(() => 0);
        const ownPids = nodes.map(() => 0);
        for (const op of ops) {
          const g = nodes[op.node]!;
          if (op.kind === "charge") {
            if (chargeMemory(g, op.bytes, "anon") === null) own[op.node]! += op.bytes;
          } else if (op.kind === "uncharge") {
            const n = Math.min(op.bytes, own[op.node]!);
            unchargeMemory(g, n, "anon");
            own[op.node]! -= n;
          } else if (op.kind === "fork") {
            if (chargePid(g) === null) ownPids[op.node]! += 1;
          } else if (ownPids[op.node]! > 0) {
            unchargePid(g);
            ownPids[op.node]! -= 1;
          }
          const subtree = (i: number): [number, number] => {
            let m = own[i]!, p = ownPids[i]!;
            parents.forEach((par, c) => {
              if (par === i) {
                const [cm, cp] = subtree(c);
                m += cm;
                p += cp;
              }
            });
            return [m, p];
          };
          nodes.forEach((n, i) => {
            const [m, p] = subtree(i);
            assertEquals(n.memoryCurrent, m);
            assertEquals(n.memoryStat.anon, m);
            assertEquals(n.pidsCurrent, p);
            ok(n.memoryCurrent <= n.memoryMax && n.pidsCurrent <= n.pidsMax);
            ok(n.memoryPeak >= n.memoryCurrent);
          });
        }
      },
    ),
    { numRuns: runs(300) },
  );
});
