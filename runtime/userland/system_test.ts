import assert from "node:assert/strict";
import { runApplet, TestMachine } from "./_test_run.ts";
import { id, whoami } from "./id.ts";
import { hostname, uname } from "./uname.ts";
import { readlink, realpath } from "./readlink.ts";
import { date, parseDate } from "./date.ts";
import { test } from "./test.ts";
import { env } from "./env.ts";
import { sleep } from "./sleep.ts";

const etc = {
  "/etc/passwd": "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
  "/etc/group": "root:x:0:\nwheel:x:10:app\napp:x:1000:\n",
};

Deno.test("id and whoami name the current user from /etc/passwd", async () => {
  assert.equal(
    (await runApplet(id, ["id"], { files: etc })).stdout,
    "uid=0(root) gid=0(root) groups=0(root)\n",
  );
  assert.equal((await runApplet(id, ["id", "-u"], { files: etc })).stdout, "0\n");
  assert.equal((await runApplet(id, ["id", "-un"], { files: etc })).stdout, "root\n");
  assert.equal(
    (await runApplet(id, ["id", "app"], { files: etc })).stdout,
    "uid=1000(app) gid=1000(app) groups=1000(app),10(wheel)\n",
  );
  assert.equal(
    (await runApplet(id, ["id", "ghost"], { files: etc })).stderr,
    "id: 'ghost': no such user\n",
  );
  assert.equal((await runApplet(whoami, ["whoami"], { files: etc })).stdout, "root\n");
});

Deno.test("uname and hostname print the UTS namespace's identity", async () => {
  assert.equal((await runApplet(uname, ["uname"])).stdout, "Linux\n");
  assert.equal(
    (await runApplet(uname, ["uname", "-a"])).stdout,
    "Linux berth-test 6.8.0-berth #1 SMP PREEMPT_DYNAMIC Berth x86_64 GNU/Linux\n",
  );
  assert.equal((await runApplet(uname, ["uname", "-nr"])).stdout, "berth-test 6.8.0-berth\n");
  assert.equal((await runApplet(hostname, ["hostname"])).stdout, "berth-test\n");
});

Deno.test("readlink reads links quietly; -f and realpath canonicalize", async () => {
  const files = { "/a/b/f": "x", "/l": "->a/b", "/loop": "->loop" };
  assert.equal((await runApplet(readlink, ["readlink", "/l"], { files })).stdout, "a/b\n");
  const notLink = await runApplet(readlink, ["readlink", "/a"], { files });
  assert.equal(notLink.code, 1);
  assert.equal(notLink.stderr, "");
  assert.equal(
    (await runApplet(readlink, ["readlink", "-f", "/l/../b/./f"], { files })).stdout,
    "/a/b/f\n",
  );
  assert.equal((await runApplet(realpath, ["realpath", "/l/f"], { files })).stdout, "/a/b/f\n");
  assert.equal((await runApplet(realpath, ["realpath", "/l/new"], { files })).stdout, "/a/b/new\n");
  const miss = await runApplet(realpath, ["realpath", "-e", "/nope"], { files });
  assert.equal(miss.stderr, "realpath: /nope: No such file or directory\n");
  const loop = await runApplet(realpath, ["realpath", "/loop"], { files });
  assert.equal(loop.stderr, "realpath: /loop: Too many levels of symbolic links\n");
});

Deno.test("date formats a given time in UTC", async () => {
  assert.equal(
    (await runApplet(date, ["date", "-d", "@0", "+%Y-%m-%d %H:%M:%S"])).stdout,
    "1970-01-01 00:00:00\n",
  );
  assert.equal(
    (await runApplet(date, ["date", "-d", "@86400"])).stdout,
    "Fri Jan  2 00:00:00 UTC 1970\n",
  );
  assert.equal(parseDate("2024-02-29 12:30", 0), Date.UTC(2024, 1, 29, 12, 30));
  assert.equal(parseDate("1 hour ago", 7200000), 3600000);
  assert.equal(
    (await runApplet(date, ["date", "-d", "garbage"])).stderr,
    "date: invalid date 'garbage'\n",
  );
});

Deno.test("nproc follows cpu.max and counts /proc/cpuinfo", async () => {
  const m = new TestMachine({ "/sys/fs/cgroup/cpu.max": "150000 100000\n" });
  const all = Number((await m.run(["nproc", "--all"])).stdout);
  const listed = Number((await m.run(["grep", "-c", "^processor", "/proc/cpuinfo"])).stdout);
  assert.equal(all, listed);
  assert.equal(Number((await m.run(["nproc"])).stdout), Math.min(all, 2));
  const unlimited = new TestMachine({ "/sys/fs/cgroup/cpu.max": "max 100000\n" });
  assert.equal(Number((await unlimited.run(["nproc"])).stdout), all);
});

Deno.test("free reads /proc/meminfo", async () => {
  const m = new TestMachine();
  const r = await m.run(["sh", "-c", "free -k; grep MemTotal /proc/meminfo"]);
  const lines = r.stdout.split("\n");
  assert.equal(
    lines[0],
    "               total        used        free      shared  buff/cache   available",
  );
  const total = /MemTotal:\s+(\d+)/.exec(r.stdout)![1]!;
  assert.match(lines[1]!, new RegExp(`^Mem: +${total} `));
});

Deno.test("test and [ evaluate files, strings, integers and connectives", async () => {
  const files = { "/d/f": "x", "/d/empty": "" };
  const t = async (...args: string[]) => (await runApplet(test, ["test", ...args], { files })).code;
  assert.equal(await t("-d", "/d"), 0);
  assert.equal(await t("-f", "/d"), 1);
  assert.equal(await t("-s", "/d/f"), 0);
  assert.equal(await t("-s", "/d/empty"), 1);
  assert.equal(await t("-e", "/nope"), 1);
  assert.equal(await t("abc", "=", "abc"), 0);
  assert.equal(await t("3", "-lt", "10"), 0);
  assert.equal(await t("!", "-z", "x"), 0);
  assert.equal(await t("-n", "x", "-a", "(", "1", "-eq", "2", "-o", "a", "!=", "b", ")"), 0);
  assert.equal(await t(), 1);
  assert.equal(await t(""), 1);
  const bad = await runApplet(test, ["test", "x", "-lt", "1"]);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr, "test: invalid integer 'x'\n");
  assert.equal((await runApplet(test, ["[", "1", "=", "1", "]"])).code, 0);
  const missing = await runApplet(test, ["[", "1", "=", "1"]);
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr, "[: missing ']'\n");
});

Deno.test("env prints the environment, applies -i, -u and NAME=VALUE", async () => {
  const r = await runApplet(env, ["env"], { env: ["A=1", "B=2"] });
  assert.equal(r.stdout, "A=1\nB=2\n");
  assert.equal(
    (await runApplet(env, ["env", "-u", "A", "C=3"], { env: ["A=1", "B=2"] })).stdout,
    "B=2\nC=3\n",
  );
  assert.equal((await runApplet(env, ["env", "-i", "X=y"], { env: ["A=1"] })).stdout, "X=y\n");
});

Deno.test("sleep waits and rejects bad intervals", async () => {
  const t0 = Date.now();
  assert.equal((await runApplet(sleep, ["sleep", "0.05"])).code, 0);
  assert.ok(Date.now() - t0 >= 40);
  const bad = await runApplet(sleep, ["sleep", "x"]);
  assert.equal(
    bad.stderr,
    "sleep: invalid time interval 'x'\nTry 'sleep --help' for more information.\n",
  );
});

Deno.test("hostname sets the name of a new UTS namespace", async () => {
  const m = new TestMachine();
  const r = await m.run([
    "sh",
    "-c",
    "hostname box.example && hostname && hostname -s && hostname -d",
  ], {
    cloneFlags: 0x04000000,
  });
  assert.equal(r.stdout, "box.example\nbox\nexample\n");
});
