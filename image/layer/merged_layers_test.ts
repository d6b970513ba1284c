import assert from "node:assert/strict";
import { mergeLayers } from "./merged_layers.ts";
import { openStore, type Store } from "../store/store.ts";
import { type LayerChange, storeLayer } from "./layer_writer.ts";
import { type IndexedLayer, openLayer } from "./open_layer.ts";
import { rawTar } from "../../tests/fixtures/images/tar_builder.ts";

async function layers(store: Store, sets: LayerChange[][]): Promise<IndexedLayer[]> {
  const out: IndexedLayer[] = [];
  for (const s of sets) {
    const l = await storeLayer(store, s, { sourceDateEpoch: 0 });
    out.push(await openLayer(store.layerFiles(l.diffId)));
  }
  return out;
}

async function withStore(fn: (s: Store) => Promise<void>): Promise<void> {
  const tmp = await Deno.makeTempDir();
  try {
    await fn(await openStore(tmp));
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

function read(merged: ReturnType<typeof mergeLayers>, path: string): string | undefined {
  const hit = merged.lookup(path);
  if (!hit) return undefined;
  const buf = new Uint8Array(hit.entry.size);
  merged.readSync(hit, buf, 0);
  return new TextDecoder().decode(buf);
}

Deno.test("lookup() applies .wh. whiteouts to lower layers only", async () => {
  await withStore(async (store) => {
    const ls = await layers(store, [
      [
        { type: "dir", path: "/d" },
        { type: "file", path: "/d/a", data: "a" },
        { type: "file", path: "/d/b", data: "b" },
        { type: "dir", path: "/d/sub" },
        { type: "file", path: "/d/sub/x", data: "x" },
      ],
      [{ type: "whiteout", path: "/d/a" }, { type: "whiteout", path: "/d/sub" }, {
        type: "file",
        path: "/d/c",
        data: "c",
      }],
    ]);
    const m = mergeLayers(ls);
    assert.equal(m.lookup("/d/a"), undefined);
    assert.equal(m.lookup("/d/sub/x"), undefined);
    assert.equal(read(m, "/d/b"), "b");
    assert.equal(m.lookup("/d/c")?.layer, 1);
    assert.deepEqual(m.children("/d"), ["b", "c"]);
    ls.forEach((l) => l.close());
  });
});

Deno.test("lookup() sees through opaque dirs only to the opaque layer's own entries", async () => {
  await withStore(async (store) => {
    const ls = await layers(store, [
      [{ type: "dir", path: "/o" }, { type: "file", path: "/o/old", data: "old" }],
      [{ type: "opaque", path: "/o" }, { type: "dir", path: "/o" }, {
        type: "file",
        path: "/o/new",
        data: "new",
      }],
      [{ type: "file", path: "/o/top", data: "top" }],
    ]);
    const m = mergeLayers(ls);
    assert.deepEqual(m.children("/o"), ["new", "top"]);
    assert.equal(m.lookup("/o/old"), undefined);
    ls.forEach((l) => l.close());
  });
});

Deno.test("hard links across layers read the lower layer's data under their own path", async () => {
  await withStore(async (store) => {
    const ls = await layers(store, [
      [{ type: "file", path: "/data", data: "shared bytes" }],
      [{ type: "hardlink", path: "/link", target: "/data" }],
    ]);
    const m = mergeLayers(ls);
    const hit = m.lookup("/link")!;
    assert.equal(hit.layer, 0);
    assert.equal(hit.entry.path, "/link");
    assert.equal(read(m, "/link"), "shared bytes");
    ls.forEach((l) => l.close());
  });
});

Deno.test("a file replacing a directory drops the directory's subtree; parents are synthesised", async () => {
  await withStore(async (store) => {
    const l0 = await store.ingestLayer(rawTar([{ name: "deep/er/file", data: "f" }]), {
      compression: "none",
      name: "l0",
    });
    const ls = [await openLayer(store.layerFiles(l0.diffId))];
    ls.push(...await layers(store, [[{ type: "file", path: "/deep", data: "now a file" }]]));
    const m0 = mergeLayers(ls.slice(0, 1));
    assert.equal(m0.lookup("/deep/er")?.entry.type, "dir");
    assert.deepEqual(m0.children("/"), ["deep"]);
    const m = mergeLayers(ls);
    assert.equal(m.lookup("/deep/er/file"), undefined);
    assert.equal(read(m, "/deep"), "now a file");
    ls.forEach((l) => l.close());
  });
});

Deno.test("lookup() gives the same answers for 50 stacked layers as the merge rules say", async () => {
  await withStore(async (store) => {
    const sets: LayerChange[][] = [];
    for (let i = 0; i < 50; i++) {
      sets.push([
        { type: "file", path: `/f${i}`, data: String(i) },
        { type: "file", path: "/shared", data: `v${i}` },
        ...(i > 0 ? [{ type: "whiteout", path: `/f${i - 1}` } as LayerChange] : []),
      ]);
    }
    const ls = await layers(store, sets);
    const m = mergeLayers(ls);
    assert.equal(read(m, "/shared"), "v49");
    assert.deepEqual(m.children("/"), ["f49", "shared"]);
    ls.forEach((l) => l.close());
  });
});
