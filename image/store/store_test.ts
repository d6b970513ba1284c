import assert from "node:assert/strict";
import { openStore } from "./store.ts";
import { parseDigest, sha256Digest } from "./digest.ts";
import { DigestMismatchError, ImageConflictError, ImageNotFoundError } from "./errors.ts";
import { MediaType } from "./media_types.ts";
import { rawTar, treeSnapshot } from "../../tests/fixtures/images/tar_builder.ts";

async function withStore(fn: (root: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "berth-store-" });
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

async function oneLayerImage(root: string, content: string, tags: string[]) {
  const store = await openStore(root);
  const tar = rawTar([{ name: "f", data: content }]);
  const layer = await store.ingestLayer(tar, { compression: "none", name: "t" });
  const config = {
    architecture: "wasm",
    os: "wasi",
    rootfs: { type: "layers" as const, diff_ids: [layer.diffId] },
  };
  return { store, image: await store.putImage(config, [layer], tags) };
}

Deno.test("openStore() creates an OCI layout with mode 0700 root", async () => {
  await withStore(async (root) => {
    const r = `${root}/state`;
    await openStore(r);
    assert.equal((await Deno.stat(r)).mode! & 0o777, 0o700);
    const layout = JSON.parse(await Deno.readTextFile(`${r}/images/oci-layout`));
    assert.equal(layout.imageLayoutVersion, "1.0.0");
    const index = JSON.parse(await Deno.readTextFile(`${r}/images/index.json`));
    assert.equal(index.mediaType, MediaType.ociIndex);
  });
});

Deno.test("ingest() stores a blob under its digest and refuses a wrong one, leaving nothing", async () => {
  await withStore(async (root) => {
    const store = await openStore(root);
    const bytes = new TextEncoder().encode("hello");
    const before = await treeSnapshot(store.layoutDir);
    await assert.rejects(
      store.ingest(bytes, { expected: sha256Digest("other"), what: "config" }),
      (e: unknown) => e instanceof DigestMismatchError && /Cannot verify config/.test(e.message),
    );
    await assert.rejects(store.ingest(bytes, { size: 4 }), /expected 4 bytes, got 5/);
    assert.deepEqual(await treeSnapshot(store.layoutDir), before);
    const b = await store.ingest(bytes);
    assert.equal(b.digest, sha256Digest("hello"));
    assert.equal(await Deno.readTextFile(store.blobPath(b.digest)), "hello");
  });
});

Deno.test("tag(), resolve() and remove() follow Docker's rules", async () => {
  await withStore(async (root) => {
    const { store, image } = await oneLayerImage(root, "a", ["web:1"]);
    assert.deepEqual(image.tags, ["docker.io/library/web:1"]);
    await store.tag("web:1", "docker.io/library/web:2");
    assert.equal((await store.resolve("web:2")).id, image.id);
    assert.equal((await store.resolve(image.id.slice(7, 19))).id, image.id);
    assert.equal((await store.resolve(`web@${image.manifestDigest}`)).id, image.id);
    await assert.rejects(store.remove(image.id), ImageConflictError);
    assert.deepEqual(await store.remove("web:1"), [{ Untagged: "web:1" }]);
    await assert.rejects(
      store.remove("web:2", { inUse: () => "c0ffee" }),
      /container c0ffee is using its referenced image/,
    );
    const res = await store.remove("web:2", { inUse: () => undefined });
    assert.deepEqual(res, [{ Untagged: "web:2" }, { Deleted: image.id }]);
    await assert.rejects(store.resolve("web:2"), ImageNotFoundError);
    // GC ran: nothing of the image is left.
    assert.equal([...Deno.readDirSync(store.blobsDir)].length, 0);
    assert.equal([...Deno.readDirSync(store.layersDir)].length, 0);
  });
});

Deno.test("a moved tag leaves the old image dangling, and gc() keeps pinned images", async () => {
  await withStore(async (root) => {
    const { store, image: a } = await oneLayerImage(root, "a", ["x"]);
    const { image: b } = await oneLayerImage(root, "b", ["x"]);
    assert.notEqual(a.id, b.id);
    const images = await store.images();
    assert.deepEqual(images.find((i) => i.id === a.id)?.tags, []);
    await store.pin("ctr1", [a.manifestDigest]);
    await store.remove(a.id);
    assert.ok(await store.hasBlob(a.manifestDigest), "pinned manifest kept");
    assert.ok(await store.hasLayer(parseDigest(a.config.rootfs.diff_ids[0]!)));
    await store.unpin("ctr1");
    const report = await store.gc();
    assert.equal(report.blobsRemoved.length, 3);
    assert.equal(report.layersRemoved.length, 1);
    assert.ok(report.bytesReclaimed > 2048);
    assert.ok(await store.hasBlob(b.manifestDigest));
  });
});

Deno.test("index.json updates from concurrent processes are never lost", async () => {
  await withStore(async (root) => {
    const { store, image } = await oneLayerImage(root, "a", ["base"]);
    const script = `
      import { openStore } from "${new URL("./store.ts", import.meta.url).href}";
      const store = await openStore(Deno.args[0]);
      for (let i = 0; i < 10; i++) await store.tag("base", "t" + Deno.args[1] + "-" + i);
    `;
    const file = `${root}/tagger.ts`;
    await Deno.writeTextFile(file, script);
    const procs = [0, 1, 2].map((n) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", file, root, String(n)],
        stdout: "null",
        stderr: "inherit",
      }).spawn()
    );
    for (let i = 0; i < 10; i++) await store.tag("base", `local-${i}`);
    for (const p of procs) assert.equal((await p.status).code, 0);
    const tags = (await store.resolve(image.id)).tags;
    assert.equal(tags.length, 1 + 10 + 30);
  });
});

Deno.test("gc() waits for ingests in flight, so their blobs are never collected", async () => {
  await withStore(async (root) => {
    const store = await openStore(root);
    let gcDone = false;
    let gcPromise: Promise<unknown> | undefined;
    await store.withIngest(async () => {
      const blob = await store.ingest(new TextEncoder().encode("in flight"));
      gcPromise = store.gc().then((r) => {
        gcDone = true;
        return r;
      });
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(gcDone, false, "gc ran while an ingest held the lock");
      assert.ok(await store.hasBlob(blob.digest));
      await store.pin("keeper", [blob.digest]);
    });
    await gcPromise;
    assert.equal(gcDone, true);
    assert.equal([...Deno.readDirSync(store.blobsDir)].length, 1, "pinned blob kept");
  });
});

Deno.test("images() skips an entry whose blobs are damaged and reports it in problems()", async () => {
  await withStore(async (root) => {
    const { store, image: a } = await oneLayerImage(root, "a", ["good:1"]);
    const { image: b } = await oneLayerImage(root, "b", ["bad:1"]);
    await Deno.remove(store.blobPath(b.id));
    const fresh = await openStore(root); // no cached JSON
    assert.deepEqual((await fresh.images()).map((i) => i.id), [a.id]);
    assert.match(fresh.problems()[0] ?? "", /docker\.io\/library\/bad:1: Cannot find blob sha256:/);
    await assert.rejects(fresh.resolve("bad:1"), ImageNotFoundError);
  });
});

Deno.test("gc() keeps fresh unreferenced layers (a build between ingest and pin) but not released ones", async () => {
  await withStore(async (root) => {
    const store = await openStore(root);
    const tar = rawTar([{ name: "in-flight", data: "x" }]);
    const layer = await store.ingestLayer(tar, { compression: "none", name: "step" });
    let report = await store.gc();
    assert.equal(report.blobsRemoved.length, 0, "a fresh layer survives a concurrent gc");
    assert.ok(await store.hasLayer(layer.diffId));
    // Once pinned and then unpinned (a cache prune), it goes at once.
    await store.pin("cache", [layer.diffId]);
    await store.unpin("cache");
    report = await store.gc();
    assert.deepEqual(report.blobsRemoved, [layer.digest]);
    assert.ok(!(await store.hasLayer(layer.diffId)));
    // With no grace, any unreferenced file goes.
    await store.ingestLayer(tar, { compression: "none", name: "step" });
    assert.equal((await store.gc({ graceMs: 0 })).blobsRemoved.length, 1);
  });
});
