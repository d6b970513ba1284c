import assert from "node:assert/strict";
import { fc, runs } from "../../../tests/_property.ts";
import type { Command } from "./ast.ts";
import { parseScript, ScriptReader, ShellSyntaxError } from "./parser.ts";

function firstCmd(src: string): Command {
  return parseScript(src).items[0]!.first.cmds[0]!;
}

Deno.test("parseScript() builds lists, and-or lists, pipelines and background items", () => {
  const s = parseScript("a | b && ! c || d & e; f\ng");
  assert.equal(s.items.length, 4);
  const first = s.items[0]!;
  assert.equal(first.first.cmds.length, 2);
  assert.deepEqual(first.rest.map((r) => r.op), ["&&", "||"]);
  assert.equal(first.rest[0]!.pipeline.bang, true);
  assert.equal(first.background, true);
});

Deno.test("parseScript() reads assignments, io numbers and redirections", () => {
  const c = firstCmd("A=1 B=x$y cmd arg 2>&1 >>log <in 3<>rw");
  assert.equal(c.type, "simple");
  if (c.type !== "simple") return;
  assert.deepEqual(c.assigns.map((a) => a.name), ["A", "B"]);
  assert.equal(c.words.length, 2);
  assert.deepEqual(c.redirs.map((r) => [r.fd, r.op]), [[2, ">&"], [1, ">>"], [0, "<"], [3, "<>"]]);
});

Deno.test("parseScript() reads here-documents, quoted and tab-stripped", () => {
  const c = firstCmd("cat <<EOF; cat <<-'X'\nhello $name\nEOF\n\tliteral $x\n\tX\n");
  assert.equal(c.type, "simple");
  const s = parseScript("cat <<EOF; cat <<-'X'\nhello $name\nEOF\n\tliteral $x\n\tX\n");
  const second = s.items[1]!.first.cmds[0]!;
  if (c.type !== "simple" || second.type !== "simple") return;
  const here = c.redirs[0]!.here!;
  assert.ok(here.parts.some((p) => p.type === "param"));
  assert.equal(second.redirs[0]!.hereQuoted, true);
  assert.deepEqual(second.redirs[0]!.here!.parts, [{
    type: "lit",
    text: "literal $x\n",
    quoted: true,
  }]);
});

Deno.test("parseScript() parses compound commands and functions", () => {
  const src = `
f() { echo "$@"; }
if a; then b; elif c; then d; else e; fi
while x; do y; done
until x; do y; done
for i in 1 2 3; do echo $i; done
for j do :; done
case $v in (a|b) x;; c*) y ;; *) ;; esac
( sub ) > out
{ grp; } 2>/dev/null
`;
  const types = parseScript(src).items.map((i) => i.first.cmds[0]!.type);
  assert.deepEqual(types, [
    "func",
    "if",
    "while",
    "while",
    "for",
    "for",
    "case",
    "subshell",
    "group",
  ]);
});

Deno.test("parseScript() nests $( ) with case arms and backquotes", () => {
  const c = firstCmd("echo $(case x in x) echo y;; esac) `echo \\`echo z\\``");
  if (c.type !== "simple") throw new Error("not simple");
  assert.equal(c.words[1]!.parts[0]!.type, "cmdsub");
  assert.equal(c.words[2]!.parts[0]!.type, "cmdsub");
});

Deno.test("parseScript() tells $(( )) arithmetic from $( ( ) ) subshells", () => {
  const a = firstCmd("echo $((1 + (2 * 3)))");
  const b = firstCmd("echo $( (echo hi) )");
  if (a.type !== "simple" || b.type !== "simple") throw new Error("not simple");
  assert.equal(a.words[1]!.parts[0]!.type, "arith");
  assert.equal(b.words[1]!.parts[0]!.type, "cmdsub");
});

Deno.test("parseScript() reports errors in dash's words, marking unfinished input", () => {
  assert.throws(
    () => parseScript("if true; then"),
    (e) => e instanceof ShellSyntaxError && e.incomplete,
  );
  assert.throws(
    () => parseScript("echo 'open"),
    (e) => e instanceof ShellSyntaxError && e.incomplete,
  );
  assert.throws(
    () => parseScript("fi"),
    (e) => e instanceof ShellSyntaxError && e.message === '"fi" unexpected' && !e.incomplete,
  );
  assert.throws(() => parseScript("a &&"), (e) => e instanceof ShellSyntaxError && e.incomplete);
  assert.throws(() => parseScript("echo ${x"), ShellSyntaxError);
});

Deno.test("ScriptReader reads one complete command at a time", () => {
  const r = new ScriptReader("echo a; echo b\ncat <<E\nbody\nE\necho c");
  assert.equal(r.next()!.items.length, 2);
  assert.equal(r.endedWithNewline, true);
  assert.equal(r.next()!.items.length, 1);
  assert.equal(r.next()!.items.length, 1);
  assert.equal(r.endedWithNewline, false);
  assert.equal(r.next(), undefined);
  const partial = new ScriptReader("cat <<E\nbody\n", 1, false);
  assert.throws(() => partial.next(), (e) => e instanceof ShellSyntaxError && e.incomplete);
});

Deno.test("parseScript() on hostile input only ever throws ShellSyntaxError (property)", () => {
  const alphabet = fc.constantFrom(
    ..."abc $(){}[]|&;<>'\"`\\\n\t#=*?~-:+%!0123456789".split(""),
    "if ",
    "then ",
    "fi",
    "case ",
    " in ",
    "esac",
    "<<EOF\n",
    "EOF\n",
    "${",
    "$((",
    "))",
    ";;",
    "do ",
    "done",
  );
  fc.assert(
    fc.property(fc.array(alphabet, { maxLength: 40 }).map((a) => a.join("")), (src) => {
      try {
        parseScript(src);
      } catch (e) {
        if (!(e instanceof ShellSyntaxError)) throw e;
      }
    }),
    { numRuns: runs(3000) },
  );
});
