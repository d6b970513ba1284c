import assert from "node:assert/strict";
import { openStore, type Store } from "../store/store.ts";
import { listImages } from "./image_summary.ts";
import { imageHistory, inspectImage } from "./image_inspect.ts";
import { imageDiskUsage, pruneImages } from "./prune_images.ts";
import { ensureBaseImage } from "../base/base_image.ts";
import { storeLayer } from "../layer/layer_writer.ts";
import type { ImageConfig } from "../store/media_types.ts";
import { parseDigest } from "../store/digest.ts";

async function withStore(fn: (s: Store) => Promise<void>): Promise<void> {
  const tmp = await Deno.makeTempDir();
  try {
    await fn(await openStore(tmp));
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

async function childImage(store: Store, tag: string[], content: string) {
  const base = await ensureBaseImage(store, { applets: ["sh"] });
  const layer = await storeLayer(store, [{ type: "file", path: "/app", data: content }], {
    sourceDateEpoch: 0,
  });
  const config: ImageConfig = {
    ...base.config,
    created: "2025-01-02T03:04:05Z",
    rootfs: { type: "layers", diff_ids: [...base.config.rootfs.diff_ids, layer.diffId] },
    history: [...(base.config.history ?? []), {
      created: "2025-01-02T03:04:05Z",
      created_by: "COPY app /app",
    }, {
      created: "2025-01-02T03:04:05Z",
      created_by: 'CMD ["/app"]',
      empty_layer: true,
    }],
  };
  const layers = [
    ...base.manifest.layers.map((l, i) => ({
      digest: parseDigest(l.digest),
      size: l.size,
      diffId: parseDigest(base.config.rootfs.diff_ids[i] ?? ""),
    })),
    layer,
  ];
  return await store.putImage(config, layers, tag);
}

Deno.test("listImages() returns Docker's /images/json shape, newest first", async () => {
  await withStore(async (store) => {
    const app = await childImage(store, ["app:1"], "x");
    const list = await listImages(store);
    assert.equal(list.length, 2);
    assert.equal(list[0]?.Id, app.id);
    assert.deepEqual(list[0]?.RepoTags, ["app:1"]);
    assert.deepEqual(list[0]?.RepoDigests, [`app@${app.manifestDigest}`]);
    assert.equal(list[0]?.Created, Date.parse("2025-01-02T03:04:05Z") / 1000);
    assert.ok(list[0]!.Size > list[1]!.Size);
    assert.deepEqual(list[1]?.RepoTags, ["berth/base:latest"]);
    assert.equal((await listImages(store, { filters: { reference: ["app"] } })).length, 1);
    assert.equal((await listImages(store, { filters: { dangling: true } })).length, 0);
  });
});

Deno.test("inspectImage() and imageHistory() match Docker's shapes", async () => {
  await withStore(async (store) => {
    const app = await childImage(store, ["app:1"], "x");
    const info = await inspectImage(store, "app:1");
    assert.equal(info.Id, app.id);
    assert.equal(info.Os, "wasi");
    assert.equal(info.Architecture, "wasm");
    assert.deepEqual(info.Config.Cmd, ["/bin/sh"]);
    assert.equal(info.RootFS.Layers.length, 2);
    const h = await imageHistory(store, "app:1");
    assert.deepEqual(h.map((x) => x.CreatedBy.slice(0, 12)), [
      'CMD ["/app"]',
      "COPY app /ap",
      "berth: gener",
    ]);
    assert.equal(h[0]?.Id, app.id);
    assert.deepEqual(h[0]?.Tags, ["app:1"]);
    assert.equal(h[0]?.Size, 0);
    assert.ok(h[1]!.Size > 0);
    assert.equal(h[1]?.Id, "<missing>");
  });
});

Deno.test("pruneImages() removes dangling images, -a removes unused ones, and reports bytes", async () => {
  await withStore(async (store) => {
    const a = await childImage(store, ["app:1"], "one");
    await childImage(store, ["app:1"], "two"); // a becomes dangling
    const du = await imageDiskUsage(store);
    assert.equal(du.Images.length, 3);
    assert.ok(du.Images.every((i) => i.SharedSize > 0));
    const r = await pruneImages(store);
    assert.deepEqual(r.ImagesDeleted, [{ Deleted: a.id }]);
    assert.ok(r.SpaceReclaimed > 0);
    const all = await pruneImages(store, {
      all: true,
      inUse: (img) => img.tags.some((t) => t.includes("berth/base")) ? "ctr" : undefined,
    });
    assert.deepEqual(all.ImagesDeleted.filter((x) => "Untagged" in x), [{ Untagged: "app:1" }]);
    assert.deepEqual((await listImages(store)).map((i) => i.RepoTags), [["berth/base:latest"]]);
  });
});
