import assert from "node:assert/strict";
import { TestMachine } from "./_test_run.ts";

Deno.test("flock: a second flock -n on a held file gives up with 1; a blocking one runs after", async () => {
  const m = new TestMachine();
  const r = await m.run([
    "sh",
    "-c",
    "flock /tmp/l sh -c 'touch /tmp/held; sleep 0.3; echo first' & " +
    "until test -e /tmp/held; do sleep 0.02; done; " +
    "flock -n /tmp/l echo no || echo busy $?; flock -s /tmp/l echo second; wait",
  ]);
  assert.equal(r.stderr, "");
  assert.equal(r.stdout, "busy 1\nfirst\nsecond\n");
});

Deno.test("flock: -E sets the conflict code, -w gives up after a while, -c runs a command line", async () => {
  const m = new TestMachine();
  const r = await m.run([
    "sh",
    "-c",
    "flock /tmp/l sh -c 'touch /tmp/held2; sleep 1' & " +
    "until test -e /tmp/held2; do sleep 0.02; done; flock -E 7 -n /tmp/l true; echo $?; " +
    "flock -w 0.05 /tmp/l true; echo $?; flock /tmp/l -c 'echo got it'; wait",
  ]);
  assert.equal(r.stdout, "7\n1\ngot it\n");
});

Deno.test("flock FD locks a descriptor the shell opened; usage errors exit 64", async () => {
  const m = new TestMachine();
  const r = await m.run([
    "sh",
    "-c",
    "( flock -n 9 && echo locked 9; flock -u 9 && echo unlocked ) 9>/tmp/fdlock",
  ]);
  assert.equal(r.stdout, "locked 9\nunlocked\n");
  const bad = await m.run(["flock"]);
  assert.equal(bad.code, 64);
  assert.match(bad.stderr, /requires file path/);
  const missing = await m.run(["flock", "/nodir/x", "true"]);
  assert.equal(missing.code, 66);
});

Deno.test("flock: /proc/locks shows the held lock with the holder's pid", async () => {
  const m = new TestMachine();
  const r = await m.run(["sh", "-c", "flock -s /tmp/l cat /proc/locks; cat /proc/locks"]);
  assert.match(
    r.stdout,
    /^1: FLOCK {2}ADVISORY {2}READ {2}[1-9]\d* [0-9a-f]{2}:[0-9a-f]{2}:\d+ 0 EOF\n$/,
  );
});
