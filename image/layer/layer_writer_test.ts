import assert from "node:assert/strict";
import {
  changesFromDirectory,
  joinDev,
  type LayerChange,
  layerTar,
  splitDev,
  storeLayer,
} from "./layer_writer.ts";
import { TarIndexer } from "./tar_indexer.ts";
import { fc, runs } from "../../tests/_property.ts";
import { openStore } from "../store/store.ts";
import { openLayer } from "./open_layer.ts";

async function tarBytes(s: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(s).arrayBuffer());
}

const changes: LayerChange[] = [
  { type: "file", path: "/z/last", data: "z", mtimeMs: 123000 },
  { type: "dir", path: "/z", mode: 0o700 },
  { type: "symlink", path: "/a", target: "z/last" },
  { type: "whiteout", path: "/gone" },
  { type: "opaque", path: "/z" },
  { type: "hardlink", path: "/b", target: "/z/last" },
  { type: "file", path: "/" + "long/".repeat(60) + "f", data: new Uint8Array([1, 2]) },
];

Deno.test("layerTar() is reproducible whatever the input order", async () => {
  const a = await tarBytes(layerTar(changes, { sourceDateEpoch: 5 }));
  const b = await tarBytes(layerTar([...changes].reverse(), { sourceDateEpoch: 5 }));
  assert.deepEqual(a, b);
  const ix = new TarIndexer("x");
  ix.push(a);
  const r = ix.finish();
  assert.deepEqual(r.entries.map((e) => e.path), [
    "/a",
    "/b",
    "/" + "long/".repeat(60) + "f",
    "/z",
    "/z/last",
  ]);
  assert.ok(r.entries.every((e) => e.mtimeMs === 5000));
  assert.deepEqual(r.whiteouts, ["/gone"]);
  assert.deepEqual(r.opaqueDirs, ["/z"]);
  assert.equal(r.entries.find((e) => e.path === "/b")?.linkTarget, "/z/last");
});

Deno.test("layerTar() rejects duplicate and escaping paths", () => {
  assert.throws(
    () => layerTar([{ type: "dir", path: "/x" }, { type: "file", path: "/x", data: "" }]),
    /twice/,
  );
  assert.throws(() => layerTar([{ type: "dir", path: "/../x" }]), /'\.\.'/);
});

Deno.test("changesFromDirectory() + storeLayer() give the same diff_id for the same tree", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    for (const t of ["t1", "t2"]) {
      await Deno.mkdir(`${tmp}/${t}/sub`, { recursive: true });
      await Deno.writeTextFile(`${tmp}/${t}/sub/file`, "content");
      await Deno.symlink("sub/file", `${tmp}/${t}/link`);
      await Deno.link(`${tmp}/${t}/sub/file`, `${tmp}/${t}/hard`);
    }
    const store = await openStore(`${tmp}/root`);
    const opts = { sourceDateEpoch: 0, uid: 0, gid: 0 };
    const l1 = await storeLayer(store, await changesFromDirectory(`${tmp}/t1`), opts);
    const l2 = await storeLayer(store, await changesFromDirectory(`${tmp}/t2`), opts);
    assert.equal(l1.diffId, l2.diffId);
    const layer = await openLayer(store.layerFiles(l1.diffId));
    assert.equal(layer.entries.get("/sub/file")?.type, "hardlink");
    assert.equal(layer.entries.get("/sub/file")?.linkTarget, "/hard");
    const file = layer.entries.get("/hard")!;
    assert.equal(new TextDecoder().decode(layer.readFileSync(file)), "content");
    layer.close();
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("layerTar() writes char/block devices and FIFOs with devmajor/devminor; the indexer reads them back", async () => {
  const big = new Uint8Array(5000).fill(7);
  const devs: LayerChange[] = [
    { type: "char", path: "/dev/null", devMajor: 1, devMinor: 3, mode: 0o666 },
    { type: "block", path: "/dev/" + "sda".repeat(60), devMajor: 8, devMinor: 300 },
    { type: "fifo", path: "/dev/fifo", mode: 0o600 },
    { type: "file", path: "/dev/big", data: big, xattrs: { "user.k": "v" } },
    { type: "char", path: "/dev/tty", devMajor: 5, devMinor: 0, xattrs: { "user.a": "b" } },
    { type: "dir", path: "/dev" },
  ];
  const tar = await tarBytes(layerTar(devs, { sourceDateEpoch: 0 }));
  const ix = new TarIndexer("devs");
  ix.push(tar);
  const byPath = new Map(ix.finish().entries.map((e) => [e.path, e]));
  const nul = byPath.get("/dev/null");
  assert.equal(nul?.type, "char");
  assert.deepEqual([nul?.devMajor, nul?.devMinor, nul?.mode], [1, 3, 0o666]);
  const sda = byPath.get("/dev/" + "sda".repeat(60));
  assert.deepEqual([sda?.type, sda?.devMajor, sda?.devMinor], ["block", 8, 300]);
  assert.equal(byPath.get("/dev/fifo")?.type, "fifo");
  const tty = byPath.get("/dev/tty");
  assert.deepEqual([tty?.type, tty?.devMajor, tty?.devMinor], ["char", 5, 0]);
  assert.deepEqual(tty?.xattrs, { "user.a": "b" });
  assert.equal(byPath.get("/dev/big")?.size, 5000);
  // GNU tar, the reference reader, agrees (it checks header checksums too).
  const tmp = await Deno.makeTempFile();
  try {
    await Deno.writeFile(tmp, tar);
    const out = await new Deno.Command("tar", { args: ["-tvf", tmp], env: { TZ: "UTC" } })
      .output();
    const text = new TextDecoder().decode(out.stdout);
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    assert.match(text, /^crw-rw-rw- 0\/0\s+1,3 .* dev\/null$/m);
    assert.match(text, /^brw-r--r-- 0\/0\s+8,300 .* dev\/(sda)+$/m);
    assert.match(text, /^prw------- .* dev\/fifo$/m);
    assert.match(text, /^crw-r--r-- 0\/0\s+5,0 .* dev\/tty$/m);
  } finally {
    await Deno.remove(tmp);
  }
});

Deno.test("layerTar() refuses device numbers that do not fit a ustar field", () => {
  assert.throws(
    () => layerTar([{ type: "char", path: "/d", devMajor: 1 << 22, devMinor: 0 }]),
    /does not fit/,
  );
});

Deno.test("splitDev() and joinDev() follow glibc's makedev encoding", () => {
  for (const [major, minor] of [[1, 3], [8, 300], [4095, 255], [4096, 1 << 20], [259, 65536]]) {
    const dev = joinDev(major!, minor!);
    assert.deepEqual(splitDev(dev), { major, minor });
  }
  assert.equal(joinDev(136, 0), 0x8800);
  assert.equal(joinDev(8, 256), 0x100800);
});

Deno.test("property: device numbers survive any mix of files, long names, xattrs and devices", async () => {
  const entry = fc.record({
    name: fc.stringMatching(/^[a-z]{1,8}$/),
    deep: fc.integer({ min: 0, max: 40 }),
    kind: fc.constantFrom("file", "char", "block", "fifo"),
    size: fc.integer({ min: 0, max: 1500 }),
    major: fc.integer({ min: 0, max: 0o7777777 }),
    minor: fc.integer({ min: 0, max: 0o7777777 }),
    xattr: fc.option(fc.string({ maxLength: 300 }), { nil: undefined }),
  });
  await fc.assert(
    fc.asyncProperty(
      fc.uniqueArray(entry, { selector: (e) => e.name, maxLength: 12 }),
      async (es) => {
        const changes: LayerChange[] = es.map((e) => {
          const path = "/" + "d/".repeat(e.deep) + e.name;
          const meta = { path, xattrs: e.xattr === undefined ? undefined : { "user.x": e.xattr } };
          if (e.kind === "file") return { ...meta, type: "file", data: new Uint8Array(e.size) };
          if (e.kind === "fifo") return { ...meta, type: "fifo" };
          return {
            ...meta,
            type: e.kind as "char" | "block",
            devMajor: e.major,
            devMinor: e.minor,
          };
        });
        const ix = new TarIndexer("prop");
        ix.push(await tarBytes(layerTar(changes, { sourceDateEpoch: 0 })));
        const got = new Map(ix.finish().entries.map((e) => [e.path, e]));
        for (const c of changes) {
          const e = got.get(c.path);
          assert.equal(e?.type, c.type);
          if (c.type === "char" || c.type === "block") {
            assert.deepEqual([e?.devMajor, e?.devMinor], [c.devMajor, c.devMinor]);
          }
          if (c.type === "file") assert.equal(e?.size, (c.data as Uint8Array).length);
          if ("xattrs" in c && c.xattrs) {
            // An empty PAX value deletes the record, so an empty attribute does not survive.
            const want = c.xattrs["user.x"] === "" ? undefined : c.xattrs;
            assert.deepEqual(e?.xattrs, want);
          }
        }
      },
    ),
    { numRuns: runs(60) },
  );
});
