import assert from "node:assert/strict";
import { openStore } from "../store/store.ts";
import { BadLayerError, DigestMismatchError } from "../store/errors.ts";
import { sha256Digest } from "../store/digest.ts";
import { openLayer, openLayerSync } from "./open_layer.ts";
import { readLayerIndex } from "./layer_index_file.ts";
import { gzip, rawTar, treeSnapshot } from "../../tests/fixtures/images/tar_builder.ts";

async function withStore(fn: (s: Awaited<ReturnType<typeof openStore>>) => Promise<void>) {
  const tmp = await Deno.makeTempDir();
  try {
    await fn(await openStore(tmp));
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

Deno.test("ingestLayer() inflates gzip, checks both digests and indexes the tar", async () => {
  await withStore(async (store) => {
    const tar = rawTar([{ name: "etc/motd", data: "hello\n" }]);
    const gz = await gzip(tar);
    const l = await store.ingestLayer(gz, {
      compression: "gzip",
      name: "motd.tar.gz",
      expected: sha256Digest(gz),
      size: gz.length,
      expectedDiffId: sha256Digest(tar),
    });
    assert.equal(l.diffId, sha256Digest(tar));
    assert.equal(l.digest, sha256Digest(gz));
    const layer = await openLayer(store.layerFiles(l.diffId));
    const e = layer.entries.get("/etc/motd")!;
    assert.equal(new TextDecoder().decode(layer.readFileSync(e)), "hello\n");
    layer.close();
    assert.deepEqual(await Deno.readFile(store.layerFiles(l.diffId).tar), tar);
  });
});

Deno.test("bad layers fail with a message naming the layer and leave the store unchanged", async () => {
  await withStore(async (store) => {
    const tar = rawTar([{ name: "f", data: "x".repeat(3000) }]);
    const gz = await gzip(tar);
    const corrupt = gz.slice();
    corrupt.fill(0x55, 20, 40);
    const before = await treeSnapshot(store.layoutDir);
    const cases: [Uint8Array, "none" | "gzip", RegExp, object?][] = [
      [corrupt, "gzip", /layer bad\.tar\.gz: corrupt gzip data/],
      [gz.subarray(0, gz.length - 10), "gzip", /bad\.tar\.gz/],
      [tar.subarray(0, 1500), "none", /truncated tar/],
      [tar, "none", /Cannot verify diff_id of bad\.tar\.gz/, {
        expectedDiffId: sha256Digest("nope"),
      }],
      [tar, "none", /Cannot verify bad\.tar\.gz/, { expected: sha256Digest("nope") }],
      [rawTar([{ name: "../x", data: "x" }]), "none", /"..\/x" contains a '..'/],
    ];
    for (const [bytes, compression, re, extra] of cases) {
      await assert.rejects(
        store.ingestLayer(bytes, { compression, name: "bad.tar.gz", ...extra }),
        (e: unknown) =>
          (e instanceof BadLayerError || e instanceof DigestMismatchError) && re.test(e.message),
      );
      assert.deepEqual(await treeSnapshot(store.layoutDir), before);
    }
  });
});

Deno.test("a gzip bomb stops at the inflation limit, cleanly", async () => {
  await withStore(async (store) => {
    // A header claiming 64 MiB of zeros, gzip-compressed to a few tens of KiB.
    const size = 64 * 2 ** 20;
    const head = rawTar([{ name: "bomb", size }], { noEnd: true });
    const stream = new ReadableStream<BufferSource>({
      start(c) {
        c.enqueue(head as Uint8Array<ArrayBuffer>);
        const zeros = new Uint8Array(2 ** 20);
        for (let i = 0; i < 64; i++) c.enqueue(zeros);
        c.close();
      },
    }).pipeThrough(new CompressionStream("gzip"));
    const gz = new Uint8Array(await new Response(stream).arrayBuffer());
    const before = await treeSnapshot(store.layoutDir);
    await assert.rejects(
      store.ingestLayer(gz, {
        compression: "gzip",
        name: "bomb.tar.gz",
        ratioFloor: 8 * 2 ** 20,
        maxRatio: 100,
      }),
      /bomb\.tar\.gz: inflates more than 100x/,
    );
    await assert.rejects(
      store.ingestLayer(gz, { compression: "gzip", name: "bomb.tar.gz", maxLayerSize: 2 ** 20 }),
      /beyond the 1048576-byte layer limit/,
    );
    assert.deepEqual(await treeSnapshot(store.layoutDir), before);
  });
});

Deno.test("layers Berth makes keep symlinks that climb above the root; archives refuse them", async () => {
  await withStore(async (store) => {
    const tar = rawTar([{ name: "etc/link", type: "2", linkname: "../../../etc/passwd" }]);
    const l = await store.ingestLayer(tar, { compression: "none", name: "commit" });
    const layer = await openLayer(store.layerFiles(l.diffId));
    assert.equal(layer.entries.get("/etc/link")?.linkTarget, "../../../etc/passwd");
    layer.close();
    const other = rawTar([{ name: "x", type: "2", linkname: "../../y" }]);
    await assert.rejects(
      store.ingestLayer(other, {
        compression: "none",
        name: "outside",
        escapingSymlinks: "refuse",
      }),
      /outside: symlink \/x -> ..\/..\/y points outside the image root/,
    );
  });
});

Deno.test("a missing, empty, cut or stale layer index is rebuilt from the tar (it is not fsynced)", async () => {
  await withStore(async (store) => {
    const tar = rawTar([
      { name: "etc/motd", data: "hello\n" },
      { name: "etc/.wh.old", data: "" },
      { name: "usr/bin/tool", data: "t".repeat(5000), mode: 0o755 },
    ]);
    const l = await store.ingestLayer(tar, { compression: "none", name: "l.tar" });
    const files = store.layerFiles(l.diffId);
    const good = await readLayerIndex(files.index);
    const text = await Deno.readTextFile(files.index);
    const damage: [string, () => Promise<void>][] = [
      ["missing", () => Deno.remove(files.index)],
      ["empty", () => Deno.writeTextFile(files.index, "")],
      ["cut", () => Deno.writeTextFile(files.index, text.slice(0, text.length >> 1))],
      [
        "stale",
        () => Deno.writeTextFile(files.index, text.replace(/"tarSize":\d+/, '"tarSize":1')),
      ],
    ];
    for (const [what, hurt] of damage) {
      await hurt();
      const layer = what === "cut" ? openLayerSync(files) : await openLayer(files);
      const e = layer.entries.get("/etc/motd");
      assert.ok(e, what);
      assert.equal(new TextDecoder().decode(layer.readFileSync(e)), "hello\n", what);
      assert.ok(layer.whiteouts.has("/etc/old"), what);
      layer.close();
      assert.deepEqual(await readLayerIndex(files.index), good, `${what}: written back`);
    }
  });
});

Deno.test("reads of small files (kept whole once read) and large ones give the tar's bytes at every offset", async () => {
  await withStore(async (store) => {
    // 400 small files of 1 KiB are more than an open layer keeps (256 KiB): the ones past
    // the bound are read from the tar each time, and must read the same.
    const files = Array.from({ length: 400 }, (_, i) => ({
      name: `f/${i}`,
      data: String.fromCharCode(
        ...Array.from({ length: i === 0 ? 81 : 1024 }, (_, j) => 97 + (i + j) % 26),
      ),
    }));
    files.push({ name: "big", data: "0123456789".repeat(500) });
    const tar = rawTar(files);
    const l = await store.ingestLayer(tar, { compression: "none", name: "small.tar" });
    const layer = await openLayer(store.layerFiles(l.diffId));
    for (let round = 0; round < 2; round++) {
      for (const f of files) {
        const e = layer.entries.get(`/${f.name}`)!;
        for (const [pos, len] of [[0, e.size], [1, 7], [e.size - 3, 10], [e.size, 4]] as const) {
          const buf = new Uint8Array(len);
          const n = layer.readSync(e, buf, pos);
          assert.equal(new TextDecoder().decode(buf.subarray(0, n)), f.data.slice(pos, pos + len));
        }
      }
    }
    layer.close();
  });
});
