import assert from "node:assert/strict";
import { TestMachine } from "./_test_run.ts";

const PTS = "mount -t devtmpfs dev /dev && mount -t devpts devpts /dev/pts && ";

Deno.test("script -c runs the command on a new pseudo-terminal: tty names /dev/pts/0, output is logged", async () => {
  const m = new TestMachine();
  const r = await m.run(["sh", "-c", PTS + "script -qc 'tty; echo hi' /tmp/log; cat /tmp/log"]);
  assert.equal(r.stderr, "");
  assert.equal(r.stdout, "/dev/pts/0\r\nhi\r\n/dev/pts/0\r\nhi\r\n");
});

Deno.test("script: stdin is typed on the terminal (echoed), -e returns the command's status", async () => {
  const m = new TestMachine();
  const r = await m.run(
    ["sh", "-c", PTS + "script -qe -c 'read x; echo got $x; exit 4' /dev/null"],
    { stdin: "abc\n" },
  );
  assert.equal(r.code, 4);
  assert.equal(r.stdout, "abc\r\ngot abc\r\n");
  const plain = await m.run(["sh", "-c", PTS + "script -c true /tmp/t"]);
  assert.equal(plain.stdout, "Script started, output log file is '/tmp/t'.\nScript done.\n");
  const nopty = await m.run(["script", "-qc", "true", "/dev/null"]);
  assert.equal(nopty.code, 1);
  assert.match(nopty.stderr, /failed to create pseudo-terminal/);
});
