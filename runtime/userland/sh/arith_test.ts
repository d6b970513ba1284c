import assert from "node:assert/strict";
import { fc, runs } from "../../../tests/_property.ts";
import { ArithError, evalArith } from "./arith.ts";

function vars(init: Record<string, string> = {}) {
  const m = new Map(Object.entries(init));
  return { m, get: (n: string) => m.get(n), set: (n: string, v: string) => void m.set(n, v) };
}

Deno.test("evalArith() follows C precedence and associativity", () => {
  const v = vars();
  assert.equal(evalArith("1 + 2 * 3", v), "7");
  assert.equal(evalArith("(1 + 2) * 3", v), "9");
  assert.equal(evalArith("10 - 4 - 3", v), "3");
  assert.equal(evalArith("2 << 3 | 1", v), "17");
  assert.equal(evalArith("1 < 2 == 1", v), "1");
  assert.equal(evalArith("7 & 3 ^ 1", v), "2");
  assert.equal(evalArith("-7 / 2", v), "-3");
  assert.equal(evalArith("-7 % 3", v), "-1");
  assert.equal(evalArith("!0 + ~0", v), "0");
  assert.equal(evalArith("1 ? 2 : 3", v), "2");
  assert.equal(evalArith("0 ? 2 : 0 ? 3 : 4", v), "4");
  assert.equal(evalArith("1, 2, 3", v), "3");
});

Deno.test("evalArith() reads and assigns variables, including ++ -- and op=", () => {
  const v = vars({ x: "5", h: "0x10", o: "010" });
  assert.equal(evalArith("x * 2", v), "10");
  assert.equal(evalArith("x++", v), "5");
  assert.equal(v.m.get("x"), "6");
  assert.equal(evalArith("--x", v), "5");
  assert.equal(evalArith("x += 10", v), "15");
  assert.equal(evalArith("x <<= 1", v), "30");
  assert.equal(evalArith("y = x % 7", v), "2");
  assert.equal(v.m.get("y"), "2");
  assert.equal(evalArith("h + o + 0x1f + 017", v), String(16 + 8 + 31 + 15));
  assert.equal(evalArith("unset_var + 1", v), "1");
  assert.throws(() => evalArith("", v), ArithError);
});

Deno.test("evalArith() short-circuits && || and ?: without side effects", () => {
  const v = vars({ x: "1" });
  assert.equal(evalArith("0 && (x = 5)", v), "0");
  assert.equal(evalArith("1 || (x = 5)", v), "1");
  assert.equal(evalArith("1 ? 0 : (x = 5)", v), "0");
  assert.equal(v.m.get("x"), "1");
});

Deno.test("evalArith() wraps at 64 bits like dash", () => {
  const v = vars();
  assert.equal(evalArith("9223372036854775807 + 1", v), "-9223372036854775808");
  assert.equal(evalArith("1 << 63", v), "-9223372036854775808");
});

Deno.test("evalArith() reports syntax errors and division by zero", () => {
  const v = vars({ s: "abc" });
  assert.throws(
    () => evalArith("1 / 0", v),
    (e) => e instanceof ArithError && e.message === "division by zero",
  );
  assert.throws(() => evalArith("1 +", v), ArithError);
  assert.throws(() => evalArith("(1", v), ArithError);
  assert.throws(() => evalArith("1 2", v), ArithError);
  assert.throws(() => evalArith("s + 1", v), ArithError);
});

Deno.test("evalArith() agrees with BigInt for + - * on small integers (property)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: -1e6, max: 1e6 }),
      fc.integer({ min: -1e6, max: 1e6 }),
      (a, b) => {
        const v = vars({ a: String(a), b: String(b) });
        assert.equal(
          evalArith("a + b * 3 - (a - b)", v),
          String(BigInt(a) + BigInt(b) * 3n - (BigInt(a) - BigInt(b))),
        );
      },
    ),
  );
});

Deno.test("evalArith() on hostile input only ever throws ArithError (property)", () => {
  const alphabet = fc.constantFrom(
    ..."0123456789xy+-*/%<>=!&|^~?:(), \t".split(""),
    "0x",
    "<<",
    "++",
  );
  fc.assert(
    fc.property(fc.array(alphabet, { maxLength: 30 }).map((a) => a.join("")), (src) => {
      try {
        evalArith(src, vars({ x: "3", y: "0" }));
      } catch (e) {
        if (!(e instanceof ArithError)) throw e;
      }
    }),
    { numRuns: runs(3000) },
  );
});
