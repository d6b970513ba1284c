import assert from "node:assert/strict";
import { IgnoreMatcher } from "./dockerignore.ts";

const m = (text: string) => IgnoreMatcher.parse(text);

Deno.test("excludes() uses Go filepath.Match: * and ? never cross a slash", () => {
  const x = m("*.txt\na?c\n");
  assert.ok(x.excludes("a.txt"));
  assert.ok(!x.excludes("dir/a.txt"), "* only matches in the root");
  assert.ok(x.excludes("abc"));
  assert.ok(!x.excludes("abbc"));
  assert.ok(!x.excludes("a/c"));
});

Deno.test("excludes() matches a path when one of its parent directories matches", () => {
  const x = m("build\nsrc/*/gen\n");
  assert.ok(x.excludes("build"));
  assert.ok(x.excludes("build/out/a.o"));
  assert.ok(x.excludes("src/x/gen/file.ts"));
  assert.ok(!x.excludes("src/gen/file.ts"));
  assert.ok(!x.excludes("buildx"));
});

Deno.test("** matches any number of directories including none", () => {
  const x = m("**/*.log\ncache/**\na/**/z\n");
  assert.ok(x.excludes("x.log"));
  assert.ok(x.excludes("deep/er/x.log"));
  assert.ok(x.excludes("cache/a/b"));
  assert.ok(x.excludes("a/z"));
  assert.ok(x.excludes("a/b/c/z"));
  assert.ok(!x.excludes("b/z"));
  assert.ok(m("**").excludes("anything/at/all"));
});

Deno.test("! exceptions re-include and the last matching line wins", () => {
  const x = m("*.md\n!README*.md\nREADME-secret.md\n");
  assert.ok(x.excludes("CHANGES.md"));
  assert.ok(!x.excludes("README.md"));
  assert.ok(x.excludes("README-secret.md"));
  assert.ok(x.hasExceptions);
});

Deno.test("comments, blank lines, whitespace, leading slash and ./ are cleaned", () => {
  const x = m("# comment\n\n  /dist  \n./tmp/../tmp2\n \t\n");
  assert.ok(x.excludes("dist/a"));
  assert.ok(x.excludes("tmp2"));
  assert.ok(!x.excludes("# comment"));
  assert.ok(m("").empty);
});

Deno.test("character classes, negated classes and escapes", () => {
  const x = m("file[0-9].txt\nlog[!a].txt\nweird\\*name\n");
  assert.ok(x.excludes("file5.txt"));
  assert.ok(!x.excludes("filex.txt"));
  assert.ok(x.excludes("logb.txt"));
  assert.ok(!x.excludes("loga.txt"));
  assert.ok(x.excludes("weird*name"));
  assert.ok(!x.excludes("weirdXname"));
  assert.ok(m("a.b").excludes("a.b") && !m("a.b").excludes("axb"), "dots are literal");
});

Deno.test("canSkipDir() is false when an exception may re-include something inside", () => {
  assert.ok(m("node_modules").canSkipDir("node_modules"));
  assert.ok(!m("docs\n!docs/keep.md").canSkipDir("docs"));
  assert.ok(!m("docs\n!**/keep.md").canSkipDir("docs"));
  assert.ok(m("docs\n!src/keep.md").canSkipDir("docs"));
  assert.ok(!m("docs").canSkipDir("src"));
});
