import assert from "node:assert/strict";
import { runApplet, TestMachine } from "./_test_run.ts";
import { evalExpr } from "./expr.ts";
import { tac } from "./tac.ts";

Deno.test("expr evaluates arithmetic, comparisons, matches and string functions", async () => {
  assert.equal(evalExpr(["1", "+", "2", "*", "3"]), 7);
  assert.equal(evalExpr(["(", "1", "+", "2", ")", "*", "3"]), 9);
  assert.equal(evalExpr(["abc", ":", "a\\(.\\)"]), "b");
  assert.equal(evalExpr(["abcd", ":", ".*"]), 4);
  assert.equal(evalExpr(["length", "hello"]), 5);
  assert.equal(evalExpr(["substr", "hello", "2", "3"]), "ell");
  assert.equal(evalExpr(["10", "<", "9"]), 0);
  assert.equal(evalExpr(["b", ">", "a"]), 1);
  assert.equal(evalExpr(["", "|", "x"]), "x");
  const m = new TestMachine();
  assert.equal((await m.run(["expr", "3", "-", "3"])).code, 1);
  assert.equal((await m.run(["expr", "3", "-", "3"])).stdout, "0\n");
  const bad = await m.run(["expr", "1", "/", "0"]);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr, "expr: division by zero\n");
  assert.equal((await m.run(["expr", "a", "+", "1"])).stderr, "expr: non-integer argument\n");
});

Deno.test("which, printenv, mktemp, truncate, mkfifo, tty, arch", async () => {
  const m = new TestMachine({ "/f": "hello" });
  assert.equal((await m.run(["which", "ls", "nosuch"])).stdout, "/bin/ls\n");
  assert.equal((await m.run(["which", "nosuch"])).code, 1);
  assert.equal((await m.run(["printenv", "HOME"], { env: ["HOME=/root"] })).stdout, "/root\n");
  const t = await m.run([
    "sh",
    "-c",
    "d=$(mktemp -d) && test -d $d && f=$(mktemp) && test -f $f && echo $d $f",
  ]);
  assert.match(t.stdout, /^\/tmp\/tmp\.\w{10} \/tmp\/tmp\.\w{10}\n$/);
  assert.equal(
    (await m.run(["sh", "-c", "truncate -s 2 /f && cat /f && truncate -s +3 /f && wc -c < /f"]))
      .stdout,
    "he5\n",
  );
  assert.equal(
    (await m.run(["sh", "-c", "mkfifo /p && test -p /p && echo fifo"])).stdout,
    "fifo\n",
  );
  assert.equal((await m.run(["tty"])).stdout, "not a tty\n");
  assert.match((await m.run(["arch"])).stdout, /^\w+\n$/);
});

Deno.test("mknod makes character and block devices and FIFOs, with BusyBox's errors", async () => {
  const m = new TestMachine({});
  const made = await m.run([
    "sh",
    "-c",
    "mknod /c c 1 3 && mknod -m 666 /b b 8 17 && mknod /p p && stat -c '%n %F %t:%T %a' /c /b /p" +
    " && echo x > /c && wc -c < /c",
  ]);
  assert.equal(
    made.stdout,
    "/c character special file 1:3 644\n/b block special file 8:11 666\n/p fifo 0:0 644\n0\n",
    made.stderr,
  );
  const bad = await m.run(["sh", "-c", "mknod /x c 1; mknod /y p 1 2; mknod /z q; mknod /c c 1 3"]);
  assert.equal(
    bad.stderr,
    "mknod: Special files require major and minor device numbers.\n" +
      "Try 'mknod --help' for more information.\n" +
      "mknod: Fifos do not have major and minor device numbers.\n" +
      "Try 'mknod --help' for more information.\n" +
      "mknod: invalid device type 'q'\nTry 'mknod --help' for more information.\n" +
      "mknod: /c: File exists\n",
  );
});

Deno.test("tac, rev, nl, paste", async () => {
  assert.equal((await runApplet(tac, ["tac"], { stdin: "1\n2\n3\n" })).stdout, "3\n2\n1\n");
  const m = new TestMachine({ "/a": "1\n2\n", "/b": "x\ny\nz\n" });
  assert.equal((await m.run(["rev"], { stdin: "abc\n" })).stdout, "cba\n");
  assert.equal(
    (await m.run(["nl"], { stdin: "a\n\nb\n" })).stdout,
    "     1\ta\n       \n     2\tb\n",
  );
  assert.equal((await m.run(["paste", "/a", "/b"])).stdout, "1\tx\n2\ty\n\tz\n");
  assert.equal((await m.run(["paste", "-s", "-d,", "/b"])).stdout, "x,y,z\n");
});

Deno.test("install copies with a mode and -D creates parents; -d makes directories", async () => {
  const m = new TestMachine({ "/src/app": "#!/bin/sh\n" });
  const r = await m.run([
    "sh",
    "-c",
    "install -D -m 750 /src/app /opt/x/bin/app && stat -c '%a %s' /opt/x/bin/app && install -d -m 700 /var/lib/app && stat -c %a /var/lib/app",
  ]);
  assert.equal(r.stdout, "750 10\n700\n");
});

Deno.test("cmp reports the first difference", async () => {
  const m = new TestMachine({ "/a": "abc\ndef\n", "/b": "abc\ndxf\n", "/c": "abc\ndef\n" });
  const r = await m.run(["cmp", "/a", "/b"]);
  assert.equal(r.stdout, "/a /b differ: byte 6, line 2\n");
  assert.equal(r.code, 1);
  assert.equal((await m.run(["cmp", "/a", "/c"])).code, 0);
  assert.equal((await m.run(["cmp", "-s", "/a", "/nope"])).code, 2);
});

Deno.test("addgroup/adduser create system and normal accounts; id sees them; deluser removes", async () => {
  const m = new TestMachine();
  const r = await m.run([
    "sh",
    "-c",
    "addgroup -S app && adduser -S -D -H -G app app && adduser -D bob && addgroup bob app && id app && id bob && ls -ld /home/bob && deluser bob && id bob",
  ]);
  const lines = r.stdout.split("\n");
  assert.equal(lines[0], "uid=100(app) gid=100(app) groups=100(app)");
  assert.equal(lines[1], "uid=1000(bob) gid=1000(bob) groups=1000(bob),100(app)");
  assert.match(lines[2]!, /^drwx.* bob +bob .* \/home\/bob$/);
  assert.equal(r.stderr, "id: 'bob': no such user\n");
  const dup = await m.run(["sh", "-c", "adduser -D root"]);
  assert.equal(dup.stderr, "adduser: user 'root' in use\n");
});

Deno.test("getent looks up passwd and group entries", async () => {
  const m = new TestMachine();
  assert.equal(
    (await m.run(["getent", "passwd", "root"])).stdout,
    "root:x:0:0:root:/root:/bin/sh\n",
  );
  assert.equal((await m.run(["getent", "group", "0"])).stdout, "root:x:0:\n");
  assert.equal((await m.run(["getent", "passwd", "ghost"])).code, 2);
  assert.equal((await m.run(["getent", "nope"])).code, 3);
});

Deno.test("chroot runs a command inside another root", async () => {
  const m = new TestMachine();
  const r = await m.run([
    "sh",
    "-c",
    "mkdir -p /jail/bin /jail/etc && cp /bin/berthbox /jail/bin/ && ln -s berthbox /jail/bin/cat && echo inside > /jail/etc/hostname && chroot /jail /bin/cat /etc/hostname",
  ]);
  assert.equal(r.stderr, "");
  assert.equal(r.stdout, "inside\n");
});
