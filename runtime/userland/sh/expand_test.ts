import assert from "node:assert/strict";
import { fc, runs } from "../../../tests/_property.ts";
import type { Word } from "./ast.ts";
import { type ExpandContext, expandWord } from "./expand.ts";
import { parseScript } from "./parser.ts";

function ctx(vars: Record<string, string>): ExpandContext {
  return {
    lookup: (n) => vars[n],
    assign: (n, v) => void (vars[n] = v),
    positional: () => [],
    commandSubst: () => Promise.resolve(""),
    arith: (t) => t,
    glob: () => Promise.resolve([]),
    home: () => "/root",
    nounset: () => false,
    noglob: () => true,
    fail: (m) => {
      throw new Error(m);
    },
  };
}

function word(src: string): Word {
  const cmd = parseScript(`: ${src}`).items[0]!.first.cmds[0]!;
  if (cmd.type !== "simple") throw new Error("not simple");
  return cmd.words[1]!;
}

Deno.test("expandWord() splits fields by IFS as POSIX says", async () => {
  assert.deepEqual(await expandWord(word("$x"), ctx({ x: "  a  b  " })), ["a", "b"]);
  assert.deepEqual(await expandWord(word("$x"), ctx({ x: "a::b:", IFS: ":" })), ["a", "", "b"]);
  assert.deepEqual(await expandWord(word("$x"), ctx({ x: " a : b ", IFS: " :" })), ["a", "b"]);
  assert.deepEqual(await expandWord(word('"$x"'), ctx({ x: " a " })), [" a "]);
  assert.deepEqual(await expandWord(word("$x"), ctx({ x: "a b", IFS: "" })), ["a b"]);
  assert.deepEqual(await expandWord(word("$x"), ctx({ x: "" })), []);
  assert.deepEqual(await expandWord(word('$x""'), ctx({ x: "" })), [""]);
});

Deno.test("expandWord() fast path for a lone expansion splits like the general one (property)", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.constantFrom("a", "b", " ", "\t", "\n", ":", ","), { maxLength: 12 }).map((a) =>
        a.join("")
      ),
      fc.constantFrom(undefined, " ", ":", " :", ",:", "", " \t\n"),
      async (x, ifs) => {
        const vars: Record<string, string> = { x, e: "" };
        if (ifs !== undefined) vars.IFS = ifs;
        const fast = await expandWord(word("$x"), ctx(vars));
        const general = await expandWord(word("$x$e"), ctx(vars));
        assert.deepEqual(fast, general, JSON.stringify({ x, ifs }));
      },
    ),
    { numRuns: runs(2000) },
  );
});
