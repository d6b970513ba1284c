import assert from "node:assert/strict";
import { fc, runs } from "../_property.ts";
import { summarize } from "./_harness.ts";

Deno.test("summarize() orders p10 ≤ median ≤ p90 within the samples, for any count", () => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1 }), (xs) => {
      const st = summarize(xs);
      const min = Math.min(...xs);
      const max = Math.max(...xs);
      assert.equal(st.samples, xs.length);
      assert.ok(min <= st.p10 && st.p10 <= st.median, JSON.stringify(st));
      assert.ok(st.median <= st.p90 && st.p90 <= max, JSON.stringify(st));
    }),
    { numRuns: runs(200) },
  );
});

Deno.test("summarize() of two samples: the median is their mean and p90 is near the larger", () => {
  const st = summarize([21, 4.7]);
  assert.ok(Math.abs(st.median - 12.85) < 1e-9, `median ${st.median}`);
  assert.ok(st.p90 > 19 && st.p90 <= 21, `p90 ${st.p90}`);
  assert.ok(st.p10 >= 4.7 && st.p10 < 7, `p10 ${st.p10}`);
  const three = summarize([3, 1, 2]);
  assert.equal(three.median, 2);
  assert.ok(Math.abs(three.p10 - 1.2) < 1e-9 && Math.abs(three.p90 - 2.8) < 1e-9);
});
