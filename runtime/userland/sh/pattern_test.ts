import assert from "node:assert/strict";
import {
  codePointLength,
  hasMagic,
  matchPattern,
  patternToRegExp,
  trimPattern,
  unescapePattern,
} from "./pattern.ts";
import { fc, runs } from "../../../tests/_property.ts";

Deno.test("matchPattern() handles * ? brackets, classes, negation and escapes", () => {
  assert.ok(matchPattern("*.ts", "mod.ts"));
  assert.ok(!matchPattern("*.ts", "mod.tsx"));
  assert.ok(matchPattern("?", "a"));
  assert.ok(!matchPattern("?", ""));
  assert.ok(matchPattern("[a-c]x", "bx"));
  assert.ok(matchPattern("[!a-c]x", "dx"));
  assert.ok(matchPattern("[^a-c]x", "dx"));
  assert.ok(!matchPattern("[!a-c]x", "ax"));
  assert.ok(matchPattern("[[:digit:]][[:alpha:]]", "7z"));
  assert.ok(matchPattern("[]]", "]"));
  assert.ok(matchPattern("a\\*", "a*"));
  assert.ok(!matchPattern("a\\*", "ab"));
  assert.ok(matchPattern("[", "["));
  assert.ok(matchPattern("a.b", "a.b") && !matchPattern("a.b", "axb"));
  assert.ok(matchPattern("*", ".hidden"));
});

Deno.test("trimPattern() removes shortest and longest prefixes and suffixes", () => {
  const p = "/usr/local/lib/file.tar.gz";
  assert.equal(trimPattern(p, "*/", "#"), "usr/local/lib/file.tar.gz");
  assert.equal(trimPattern(p, "*/", "##"), "file.tar.gz");
  assert.equal(trimPattern(p, ".*", "%"), "/usr/local/lib/file.tar");
  assert.equal(trimPattern(p, ".*", "%%"), "/usr/local/lib/file");
  assert.equal(trimPattern("abc", "x", "#"), "abc");
});

Deno.test("hasMagic() ignores escaped specials", () => {
  assert.ok(hasMagic("a*"));
  assert.ok(!hasMagic("a\\*\\?\\["));
});

Deno.test("matchPattern() treats regex syntax characters literally", () => {
  for (const s of ["--name=x", "a-b", "(x)", "{a}", "a|b", "x+y", "$1", "^a", "a/b", "a.b"]) {
    assert.ok(matchPattern(s.replace(/[*?[\\]/g, "\\$&"), s), s);
    assert.ok(matchPattern(s + "*", s + "tail"), s);
  }
  assert.ok(matchPattern("[a-]", "-") && matchPattern("[-a]", "-") && !matchPattern("[a-c]", "-"));
});

Deno.test("matchPattern() matches any escaped string against itself (property)", () => {
  fc.assert(
    fc.property(fc.string(), (s) => {
      const escaped = s.replace(/[*?[\\]/g, "\\$&");
      return matchPattern(escaped, s) && matchPattern("*", s) &&
        matchPattern(escaped + "*", s + "x");
    }),
  );
});

/** trimPattern as a naive search over arrays of code points (the specification). */
function trimByCodePoints(text: string, pat: string, op: "#" | "##" | "%" | "%%"): string {
  const chars = Array.from(text);
  const n = chars.length;
  const prefix = (i: number) => chars.slice(0, i).join("");
  const suffix = (i: number) => chars.slice(i).join("");
  const order = op === "#" || op === "%%"
    ? Array.from({ length: n + 1 }, (_, i) => i)
    : Array.from({ length: n + 1 }, (_, i) => n - i);
  for (const i of order) {
    if (op[0] === "#" ? matchPattern(pat, prefix(i)) : matchPattern(pat, suffix(i))) {
      return op[0] === "#" ? suffix(i) : prefix(i);
    }
  }
  return text;
}

Deno.test("trimPattern() and codePointLength() agree with a search over code points, surrogates included (property)", () => {
  const alphabet = fc.constantFrom("a", "b", "/", ".", "\u{1F600}", "\uD83D", "\uDE00", "é");
  const text = fc.array(alphabet, { maxLength: 12 }).map((a) => a.join(""));
  const pat = fc.array(
    fc.constantFrom("a", "b", "*", "?", "[ab]", "\\*", ".", "\u{1F600}", "\uD83D", "\uDE00"),
    { maxLength: 4 },
  ).map((a) => a.join(""));
  const op = fc.constantFrom("#" as const, "##" as const, "%" as const, "%%" as const);
  fc.assert(
    fc.property(text, pat, op, (t, p, o) => {
      assert.equal(trimPattern(t, p, o), trimByCodePoints(t, p, o), `${o} ${p} on ${t}`);
      assert.equal(codePointLength(t), Array.from(t).length);
    }),
    { numRuns: runs(500) },
  );
});

Deno.test("matchPattern() of literal and * patterns (string search) agrees with the regex (property)", () => {
  const piece = fc.constantFrom(
    "a",
    "b",
    "ab",
    "*",
    "**",
    "\\*",
    "\\",
    "?",
    "[ab]",
    "\u{1F600}",
    "\uDE00",
  );
  const pat = fc.array(piece, { maxLength: 6 }).map((a) => a.join(""));
  const text = fc.array(fc.constantFrom("a", "b", "*", "\\", "\u{1F600}", "\uD83D", "\uDE00"), {
    maxLength: 10,
  }).map((a) => a.join(""));
  fc.assert(
    fc.property(pat, text, (p, t) => {
      const expected = hasMagic(p) ? patternToRegExp(p, false).test(t) : unescapePattern(p) === t;
      assert.equal(matchPattern(p, t), expected, `${p} on ${t}`);
    }),
    { numRuns: runs(1000) },
  );
});
