import assert from "node:assert/strict";
import { join } from "node:path";
import { ensureBaseImage } from "../base/base_image.ts";
import { layerFiles } from "../layer/layer_ingest.ts";
import { parseDigest } from "./digest.ts";
import { openStore } from "./store.ts";
import { checkStore } from "./store_check.ts";

async function withStore(fn: (root: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "berth-check-" });
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("checkStore() finds nothing wrong in a whole store", () =>
  withStore(async (root) => {
    const store = await openStore(root);
    await ensureBaseImage(store, { applets: ["sh", "ls"] });
    const report = await checkStore(store);
    assert.deepEqual(report.problems, []);
    assert.equal(report.images, 1);
    assert.equal(report.layers, 1);
    assert.ok(report.blobs >= 3);
  }));

Deno.test("checkStore() reports a torn blob and temp leftovers, and repair removes them", () =>
  withStore(async (root) => {
    const store = await openStore(root);
    const base = await ensureBaseImage(store, { applets: ["sh"] });
    const layer = parseDigest(base.manifest.layers[0]!.digest);
    // A torn layer blob under its name, and a half-written ingest in tmp/.
    const blob = store.blobPath(layer);
    const bytes = await Deno.readFile(blob);
    await Deno.remove(blob); // it may be a hard link shared with the layer tar
    await Deno.writeFile(blob, bytes.subarray(0, 100));
    await Deno.writeTextFile(join(store.tmpDir, "ingest-123"), "partial");
    const report = await checkStore(store);
    const messages = report.problems.map((p) => p.message).join("\n");
    assert.match(messages, /leftover of interrupted work/);
    assert.match(messages, new RegExp(`blob .*${layer.slice(7)} holds sha256:`));
    assert.ok(report.problems.every((p) => !p.repaired));
    const repaired = await checkStore(store, { repair: true });
    assert.ok(repaired.problems.some((p) => p.repaired));
    const after = await checkStore(store);
    // The torn blob is gone; its absence is now reported as missing, not hidden.
    assert.match(after.problems.map((p) => p.message).join("\n"), /missing/);
    assert.ok(!after.problems.some((p) => /leftover|holds sha256/.test(p.message)));
  }));

Deno.test("checkStore() reports a layer whose uncompressed tar is gone", () =>
  withStore(async (root) => {
    const store = await openStore(root);
    const base = await ensureBaseImage(store, { applets: ["sh"] });
    const diffId = parseDigest(base.config.rootfs.diff_ids[0]!);
    await Deno.remove(layerFiles(store.layersDir, diffId).tar);
    const report = await checkStore(store);
    assert.match(report.problems.map((p) => p.message).join("\n"), /has no uncompressed tar/);
  }));

Deno.test("checkStore() reports a damaged layer index, and repair rebuilds it from the tar", () =>
  withStore(async (root) => {
    const store = await openStore(root);
    const base = await ensureBaseImage(store, { applets: ["sh"] });
    const diffId = parseDigest(base.config.rootfs.diff_ids[0]!);
    const { index } = layerFiles(store.layersDir, diffId);
    const good = await Deno.readTextFile(index);
    await Deno.writeTextFile(index, good.slice(0, 40));
    const report = await checkStore(store);
    assert.match(report.problems.map((p) => p.message).join("\n"), /damaged index/);
    assert.ok(report.problems.every((p) => !p.repaired));
    const repaired = await checkStore(store, { repair: true });
    assert.ok(repaired.problems.some((p) => p.repaired && /rebuilt/.test(p.message)));
    assert.deepEqual(JSON.parse(await Deno.readTextFile(index)), JSON.parse(good));
    assert.deepEqual((await checkStore(store)).problems, []);
  }));
