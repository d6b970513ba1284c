import assert from "node:assert/strict";
import { ensureBaseImage, openStore, type Store } from "../../image/mod.ts";
import { ImageLookup } from "./image_lookup.ts";

async function withStore(fn: (store: Store) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "berth-lookup-" });
  try {
    await fn(await openStore(root));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("resolve() reads the store once while index.json is unchanged", async () => {
  await withStore(async (store) => {
    const base = await ensureBaseImage(store, { applets: ["sh", "true"] });
    let reads = 0;
    const lookup = new ImageLookup({
      layoutDir: store.layoutDir,
      resolve: (text) => (reads++, store.resolve(text)),
    });
    const first = await lookup.resolve("berth/base");
    const again = await lookup.resolve("berth/base");
    assert.equal(first.id, base.id);
    assert.equal(again, first);
    assert.equal(reads, 1);
    // Another spelling of the same image is its own entry, then remembered too.
    assert.equal((await lookup.resolve(base.id)).id, base.id);
    assert.equal((await lookup.resolve(base.id)).id, base.id);
    assert.equal(reads, 2);
  });
});

Deno.test("resolve() sees a moved tag, a new tag and a removed image at once", async () => {
  await withStore(async (store) => {
    const lookup = new ImageLookup(store);
    const one = await ensureBaseImage(store, { applets: ["sh"] });
    await store.tag(one.id, "app:1");
    assert.equal((await lookup.resolve("app:1")).id, one.id);
    const two = await ensureBaseImage(store, { applets: ["sh", "ls"] });
    assert.notEqual(two.id, one.id);
    await store.tag(two.id, "app:1");
    assert.equal((await lookup.resolve("app:1")).id, two.id, "the tag moved");
    await store.remove("app:1");
    await assert.rejects(() => lookup.resolve("app:1"), /No such image/);
    await assert.rejects(() => lookup.resolve("nope:2"), /No such image/);
    await store.tag(two.id, "nope:2");
    assert.equal((await lookup.resolve("nope:2")).id, two.id, "a failure is not remembered");
  });
});
