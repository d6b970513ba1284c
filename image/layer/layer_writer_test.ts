import assert from "node:assert/strict";
import { changesFromDirectory, type LayerChange, layerTar, storeLayer } from "./layer_writer.ts";
import { TarIndexer } from "./tar_indexer.ts";
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
