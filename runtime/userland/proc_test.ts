import assert from "node:assert/strict";
import { TestMachine } from "./_test_run.ts";
import { CLONE } from "../kernel/syscalls/api.ts";

Deno.test("ps -ef lists the namespace's processes from /proc", async () => {
  const m = new TestMachine();
  const r = await m.run(["sh", "-c", "sleep 5 & ps -ef; kill $!"], { cloneFlags: CLONE.NEWPID });
  const lines = r.stdout.trimEnd().split("\n");
  assert.match(lines[0]!, /^UID +PID +PPID +C +STIME +TTY +TIME +CMD$/);
  assert.ok(
    lines.some((l) => /^root +1 +0 +\d+ +\d\d:\d\d +\? +00:00:00 sh -c /.test(l)),
    r.stdout,
  );
  assert.ok(lines.some((l) => / sleep 5$/.test(l)), r.stdout);
  assert.ok(lines.some((l) => / ps -ef$/.test(l)), r.stdout);
  assert.equal(r.code, 0);
});

Deno.test("ps -o picks columns, -p filters, aux has BSD columns", async () => {
  const m = new TestMachine();
  const r = await m.run(["sh", "-c", "ps -o pid,comm,user -p 1"], { cloneFlags: CLONE.NEWPID });
  assert.equal(r.stdout, "PID COMMAND USER\n  1 sh      root\n");
  const aux = await m.run(["ps", "aux"], { cloneFlags: CLONE.NEWPID });
  assert.match(
    aux.stdout,
    /^USER +PID +%CPU +%MEM +VSZ +RSS TTY +STAT START +TIME COMMAND\nroot +1 /,
  );
  const bad = await m.run(["ps", "-o", "bogus"]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /unknown user-defined format specifier "bogus"/);
});

Deno.test("top -b -n 1 prints the summary and the process table", async () => {
  const m = new TestMachine();
  const r = await m.run(["top", "-b", "-n", "1"], { cloneFlags: CLONE.NEWPID });
  const lines = r.stdout.split("\n");
  assert.match(lines[0]!, /^top - \d\d:\d\d:\d\d up .* load average: /);
  assert.match(lines[1]!, /^Tasks: +1 total/);
  assert.match(lines[6]!, /^ +PID USER +PR +NI +VIRT +RES +SHR S +%CPU +%MEM +TIME\+ COMMAND$/);
  assert.match(lines[7]!, /^ +1 root .* top$/);
});

Deno.test("kill sends signals, -l lists names; errors name the pid", async () => {
  const m = new TestMachine();
  const r = await m.run(["sh", "-c", "sleep 10 & kill -s KILL $!; wait $!; echo status=$?"]);
  assert.equal(r.stdout, "status=137\n");
  const l = await m.run(["kill", "-l", "9"]);
  assert.equal(l.stdout, "KILL\n");
  assert.match(
    (await m.run(["kill", "-l"])).stdout,
    /^HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM STKFLT\n/,
  );
  const miss = await m.run(["kill", "99999"]);
  assert.equal(miss.stderr, "kill: (99999): No such process\n");
  assert.equal(miss.code, 1);
  assert.equal((await m.run(["kill", "-l", "TERM"])).stdout, "15\n");
});

Deno.test("pgrep and pkill match names in this PID namespace", async () => {
  const m = new TestMachine();
  const r = await m.run(
    [
      "sh",
      "-c",
      "sleep 10 & sleep 11 & pgrep -l sleep; pgrep -f '^sleep 11'; pkill -x sleep; wait; pgrep sleep; echo rc=$?",
    ],
    { cloneFlags: CLONE.NEWPID },
  );
  assert.equal(r.stdout, "2 sleep\n3 sleep\n3\nrc=1\n");
});

Deno.test("timeout kills a slow command with 124 and passes a fast one's status", async () => {
  const m = new TestMachine();
  const slow = await m.run(["timeout", "0.2", "sleep", "5"]);
  assert.equal(slow.code, 124);
  const fast = await m.run(["timeout", "5", "sh", "-c", "exit 3"]);
  assert.equal(fast.code, 3);
  const pres = await m.run(["timeout", "-s", "KILL", "--preserve-status", "0.1", "sleep", "5"]);
  assert.equal(pres.code, 137);
  const nf = await m.run(["timeout", "1", "nosuch"]);
  assert.equal(nf.code, 127);
});

Deno.test("nice runs the command at the adjusted value; ps and /proc show it", async () => {
  const m = new TestMachine();
  assert.equal((await m.run(["nice"])).stdout, "0\n");
  const r = await m.run(["nice", "-n", "5", "nice"]);
  assert.equal(r.stdout, "5\n", r.stderr);
  assert.equal((await m.run(["nice", "nice"])).stdout, "10\n", "default adjustment 10");
  const ps = await m.run([
    "nice",
    "-n",
    "7",
    "sh",
    "-c",
    "ps -o ni,pri,comm -p $$; cut -d' ' -f18,19 /proc/$$/stat",
  ]);
  assert.equal(ps.stdout, "NI PRI COMMAND\n 7  27 sh\n27 7\n", ps.stderr);
});
