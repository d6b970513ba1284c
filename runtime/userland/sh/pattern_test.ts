import assert from "node:assert/strict";
import { hasMagic, matchPattern, trimPattern } from "./pattern.ts";
import { fc } from "../../../tests/_property.ts";

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
