import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { TestMachine } from "./_test_run.ts";

const files = { "/d/a": "x".repeat(5000), "/d/sub/b": "hello", "/d/l": "->a" };

Deno.test("stat prints coreutils' layout and -c formats", async () => {
  const m = new TestMachine(files);
  const r = await m.run(["stat", "/d/sub/b"]);
  const lines = r.stdout.split("\n");
  assert.equal(lines[0], "  File: /d/sub/b");
  assert.match(lines[1]!, /^ {2}Size: 5 +\tBlocks: \d+ +IO Block: \d+ +regular file$/);
  assert.match(
    lines[3]!,
    /^Access: \(0644\/-rw-r--r--\) {2}Uid: \( +0\/ +root\) {3}Gid: \( +0\/ +root\)$/,
  );
  assert.match(lines[5]!, /^Modify: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9} \+0000$/);
  assert.equal(
    (await m.run(["stat", "-c", "%n %s %a %U %F", "/d/sub/b", "/d"])).stdout,
    "/d/sub/b 5 644 root regular file\n/d 4096 755 root directory\n".replace(
      "4096",
      (await m.run(["stat", "-c", "%s", "/d"])).stdout.trim(),
    ),
  );
  assert.equal((await m.run(["stat", "-c", "%N", "/d/l"])).stdout, "'/d/l' -> 'a'\n");
  const miss = await m.run(["stat", "/nope"]);
  assert.equal(miss.stderr, "stat: cannot stat '/nope': No such file or directory\n");
});

Deno.test("du sums 1K blocks per directory; -s -h -a -c", async () => {
  const m = new TestMachine(files);
  const s = await m.run(["du", "-s", "/d"]);
  assert.match(s.stdout, /^\d+\t\/d\n$/);
  const all = await m.run(["du", "-a", "/d"]);
  const names = all.stdout.trim().split("\n").map((l) => l.split("\t")[1]);
  assert.deepEqual([...names].sort(), ["/d", "/d/a", "/d/l", "/d/sub", "/d/sub/b"]);
  const c = await m.run(["du", "-sc", "/d/sub", "/d/a"]);
  assert.match(c.stdout, /\ttotal\n$/);
});

Deno.test("df lists mounts with statfs sizes", async () => {
  const m = new TestMachine();
  const r = await m.run(["df", "-T", "/"]);
  const lines = r.stdout.trim().split("\n");
  assert.match(lines[0]!, /^Filesystem +Type +1K-blocks +Used +Available +Use% +Mounted on$/);
  assert.match(lines[1]!, /^tmpfs +tmpfs +\d+ +\d+ +\d+ +\d+% \/$/);
});

Deno.test("sha256sum prints and checks digests", async () => {
  const m = new TestMachine(files);
  const want = createHash("sha256").update("hello").digest("hex");
  const r = await m.run(["sha256sum", "/d/sub/b"]);
  assert.equal(r.stdout, `${want}  /d/sub/b\n`);
  assert.equal((await m.run(["sha256sum"], { stdin: "hello" })).stdout, `${want}  -\n`);
  const ok = await m.run([
    "sh",
    "-c",
    "sha256sum /d/sub/b /d/a > /tmp/sums; sha256sum -c /tmp/sums",
  ]);
  assert.equal(ok.stdout, "/d/sub/b: OK\n/d/a: OK\n");
  const bad = await m.run([
    "sh",
    "-c",
    "echo '0000000000000000000000000000000000000000000000000000000000000000  /d/a' | sha256sum -c",
  ]);
  assert.equal(bad.code, 1);
  assert.equal(bad.stdout, "/d/a: FAILED\n");
  assert.equal(bad.stderr, "sha256sum: WARNING: 1 computed checksum did NOT match\n");
  assert.equal(
    (await m.run(["md5sum", "/d/sub/b"])).stdout,
    `${createHash("md5").update("hello").digest("hex")}  /d/sub/b\n`,
  );
});
