import assert from "node:assert/strict";
import { TarIndexer } from "./tar_indexer.ts";
import { BadLayerError } from "../store/errors.ts";
import { header, rawTar } from "../../tests/fixtures/images/tar_builder.ts";
import { packTar } from "modern-tar";
import { fc, runs } from "../../tests/_property.ts";

function index(bytes: Uint8Array, chunk = 7) {
  const ix = new TarIndexer("test.tar");
  for (let i = 0; i < bytes.length; i += chunk) ix.push(bytes.subarray(i, i + chunk));
  return ix.finish();
}

Deno.test("TarIndexer records data offsets that point at each file's bytes", async () => {
  const tar = await packTar([
    { header: { name: "etc/", type: "directory", size: 0 } },
    { header: { name: "etc/passwd", size: 5, uid: 1, gid: 2, mode: 0o600 }, body: "root\n" },
    { header: { name: "bin/sh", type: "symlink", size: 0, linkname: "berthbox" } },
    { header: { name: "bin/hard", type: "link", size: 0, linkname: "etc/passwd" } },
  ]);
  for (const chunk of [1, 7, 512, 100000]) {
    const { entries } = index(tar, chunk);
    const passwd = entries.find((e) => e.path === "/etc/passwd");
    assert.ok(passwd);
    assert.equal(passwd.mode, 0o600);
    assert.equal(passwd.uid, 1);
    assert.equal(
      new TextDecoder().decode(tar.subarray(passwd.dataOffset, passwd.dataOffset + 5)),
      "root\n",
    );
    assert.equal(entries.find((e) => e.path === "/etc")?.type, "dir");
    assert.deepEqual(entries.find((e) => e.path === "/bin/sh")?.linkTarget, "berthbox");
    assert.deepEqual(entries.find((e) => e.path === "/bin/hard")?.linkTarget, "/etc/passwd");
  }
});

Deno.test("TarIndexer reads PAX long names (>255 bytes), mtime fractions and xattrs", () => {
  const long = "d/".repeat(140) + "file.txt";
  const tar = rawTar([{
    name: "short",
    data: "x",
    pax: { path: long, mtime: "1700000000.25", "SCHILY.xattr.user.k": "v" },
  }]);
  const [e] = index(tar).entries;
  assert.equal(e?.path, "/" + long);
  assert.equal(e?.mtimeMs, 1700000000250);
  assert.deepEqual(e?.xattrs, { "user.k": "v" });
});

Deno.test("TarIndexer reads GNU long names and links", () => {
  const name = "g/".repeat(120) + "n";
  const link = "h/".repeat(120) + "t";
  const tar = rawTar([
    { name, data: "abc", gnuLongName: true },
    { name: "l", type: "2", linkname: link, gnuLongLink: true },
  ]);
  const { entries } = index(tar);
  assert.equal(entries[0]?.path, "/" + name);
  assert.equal(entries[1]?.linkTarget, link);
});

Deno.test("TarIndexer reads base-256 sizes beyond 8 GiB and then reports truncation", () => {
  const big = 9 * 2 ** 30;
  const tar = rawTar([{ name: "huge", size: big }], { noEnd: true });
  const ix = new TarIndexer("bomb.tar");
  ix.push(tar);
  assert.throws(() => ix.finish(), /truncated.*huge.*9663676416 bytes missing/);
  const known = new TarIndexer("bomb.tar", { totalSize: 2048 });
  assert.throws(() => known.push(tar), /huge claims 9663676416 bytes/);
});

Deno.test("TarIndexer records whiteouts and opaque directories apart from entries", () => {
  const tar = rawTar([
    { name: "a/.wh.b", data: "" },
    { name: "c/.wh..wh..opq", data: "" },
    { name: "c/new", data: "n" },
  ]);
  const r = index(tar);
  assert.deepEqual(r.whiteouts, ["/a/b"]);
  assert.deepEqual(r.opaqueDirs, ["/c"]);
  assert.deepEqual(r.entries.map((e) => e.path), ["/c/new"]);
});

Deno.test("TarIndexer keeps device nodes and FIFOs as entries", () => {
  const r = index(rawTar([
    { name: "dev/null", type: "3", devmajor: 1, devminor: 3 },
    { name: "dev/sda", type: "4", devmajor: 8, devminor: 0 },
    { name: "run/fifo", type: "6" },
  ]));
  assert.deepEqual(r.entries.map((e) => [e.type, e.devMajor, e.devMinor]), [
    ["char", 1, 3],
    ["block", 8, 0],
    ["fifo", undefined, undefined],
  ]);
});

Deno.test("TarIndexer refuses hostile entries with a message naming the entry", () => {
  const cases: [Uint8Array, RegExp][] = [
    [rawTar([{ name: "../etc/passwd", data: "x" }]), /"..\/etc\/passwd" contains a '..'/],
    [rawTar([{ name: "/etc/passwd", data: "x" }]), /"\/etc\/passwd" is an absolute path/],
    [rawTar([{ name: "a/l", type: "2", linkname: "../../etc" }]), /symlink \/a\/l.*outside/],
    [rawTar([{ name: "h", type: "1", linkname: "../x" }]), /hard link \/h -> ..\/x/],
    [rawTar([{ name: "s", type: "S", data: "x" }]), /sparse file s is not supported/],
    [rawTar([{ name: "p", data: "x", pax: { "GNU.sparse.major": "1" } }]), /sparse file p/],
    [rawTar([{ name: "c", data: "x", badChecksum: true }]), /bad header checksum/],
  ];
  for (const [tar, re] of cases) {
    assert.throws(
      () => index(tar),
      (e: unknown) => e instanceof BadLayerError && re.test(e.message),
    );
  }
});

Deno.test("TarIndexer reports a tar cut inside a file's data or a header", () => {
  const tar = rawTar([{ name: "f", data: "x".repeat(1000) }]);
  assert.throws(() => index(tar.subarray(0, 700)), /truncated.*data of \/f/);
  assert.throws(() => index(tar.subarray(0, 100)), /header is cut short/);
  assert.throws(() => index(new Uint8Array(0)), /empty/);
  assert.equal(header({ name: "x" }).length, 512);
});

Deno.test("TarIndexer finds every file's bytes whatever the names, sizes and chunking (property)", async () => {
  const segment = fc.stringMatching(/^[a-zA-Z0-9_.ü✓-]{1,60}$/).filter((s) =>
    s !== "." && s !== ".." && !s.startsWith(".wh.")
  );
  await fc.assert(
    fc.asyncProperty(
      fc.uniqueArray(
        fc.record({
          path: fc.array(segment, { minLength: 1, maxLength: 6 }).map((p) => p.join("/")),
          size: fc.oneof(fc.nat(3), fc.nat(2000)),
          mode: fc.constantFrom(0o644, 0o755, 0o4755, 0o600),
        }),
        { selector: (f) => f.path, maxLength: 12 },
      ),
      fc.integer({ min: 1, max: 5000 }),
      async (files, chunk) => {
        // Keep only files that are not ancestors of other files (a path is a file or a dir).
        const kept = files.filter((f) => !files.some((g) => g.path.startsWith(f.path + "/")));
        const tar = await packTar(kept.map((f, i) => ({
          header: { name: f.path, size: f.size, mode: f.mode, uid: i, gid: 7 },
          body: new Uint8Array(f.size).map((_, j) => (i * 31 + j) & 0xff),
        })));
        const { entries } = index(tar, chunk);
        assert.equal(entries.length, kept.length);
        kept.forEach((f, i) => {
          const e = entries.find((x) => x.path === "/" + f.path);
          assert.ok(e, f.path);
          assert.equal(e.size, f.size);
          assert.equal(e.mode, f.mode);
          assert.equal(e.uid, i);
          const data = tar.subarray(e.dataOffset, e.dataOffset + e.size);
          assert.ok(data.every((b, j) => b === ((i * 31 + j) & 0xff)), `bytes of ${f.path}`);
        });
      },
    ),
    { numRuns: runs(100, 500) },
  );
});
