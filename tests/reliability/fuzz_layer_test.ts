/**
 * Bad input loses nothing: random corruption of a valid layer (tar headers, data,
 * truncation, gzip stream) either ingests as the bytes it is, or fails with a typed
 * image error that names the layer, and the store is byte-identical afterwards.
 */
import assert from "node:assert/strict";
import { fc, runs } from "../_property.ts";
import { createHash } from "node:crypto";
import { ImageError, layerTar, openStore, type Store } from "../../image/mod.ts";
import { snapshotTree } from "./_snapshot.ts";

const RUNS = runs(60, 400);

async function validLayer(): Promise<Uint8Array> {
  const long = "d/".repeat(70) + "long-name-file";
  const tar = layerTar([
    { type: "dir", path: "/etc" },
    { type: "file", path: "/etc/hostname", data: "berth\n" },
    { type: "file", path: `/${long}`, data: "x".repeat(3000), mode: 0o4755 },
    { type: "symlink", path: "/etc/link", target: "../../../../etc/passwd" },
    { type: "hardlink", path: "/etc/hard", target: "/etc/hostname" },
    { type: "whiteout", path: "/gone" },
  ], { sourceDateEpoch: 0 });
  return new Uint8Array(await new Response(tar).arrayBuffer());
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const s = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(s).arrayBuffer());
}

type Mutation = { kind: "flip"; at: number; value: number } | { kind: "truncate"; at: number };

function mutate(bytes: Uint8Array, muts: Mutation[]): Uint8Array {
  let out = bytes.slice();
  for (const m of muts) {
    if (m.kind === "flip") out[m.at % out.length] = m.value;
    else out = out.slice(0, m.at % (out.length + 1));
  }
  return out;
}

const mutations = fc.array(
  fc.oneof(
    // Bias toward the first header blocks, where the parser's decisions are made.
    fc.record({
      kind: fc.constant("flip" as const),
      at: fc.oneof(fc.nat(1024), fc.nat(1 << 16)),
      value: fc.nat(255),
    }),
    fc.record({ kind: fc.constant("truncate" as const), at: fc.nat(1 << 16) }),
  ),
  { minLength: 1, maxLength: 6 },
);

const outcomes = { accepted: 0, refused: 0 };

async function check(store: Store, root: string, blob: Uint8Array, gz: boolean): Promise<void> {
  const before = await snapshotTree(root);
  try {
    const got = await store.ingestLayer(blob, {
      compression: gz ? "gzip" : "none",
      name: "fuzzed-layer",
    });
    // Accepted: it must be stored under the digest of exactly these bytes.
    const digest = "sha256:" + createHash("sha256").update(blob).digest("hex");
    assert.equal(got.digest, digest);
    assert.equal(await store.hasBlob(got.digest), true);
    outcomes.accepted++;
  } catch (err) {
    assert.ok(
      err instanceof ImageError,
      `untyped failure: ${err instanceof Error ? err.stack : err}`,
    );
    assert.match(err.message, /fuzzed-layer/, `error does not name the layer: ${err.message}`);
    assert.deepEqual(await snapshotTree(root), before, "a failed ingest changed the store");
    outcomes.refused++;
  }
}

Deno.test("corrupted layer tars are ingested exactly or refused with the store unchanged", async () => {
  const root = await Deno.makeTempDir({ prefix: "berth-fuzz-" });
  try {
    const store = await openStore(root);
    const good = await validLayer();
    await fc.assert(
      fc.asyncProperty(mutations, async (muts) => {
        await check(store, root, mutate(good, muts), false);
      }),
      { numRuns: RUNS },
    );
    assert.ok(
      outcomes.refused > 0,
      "no mutation was refused: the fuzzer is not reaching the parser",
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("corrupted gzip layers are ingested exactly or refused with the store unchanged", async () => {
  const root = await Deno.makeTempDir({ prefix: "berth-fuzz-" });
  try {
    const store = await openStore(root);
    const good = await gzip(await validLayer());
    await fc.assert(
      fc.asyncProperty(mutations, async (muts) => {
        await check(store, root, mutate(good, muts), true);
      }),
      { numRuns: RUNS },
    );
    assert.ok(
      outcomes.refused > 0,
      "no mutation was refused: the fuzzer is not reaching the parser",
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
