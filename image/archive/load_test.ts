import assert from "node:assert/strict";
import { openStore, type Store } from "../store/store.ts";
import { loadImages } from "./load.ts";
import { saveImages, saveImagesToFile } from "./save.ts";
import { importRootfs } from "./import_rootfs.ts";
import { openLayer } from "../layer/open_layer.ts";
import { mergeLayers } from "../layer/merged_layers.ts";
import { parseDigest } from "../store/digest.ts";
import { gzip, gzipBomb, rawTar, treeSnapshot } from "../../tests/fixtures/images/tar_builder.ts";
import {
  dockerSaveArchive,
  multiPlatformArchive,
  ociArchive,
} from "../../tests/fixtures/images/archives.ts";
import { choosePlatform, hostPlatform } from "./platform.ts";
import { ensureBaseImage } from "../base/base_image.ts";

async function withStore(fn: (s: Store, tmp: string) => Promise<void>): Promise<void> {
  const tmp = await Deno.makeTempDir({ prefix: "berth-load-" });
  try {
    await fn(await openStore(`${tmp}/root`), tmp);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

async function readFile(store: Store, ref: string, path: string): Promise<string> {
  const img = await store.resolve(ref);
  const layers = [];
  for (const d of img.config.rootfs.diff_ids) {
    layers.push(await openLayer(store.layerFiles(parseDigest(d))));
  }
  const m = mergeLayers(layers);
  const hit = m.lookup(path);
  assert.ok(hit, `${path} in ${ref}`);
  const buf = new Uint8Array(hit.entry.size);
  m.readSync(hit, buf, 0);
  layers.forEach((l) => l.close());
  return new TextDecoder().decode(buf);
}

const l1 = rawTar([{ name: "etc/", type: "5" }, { name: "etc/os-release", data: "ID=fixture\n" }]);
const l2 = rawTar([{ name: "etc/.wh.os-release", data: "" }, { name: "app/run", data: "run!" }]);

Deno.test("loadImages() loads a docker save archive with its RepoTags", async () => {
  await withStore(async (store, tmp) => {
    await Deno.writeFile(`${tmp}/d.tar`, dockerSaveArchive([l1, l2], ["fixture:1", "x/y:2"]));
    const [loaded] = await loadImages(store, `${tmp}/d.tar`);
    assert.deepEqual(loaded?.tags, ["fixture:1", "x/y:2"]);
    assert.equal(await readFile(store, "fixture:1", "/app/run"), "run!");
    const img = await store.resolve("x/y:2");
    assert.equal(img.manifest.layers.length, 2);
    await assert.rejects(readFile(store, "fixture:1", "/etc/os-release"));
  });
});

Deno.test("loadImages() loads a gzipped OCI archive from a stream; bare ref names need a repository", async () => {
  await withStore(async (store) => {
    const gz = await gzip(ociArchive([l1], "v1"));
    const [a] = await loadImages(store, ReadableStream.from([gz]));
    assert.deepEqual(a?.tags, []);
    assert.deepEqual(a?.image.tags, []);
    const [b] = await loadImages(store, ReadableStream.from([gz]), { repository: "demo" });
    assert.deepEqual(b?.tags, ["demo:v1"]);
    const [c] = await loadImages(store, ociArchive([l1], "reg.example:5000/a/b:c"));
    assert.deepEqual(c?.tags, ["reg.example:5000/a/b:c"]);
    assert.equal(await readFile(store, "demo:v1", "/etc/os-release"), "ID=fixture\n");
  });
});

Deno.test("save then load gives the same image in another store", async () => {
  await withStore(async (store, tmp) => {
    const base = await ensureBaseImage(store, { applets: ["sh", "ls"] });
    await store.tag("berth/base", "copy:1");
    await saveImagesToFile(store, ["berth/base", "copy:1"], `${tmp}/out.tar`);
    const again = new Uint8Array(
      await new Response(await saveImages(store, ["berth/base", "copy:1"])).arrayBuffer(),
    );
    assert.deepEqual(again, await Deno.readFile(`${tmp}/out.tar`), "save is reproducible");
    const other = await openStore(`${tmp}/other`);
    const loaded = await loadImages(other, `${tmp}/out.tar`);
    assert.deepEqual(loaded.map((l) => l.tags), [["berth/base:latest", "copy:1"]]);
    assert.equal((await other.resolve("copy:1")).manifestDigest, base.manifestDigest);
    // Docker's manifest.json is there too.
    const dockerOnly = await loadImagesFromDockerManifest(`${tmp}/out.tar`, tmp);
    assert.deepEqual(dockerOnly, ["berth/base:latest", "copy:1"]);
  });
});

/** Strip index.json from a saved archive so only Docker's manifest.json describes it. */
async function loadImagesFromDockerManifest(path: string, tmp: string): Promise<string[]> {
  const store = await openStore(`${tmp}/docker-only`);
  const { unpackTar, packTar } = await import("modern-tar");
  const entries = await unpackTar(await Deno.readFile(path));
  const kept = entries.filter((e) =>
    e.header.name !== "index.json" && e.header.name !== "oci-layout"
  );
  const tar = await packTar(kept.map((e) => ({ header: e.header, body: e.data })));
  const loaded = await loadImages(store, tar, { name: "docker-only.tar" });
  return loaded.flatMap((l) => l.tags);
}

Deno.test("bad archives fail clearly, naming the file and problem, and leave the store unchanged", async () => {
  await withStore(async (store, tmp) => {
    await ensureBaseImage(store, { applets: ["sh"] });
    const before = await treeSnapshot(store.layoutDir);
    const good = ociArchive([l1, l2], "a:b");
    const gz = await gzip(good);
    const corruptGz = gz.slice();
    corruptGz.fill(7, 30, 60);
    const zstd = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]);
    const cases: [string, Uint8Array, RegExp][] = [
      ["corrupt.tar.gz", corruptGz, /corrupt\.tar\.gz: corrupt gzip data/],
      ["truncated.tar", good.subarray(0, 2000), /truncated\.tar: truncated tar/],
      [
        "mismatch.tar",
        ociArchive([l1, l2], "a:b", { corruptLayer: true }),
        /Cannot verify .*layer 1/,
      ],
      [
        "nolayer.tar",
        ociArchive([l1, l2], "a:b", { dropBlob: "layer" }),
        /names missing blob sha256:/,
      ],
      [
        "noconfig.tar",
        ociArchive([l1], "a:b", { dropBlob: "config" }),
        /config of .* names missing blob/,
      ],
      [
        "nolayer-docker.tar",
        dockerSaveArchive([l1, l2], ["a:b"], { dropLayer: 1 }),
        /missing member .*layer\.tar/,
      ],
      [
        "diffid.tar",
        dockerSaveArchive([l1], ["a:b"], { badDiffId: true }),
        /Cannot verify diff_id of .*layer\.tar/,
      ],
      ["zstd.tar.zst", zstd, /zstd-compressed archives are not supported/],
      [
        "zstd-layer.tar",
        ociArchive([l1], "a:b", { layerMediaType: "application/vnd.oci.image.layer.v1.tar+zstd" }),
        /zstd-compressed layers are not supported/,
      ],
      [
        "escape.tar",
        dockerSaveArchive([rawTar([{ name: "../../etc/passwd", data: "x" }])], ["a:b"]),
        /"..\/..\/etc\/passwd" contains a '..'/,
      ],
      [
        "abs.tar",
        dockerSaveArchive([rawTar([{ name: "/etc/passwd", data: "x" }])], ["a:b"]),
        /"\/etc\/passwd" is an absolute path/,
      ],
      [
        "symlink.tar",
        dockerSaveArchive([rawTar([{ name: "x", type: "2", linkname: "../../../etc/shadow" }])], [
          "a:b",
        ]),
        /symlink \/x -> ..\/..\/..\/etc\/shadow points outside/,
      ],
      [
        "bomb.tar",
        dockerSaveArchive([rawTar([{ name: "huge", size: 9 * 2 ** 30 }], { noEnd: true })], [
          "a:b",
        ]),
        /huge claims 9663676416 bytes/,
      ],
      ["empty.tar", rawTar([]), /neither an OCI image layout/],
    ];
    for (const [name, bytes, re] of cases) {
      await Deno.writeFile(`${tmp}/${name}`, bytes);
      await assert.rejects(loadImages(store, `${tmp}/${name}`), (e: unknown) => {
        assert.match((e as Error).message, re, `${name}: ${(e as Error).message}`);
        return true;
      });
      assert.deepEqual(
        await treeSnapshot(store.layoutDir),
        before,
        `store unchanged after ${name}`,
      );
    }
  });
});

Deno.test("importRootfs() makes a one-layer image with --change applied", async () => {
  await withStore(async (store, tmp) => {
    await Deno.writeFile(`${tmp}/rootfs.tar.gz`, await gzip(l1));
    const img = await importRootfs(store, `${tmp}/rootfs.tar.gz`, {
      tag: "imported:1",
      changes: [
        'CMD ["/bin/echo", "hi"]',
        'ENV A=1 B="two words"',
        "WORKDIR /srv",
        "EXPOSE 80",
        "USER nobody",
      ],
      message: "from a tarball",
    });
    assert.deepEqual(img.config.config?.Cmd, ["/bin/echo", "hi"]);
    assert.ok(img.config.config?.Env?.includes("B=two words"));
    assert.equal(img.config.config?.WorkingDir, "/srv");
    assert.deepEqual(img.config.config?.ExposedPorts, { "80/tcp": {} });
    assert.equal(img.config.history?.[0]?.comment, "from a tarball");
    assert.equal(await readFile(store, "imported:1", "/etc/os-release"), "ID=fixture\n");
    await assert.rejects(
      importRootfs(store, l1, { changes: ["RUN rm -rf /"] }),
      /RUN is not allowed/,
    );
  });
});

Deno.test("a 10 GiB gzip bomb (10 MiB file) stops at the default inflation limit, store unchanged", async () => {
  await withStore(async (store, tmp) => {
    const before = await treeSnapshot(store.layoutDir);
    const tenGiB = 10 * 2 ** 30;
    const bombLayer = gzipBomb(rawTar([{ name: "huge", size: tenGiB }], { noEnd: true }), tenGiB);
    // As a whole gzipped archive (`berth load < bomb.tar.gz`) ...
    await Deno.writeFile(`${tmp}/bomb.tar.gz`, gzipBomb(new Uint8Array(0), tenGiB));
    await assert.rejects(
      loadImages(store, `${tmp}/bomb.tar.gz`),
      /bomb\.tar\.gz: inflates more than 200x/,
    );
    // ... and as a gzip layer inside a docker save archive.
    await Deno.writeFile(`${tmp}/layer-bomb.tar`, dockerSaveArchive([bombLayer], ["a:b"]));
    await assert.rejects(
      loadImages(store, `${tmp}/layer-bomb.tar`),
      /layer\.tar \(layer 1 of manifest\.json entry 1\): inflates more than 200x/,
    );
    assert.deepEqual(await treeSnapshot(store.layoutDir), before);
    assert.deepEqual([...Deno.readDirSync(store.tmpDir)], []);
  });
});

Deno.test("a multi-platform index loads its wasi/wasm image (Docker v2s2 media types, gzip layers)", async () => {
  await withStore(async (store) => {
    const linux = rawTar([{ name: "which", data: "linux" }]);
    const wasi = rawTar([{ name: "which", data: "wasi" }]);
    const [loaded] = await loadImages(
      store,
      await multiPlatformArchive({ linux, wasi }, "docker.io/multi/arch:1"),
    );
    assert.deepEqual(loaded?.tags, ["multi/arch:1"]);
    assert.equal(loaded?.image.config.os, "wasi");
    assert.equal(await readFile(store, "multi/arch:1", "/which"), "wasi");
  });
});

Deno.test("choosePlatform() prefers wasi/wasm, then the host's Linux, and names what exists", () => {
  const d = (os: string, architecture: string) => ({
    mediaType: "m",
    digest: `${os}/${architecture}`,
    size: 1,
    platform: { os, architecture },
  });
  assert.equal(choosePlatform([d("linux", "amd64"), d("wasi", "wasm")], "x").digest, "wasi/wasm");
  const host = hostPlatform();
  assert.equal(
    choosePlatform([d("linux", "s390x"), d(host.os, host.architecture)], "x").digest,
    `${host.os}/${host.architecture}`,
  );
  assert.equal(
    choosePlatform([d("linux", "s390x"), d("unknown", "unknown")], "x").digest,
    "linux/s390x",
  );
  assert.throws(
    () => choosePlatform([d("linux", "s390x"), d("linux", "ppc64le")], "img.tar"),
    /Cannot choose a platform in img\.tar: .*linux\/s390x, linux\/ppc64le/,
  );
});
