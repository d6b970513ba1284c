import assert from "node:assert/strict";
import { TestMachine } from "./_test_run.ts";
import { encodeEntry, endOfArchive, parseTar } from "./_tar.ts";

const files = {
  "/src/a.txt": "alpha\n",
  "/src/sub/b.bin": "b".repeat(3000),
  "/src/link": "->a.txt",
};

Deno.test("gzip and gunzip round-trip files; zcat and -c write to stdout", async () => {
  const m = new TestMachine(files);
  const r = await m.run([
    "sh",
    "-c",
    "gzip /src/a.txt && ls /src && zcat /src/a.txt.gz && gunzip /src/a.txt.gz && cat /src/a.txt",
  ]);
  assert.equal(r.stdout, "a.txt.gz\nlink\nsub\nalpha\nalpha\n");
  assert.equal(r.code, 0);
  const pipe = await m.run(["sh", "-c", "echo hello | gzip -c | gunzip"]);
  assert.equal(pipe.stdout, "hello\n");
  const bad = await m.run(["gunzip", "-c", "/src/sub/b.bin"]);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, "gunzip: /src/sub/b.bin: not in gzip format\n");
  const suffix = await m.run(["gunzip", "/src/sub/b.bin"]);
  assert.equal(suffix.stderr, "gunzip: /src/sub/b.bin: unknown suffix -- ignored\n");
});

Deno.test("tar czf then xzf reproduces the tree with modes, links and contents", async () => {
  const m = new TestMachine(files);
  const r = await m.run([
    "sh",
    "-c",
    "chmod 600 /src/a.txt && tar czf /tmp/a.tgz -C /src . && mkdir /out && tar xzf /tmp/a.tgz -C /out && ls -lR /out | grep -v total && cat /out/a.txt && readlink /out/link",
  ]);
  assert.equal(r.stderr, "");
  assert.match(r.stdout, /-rw------- 1 root root +6 .* a\.txt/);
  assert.match(r.stdout, /lrwxrwxrwx 1 root root +5 .* link -> a\.txt/);
  assert.match(r.stdout, /-rw-r--r-- 1 root root 3000 .* b\.bin/);
  assert.match(r.stdout, /alpha\na\.txt\n$/);
  const t = await m.run(["tar", "tf", "/tmp/a.tgz"]);
  assert.equal(t.stdout, "./\n./a.txt\n./link\n./sub/\n./sub/b.bin\n");
  const tv = await m.run(["tar", "-tvzf", "/tmp/a.tgz", "./link"]);
  assert.match(
    tv.stdout,
    /^lrwxrwxrwx root\/root +0 \d{4}-\d\d-\d\d \d\d:\d\d \.\/link -> a\.txt\n$/,
  );
});

Deno.test("tar refuses .. members, strips leading /, and reports missing members", async () => {
  const e = (name: string, data = "x") => ({
    name,
    type: "0",
    mode: 0o644,
    uid: 0,
    gid: 0,
    uname: "root",
    gname: "root",
    mtime: 0,
    linkname: "",
    data: new TextEncoder().encode(data),
  });
  const blocks = [
    ...encodeEntry(e("../evil")),
    ...encodeEntry(e("/abs/file", "abs")),
    endOfArchive(),
  ];
  const tarBytes = new Uint8Array(blocks.reduce((s, b) => s + b.length, 0));
  let o = 0;
  for (const b of blocks) {
    tarBytes.set(b, o);
    o += b.length;
  }
  const m = new TestMachine({ "/w/": "" });
  await m.withSys(async (sys) => {
    const fd = await sys.openat(-100, "/w/x.tar", 0o1101, 0o644);
    await sys.write(fd as number, tarBytes);
    sys.close(fd as number);
  });
  const r = await m.run(["tar", "xf", "/w/x.tar", "-C", "/w"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /\.\.\/evil: Member name contains '\.\.'/);
  assert.match(r.stderr, /Removing leading `\/' from member names/);
  assert.equal(await m.file("/w/abs/file"), "abs");
  assert.equal(await m.file("/evil"), null);
  const miss = await m.run(["tar", "tf", "/w/x.tar", "nope"]);
  assert.equal(miss.code, 2);
  assert.match(miss.stderr, /nope: Not found in archive/);
});

Deno.test("long names go through pax headers and parse back", () => {
  const long = "d/".repeat(80) + "file.txt";
  const blocks = encodeEntry({
    name: long,
    type: "0",
    mode: 0o644,
    uid: 1,
    gid: 2,
    uname: "u",
    gname: "g",
    mtime: 5,
    linkname: "",
    data: new Uint8Array([1, 2]),
  });
  const buf = new Uint8Array(blocks.reduce((s, b) => s + b.length, 0) + 1024);
  let o = 0;
  for (const b of blocks) {
    buf.set(b, o);
    o += b.length;
  }
  const [e] = parseTar(buf);
  assert.equal(e!.name, long);
  assert.deepEqual([...e!.data], [1, 2]);
});

Deno.test("archives interoperate with the host's tar", async () => {
  const host = await new Deno.Command("tar", {
    args: ["--version"],
    stdout: "null",
    stderr: "null",
  }).output().catch(() => null);
  if (!host?.success) return;
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/in/sub`, { recursive: true });
    await Deno.writeTextFile(`${dir}/in/sub/f.txt`, "from host\n");
    await Deno.symlink("sub/f.txt", `${dir}/in/ln`);
    const made = await new Deno.Command("tar", {
      args: ["-czf", `${dir}/h.tgz`, "-C", `${dir}/in`, "."],
    }).output();
    assert.ok(made.success);
    const bytes = await Deno.readFile(`${dir}/h.tgz`);
    const m = new TestMachine({ "/x/": "" });
    await m.withSys(async (sys) => {
      const fd = await sys.openat(-100, "/x/h.tgz", 0o1101, 0o644);
      await sys.write(fd as number, bytes);
      sys.close(fd as number);
    });
    const r = await m.run([
      "sh",
      "-c",
      "tar xzf /x/h.tgz -C /x && cat /x/ln && tar czf /x/back.tgz -C /x sub",
    ]);
    assert.equal(r.stdout, "from host\n");
    const back = await m.withSys(async (sys) => {
      const fd = await sys.openat(-100, "/x/back.tgz", 0, 0);
      const buf = new Uint8Array(1 << 20);
      const n = await sys.read(fd as number, buf);
      return buf.slice(0, n as number);
    });
    await Deno.writeFile(`${dir}/back.tgz`, back);
    const list = await new Deno.Command("tar", {
      args: ["-tzf", `${dir}/back.tgz`],
      stdout: "piped",
    }).output();
    assert.equal(new TextDecoder().decode(list.stdout), "sub/\nsub/f.txt\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("tar makes symlinks last, so a member cannot be written through an archived link", async () => {
  const mk = (name: string, type: string, linkname = "", data = "") => ({
    name,
    type,
    mode: 0o644,
    uid: 0,
    gid: 0,
    uname: "",
    gname: "",
    mtime: 0,
    linkname,
    data: new TextEncoder().encode(data),
  });
  const blocks = [
    ...encodeEntry(mk("evil", "2", "/etc")),
    ...encodeEntry(mk("evil/passwd", "0", "", "pwned")),
    endOfArchive(),
  ];
  const bytes = new Uint8Array(blocks.reduce((s, b) => s + b.length, 0));
  let o = 0;
  for (const b of blocks) {
    bytes.set(b, o);
    o += b.length;
  }
  const m = new TestMachine({ "/w/": "" });
  await m.withSys(async (sys) => {
    const fd = await sys.openat(-100, "/w/e.tar", 0o1101, 0o644);
    await sys.write(fd as number, bytes);
    sys.close(fd as number);
  });
  const r = await m.run(["tar", "xf", "/w/e.tar", "-C", "/w"]);
  assert.notEqual(await m.file("/etc/passwd"), "pwned");
  assert.equal(r.code, 2, r.stderr);
});
