import assert from "node:assert/strict";
import { LineDiscipline } from "./tty_line.ts";

function harness() {
  const out = { lines: [] as string[], echo: "", interrupts: 0, eof: 0 };
  const ld = new LineDiscipline({
    input: (l) => out.lines.push(new TextDecoder().decode(l)),
    echo: (b) => (out.echo += new TextDecoder().decode(b)),
    interrupt: () => out.interrupts++,
    eof: () => out.eof++,
  });
  const type = (s: string) => ld.type(new TextEncoder().encode(s));
  return { out, type, ld };
}

Deno.test("LineDiscipline echoes, edits and delivers whole lines as a cooked tty", () => {
  const { out, type } = harness();
  type("ech");
  assert.deepEqual(out.lines, [], "nothing before Enter");
  type("o hi\x7f\x7fyo\r");
  assert.deepEqual(out.lines, ["echo yo\n"]);
  assert.equal(out.echo, "echo hi\b \b\b \byo\r\n");
  type("abc def\x17ghi\r");
  assert.deepEqual(out.lines.at(-1), "abc ghi\n", "^W erases a word");
  type("junk\x15ok\r");
  assert.deepEqual(out.lines.at(-1), "ok\n", "^U erases the line");
  type("é\x7f\r");
  assert.deepEqual(out.lines.at(-1), "\n", "backspace erases a whole UTF-8 character");
});

Deno.test("LineDiscipline: ^C interrupts and drops the line, ^D on an empty line is EOF", () => {
  const { out, type, ld } = harness();
  type("half");
  type("\x03");
  assert.equal(out.interrupts, 1);
  assert.equal(ld.pending, 0);
  type("\x04");
  assert.equal(out.eof, 1);
  type("partial\x04");
  assert.deepEqual(out.lines, ["partial"], "^D after text delivers it without a newline");
});
