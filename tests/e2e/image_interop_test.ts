/**
 * Interop with real OCI tools: images made by umoci (and packed by skopeo) load into
 * Berth and read byte-identical through the layer index; `berth save` output is
 * accepted by `skopeo inspect` and unpacked by `umoci unpack` into the same tree.
 * Skipped (with the reason) when the tools are not installed.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import {
  baseImageChanges,
  ensureBaseImage,
  fileChunks,
  loadImages,
  mergeLayers,
  openLayer,
  openStore,
  parseDigest,
  saveImagesToFile,
  type Store,
  storeLayer,
  TarIndexer,
} from "../../image/mod.ts";

const haveTools = existsSync("/usr/bin/umoci") && existsSync("/usr/bin/skopeo");

async function run(cmd: string, args: string[], cwd?: string): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return text;
}

type Node = { kind: "file"; mode: number; data: Uint8Array } | { kind: "dir"; mode: number } | {
  kind: "symlink";
  target: string;
};

/** The tree umoci unpacked, as path → node. */
async function hostTree(root: string): Promise<Map<string, Node>> {
  const out = new Map<string, Node>();
  async function walk(dir: string, rel: string): Promise<void> {
    for await (const e of Deno.readDir(dir)) {
      const p = `${dir}/${e.name}`;
      const r = `${rel}/${e.name}`;
      const st = await Deno.lstat(p);
      if (st.isSymlink) out.set(r, { kind: "symlink", target: await Deno.readLink(p) });
      else if (st.isDirectory) {
        out.set(r, { kind: "dir", mode: st.mode! & 0o7777 });
        await walk(p, r);
      } else out.set(r, { kind: "file", mode: st.mode! & 0o7777, data: await Deno.readFile(p) });
    }
  }
  await walk(root, "");
  return out;
}

/** The same tree read through Berth's merged layer index. */
async function berthTree(store: Store, ref: string): Promise<Map<string, Node>> {
  const image = await store.resolve(ref);
  const layers = [];
  for (const d of image.config.rootfs.diff_ids) {
    layers.push(await openLayer(store.layerFiles(parseDigest(d))));
  }
  const merged = mergeLayers(layers);
  const out = new Map<string, Node>();
  for (const path of merged.paths()) {
    if (path === "/") continue;
    const hit = merged.lookup(path)!;
    const e = hit.entry;
    if (e.type === "symlink") out.set(path, { kind: "symlink", target: e.linkTarget ?? "" });
    else if (e.type === "dir") out.set(path, { kind: "dir", mode: e.mode });
    else {
      const data = new Uint8Array(e.size);
      let off = 0;
      while (off < e.size) {
        const n = merged.readSync(hit, data.subarray(off), off);
        if (n === 0) break;
        off += n;
      }
      out.set(path, { kind: "file", mode: e.mode, data });
    }
  }
  layers.forEach((l) => l.close());
  return out;
}

function assertSameTree(actual: Map<string, Node>, expected: Map<string, Node>): void {
  assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort());
  for (const [path, want] of expected) {
    const got = actual.get(path)!;
    assert.equal(got.kind, want.kind, path);
    if (want.kind === "symlink" && got.kind === "symlink") assert.equal(got.target, want.target);
    if (want.kind === "file" && got.kind === "file") {
      assert.equal(got.mode, want.mode, `mode of ${path}`);
      assert.ok(Buffer.from(got.data).equals(Buffer.from(want.data)), `content of ${path}`);
    }
  }
}

Deno.test({
  name: "an umoci-built, skopeo-packed image loads and reads byte-identical to umoci unpack",
  ignore: !haveTools,
  async fn() {
    const t = await Deno.makeTempDir({ prefix: "berth-interop-" });
    try {
      await run("umoci", ["init", "--layout", `${t}/oci`]);
      await run("umoci", ["new", "--image", `${t}/oci:img`]);
      await run("umoci", ["unpack", "--rootless", "--image", `${t}/oci:img`, `${t}/b`]);
      const r = `${t}/b/rootfs`;
      const random = crypto.getRandomValues(new Uint8Array(65536));
      await Deno.mkdir(`${r}/etc/conf.d`, { recursive: true });
      await Deno.writeTextFile(`${r}/etc/conf.d/a.conf`, "a=1\n");
      await Deno.writeFile(`${r}/etc/random.bin`, random);
      await Deno.writeTextFile(`${r}/etc/gone`, "deleted in layer 2\n");
      await Deno.mkdir(`${r}/opq/sub`, { recursive: true });
      await Deno.writeTextFile(`${r}/opq/sub/old`, "old\n");
      const longDir = `${r}/${"d".repeat(100)}/${"e".repeat(100)}/${"f".repeat(100)}`;
      await Deno.mkdir(longDir, { recursive: true });
      await Deno.writeTextFile(`${longDir}/long-name-file.txt`, "long path > 255 bytes\n");
      await Deno.symlink("conf.d/a.conf", `${r}/etc/link`);
      await Deno.link(`${r}/etc/conf.d/a.conf`, `${r}/etc/hard`);
      await Deno.writeFile(`${r}/exe`, new TextEncoder().encode("#!/bin/sh\n"), { mode: 0o755 });
      await Deno.chmod(`${r}/exe`, 0o755);
      await run("umoci", ["repack", "--image", `${t}/oci:img`, `${t}/b`]);
      // Layer 2 (repack builds on the bundle's source image, so unpack afresh): a deletion
      // (whiteout), a replaced directory, a new file.
      await run("umoci", ["unpack", "--rootless", "--image", `${t}/oci:img`, `${t}/b2`]);
      const r2 = `${t}/b2/rootfs`;
      await Deno.remove(`${r2}/etc/gone`);
      await Deno.remove(`${r2}/opq`, { recursive: true });
      await Deno.mkdir(`${r2}/opq`);
      await Deno.writeTextFile(`${r2}/opq/new`, "new\n");
      await Deno.writeTextFile(`${r2}/etc/conf.d/b.conf`, "b=2\n");
      await run("umoci", ["repack", "--image", `${t}/oci:img`, `${t}/b2`]);
      await run("skopeo", ["copy", `oci:${t}/oci:img`, `oci-archive:${t}/img.tar:img`]);
      await run("umoci", ["unpack", "--rootless", "--image", `${t}/oci:img`, `${t}/check`]);

      const store = await openStore(`${t}/root`);
      const loaded = await loadImages(store, `${t}/img.tar`, { repository: "umoci/img" });
      assert.deepEqual(loaded.map((l) => l.tags), [["umoci/img:img"]]);
      const image = await store.resolve("umoci/img:img");
      assert.equal(image.config.rootfs.diff_ids.length, 2);
      const expected = await hostTree(`${t}/check/rootfs`);
      assert.ok(expected.has("/etc/hard") && !expected.has("/etc/gone"));
      assertSameTree(await berthTree(store, "umoci/img:img"), expected);
    } finally {
      await Deno.remove(t, { recursive: true });
    }
  },
});

Deno.test({
  name: "berth save output passes skopeo inspect and umoci unpack reproduces the tree",
  ignore: !haveTools,
  async fn() {
    const t = await Deno.makeTempDir({ prefix: "berth-interop-" });
    try {
      const store = await openStore(`${t}/root`);
      const base = await ensureBaseImage(store, { applets: ["sh", "ls", "cat"] });
      await saveImagesToFile(store, ["berth/base"], `${t}/base.tar`);
      const info = JSON.parse(await run("skopeo", ["inspect", `oci-archive:${t}/base.tar`]));
      assert.equal(info.Digest, base.manifestDigest);
      assert.equal(info.Os, "wasi");
      assert.equal(info.Architecture, "wasm");
      assert.deepEqual(info.Layers, base.manifest.layers.map((l) => l.digest));
      // The store itself is an OCI image layout the tools read in place.
      const direct = JSON.parse(
        await run("skopeo", ["inspect", `oci:${t}/root/images:docker.io/berth/base:latest`]),
      );
      assert.equal(direct.Digest, base.manifestDigest);
      assert.match(
        await run("umoci", ["ls", "--layout", `${t}/root/images`]),
        /berth\/base:latest/,
      );

      // umoci only unpacks Linux images: a two-layer linux/amd64 image with whiteouts,
      // an opaque directory, links and a long name, made by Berth's layer writer.
      const l1 = await storeLayer(store, [
        ...baseImageChanges(["sh"]),
        { type: "dir", path: "/opq" },
        { type: "file", path: "/opq/old", data: "old" },
        { type: "file", path: "/gone", data: "bye" },
        { type: "file", path: "/data.bin", data: randomBytes(70000) },
        { type: "hardlink", path: "/data.hard", target: "/data.bin" },
        { type: "file", path: "/" + "x".repeat(120) + "/" + "y".repeat(150), data: "long" },
      ], { sourceDateEpoch: 0 });
      const l2 = await storeLayer(store, [
        { type: "whiteout", path: "/gone" },
        { type: "opaque", path: "/opq" },
        { type: "dir", path: "/opq" },
        { type: "file", path: "/opq/new", data: "new", mode: 0o755 },
        { type: "hardlink", path: "/data.hard2", target: "/data.bin" },
      ], { sourceDateEpoch: 0 });
      await store.putImage(
        {
          architecture: "amd64",
          os: "linux",
          rootfs: { type: "layers", diff_ids: [l1.diffId, l2.diffId] },
        },
        [l1, l2],
        ["linux/img:1"],
      );
      await saveImagesToFile(store, ["linux/img:1"], `${t}/img.tar`);
      await run("skopeo", ["inspect", `oci-archive:${t}/img.tar`]);
      await Deno.mkdir(`${t}/layout`);
      await run("tar", ["-xf", `${t}/img.tar`, "-C", `${t}/layout`]);
      await run("umoci", ["unpack", "--rootless", "--image", `${t}/layout:1`, `${t}/out`]);
      const expected = await hostTree(`${t}/out/rootfs`);
      assert.ok(!expected.has("/gone") && !expected.has("/opq/old") && expected.has("/opq/new"));
      assertSameTree(await berthTree(store, "linux/img:1"), expected);
    } finally {
      await Deno.remove(t, { recursive: true });
    }
  },
});

Deno.test({
  name: "GNU tar archives (gnu, posix/PAX, ustar) index to offsets that read the host bytes",
  ignore: !existsSync("/usr/bin/tar") && !existsSync("/bin/tar"),
  async fn() {
    const t = await Deno.makeTempDir({ prefix: "berth-gnutar-" });
    try {
      const src = `${t}/src`;
      const deep = `${src}/${"a".repeat(90)}/${"b".repeat(90)}/${"c".repeat(90)}`;
      await Deno.mkdir(deep, { recursive: true });
      await Deno.writeTextFile(`${deep}/${"n".repeat(120)}.txt`, "deep and long\n");
      await Deno.writeTextFile(`${src}/ünïcödé ✓.txt`, "utf-8 name\n");
      await Deno.writeFile(`${src}/random.bin`, randomBytes(200_000));
      await Deno.writeFile(`${src}/empty`, new Uint8Array(0));
      await Deno.link(`${src}/random.bin`, `${src}/random.hard`);
      await Deno.symlink("random.bin", `${src}/random.link`);
      await Deno.mkdir(`${src}/emptydir`);
      const expected = await hostTree(src);
      for (const format of ["gnu", "posix", "ustar"]) {
        const tarPath = `${t}/${format}.tar`;
        const names = format === "ustar"
          ? ["random.bin", "random.hard", "random.link", "empty", "emptydir"]
          : ["."];
        await run("tar", [`--format=${format}`, "-cf", tarPath, "-C", src, ...names]);
        const ix = new TarIndexer(`${format}.tar`);
        for await (const c of fileChunks(tarPath)) ix.push(c);
        const { entries } = ix.finish();
        const byPath = new Map(entries.map((e) => [e.path, e]));
        const bytes = await Deno.readFile(tarPath);
        for (const [path, want] of expected) {
          if (format === "ustar" && !names.some((n) => path === `/${n}`)) continue;
          const e = byPath.get(path);
          assert.ok(e, `${format}: ${path} indexed`);
          if (want.kind === "file") {
            const data = e.type === "hardlink" ? byPath.get(e.linkTarget!)! : e;
            assert.equal(data.size, want.data.length, `${format}: size of ${path}`);
            assert.ok(
              Buffer.from(bytes.subarray(data.dataOffset, data.dataOffset + data.size)).equals(
                Buffer.from(want.data),
              ),
              `${format}: bytes of ${path}`,
            );
          } else if (want.kind === "symlink") assert.equal(e.linkTarget, want.target);
          else assert.equal(e.type, "dir");
        }
      }
      // Sparse files are refused clearly, in both GNU and PAX encodings.
      const sparse = `${t}/sparse`;
      await Deno.mkdir(sparse);
      const f = await Deno.open(`${sparse}/holes`, { write: true, create: true });
      await f.truncate(4 * 2 ** 20);
      await f.seek(2 ** 20, Deno.SeekMode.Start);
      await f.write(new TextEncoder().encode("data in the middle"));
      f.close();
      for (const format of ["gnu", "posix"]) {
        await run("tar", [
          `--format=${format}`,
          "--sparse",
          "-cf",
          `${t}/s.tar`,
          "-C",
          sparse,
          ".",
        ]);
        const ix = new TarIndexer(`sparse-${format}.tar`);
        assert.throws(() => {
          ix.push(Deno.readFileSync(`${t}/s.tar`));
          ix.finish();
        }, /sparse-\w+\.tar: sparse file .*holes is not supported/);
      }
    } finally {
      await Deno.remove(t, { recursive: true });
    }
  },
});
