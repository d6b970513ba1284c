import assert from "node:assert/strict";
import {
  expandWord,
  expandWords,
  ExpansionError,
  referencedVariables,
  splitRawWords,
} from "./shell_lex.ts";

const env = new Map([["A", "1"], ["EMPTY", ""], ["P", "80 443"], ["HOME", "/root"]]);

Deno.test("expandWord() substitutes $VAR and ${VAR}", () => {
  assert.equal(expandWord("$A-${A}x", env), "1-1x");
  assert.equal(expandWord("$NOPE.", env), ".");
  assert.equal(expandWord("cost $", env), "cost $");
  assert.equal(expandWord("$1", env), "$1");
});

Deno.test("expandWord() applies :- :+ - + modifiers like a POSIX shell", () => {
  assert.equal(expandWord("${NOPE:-d}", env), "d");
  assert.equal(expandWord("${EMPTY:-d}", env), "d");
  assert.equal(expandWord("${EMPTY-d}", env), "");
  assert.equal(expandWord("${A:-d}", env), "1");
  assert.equal(expandWord("${A:+set}", env), "set");
  assert.equal(expandWord("${EMPTY:+set}", env), "");
  assert.equal(expandWord("${EMPTY+set}", env), "set");
  assert.equal(expandWord("${NOPE:-$HOME/x}", env), "/root/x");
  assert.throws(() => expandWord("${NOPE:?must be set}", env), ExpansionError);
  assert.throws(() => expandWord("${A", env), ExpansionError);
});

Deno.test("expandWord() honours quotes and the escape character", () => {
  assert.equal(expandWord("'$A'", env), "$A");
  assert.equal(expandWord('"$A b"', env), "1 b");
  assert.equal(expandWord("\\$A", env), "$A");
  assert.equal(expandWord('"\\$A \\"q\\""', env), '$A "q"');
  assert.equal(expandWord("`$A", env, "`"), "$A");
  assert.equal(expandWord("C:\\dir", env, "`"), "C:\\dir");
  assert.throws(() => expandWord("'open", env), ExpansionError);
});

Deno.test("expandWords() splits on unquoted whitespace and unquoted expansions", () => {
  assert.deepEqual(expandWords('$P "a b" \'c d\' ""', env), ["80", "443", "a b", "c d", ""]);
  assert.deepEqual(expandWords('"$P"', env), ["80 443"]);
  assert.deepEqual(expandWords("  x   y ", env), ["x", "y"]);
});

Deno.test("referencedVariables() lists every variable a text uses", () => {
  assert.deepEqual([...referencedVariables("$A ${B:-$C} '$D'")], ["A", "B", "C"]);
});

Deno.test("splitRawWords() keeps quotes and escapes as written", () => {
  assert.deepEqual(splitRawWords("a=\"x y\" b=\\ c 'd e'"), ['a="x y"', "b=\\ c", "'d e'"]);
});
