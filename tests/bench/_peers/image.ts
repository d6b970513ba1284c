/**
 * Image import against the peers, in one run, on the same single-layer image (many
 * small files, uncompressed): `sha256sum` of the layer (the floor: every importer
 * digests it), `tar -x` of the layer, `umoci unpack` of the OCI layout, `skopeo copy`
 * of the layout into another OCI layout, and `berth load` (`loadImages`) of the OCI
 * archive (a tar of the same layout) into a fresh store. All as MB/s of layer bytes.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { BenchContext, Row } from "../_harness.ts";
import { which } from "../_harness.ts";
import { ratioRow, series, short, skipRow, timeCommand } from "./common.ts";
import { loadImages, openStore } from "../../../image/mod.ts";
import { hostPlatform } from "../../../image/archive/platform.ts";

const G = "peers/image";

async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  using f = await Deno.open(path);
  for await (const chunk of f.readable) h.update(chunk);
  return h.digest("hex");
}

async function putBlob(layout: string, bytes: Uint8Array): Promise<string> {
  const hex = createHash("sha256").update(bytes).digest("hex");
  await Deno.writeFile(`${layout}/blobs/sha256/${hex}`, bytes);
  return `sha256:${hex}`;
}

/**
 * Make an OCI image layout (tag `latest`) with one uncompressed layer of `files` files
 * of `size` bytes, and an OCI archive of it.
 *
 * @param tmp Temp dir.
 * @param files Number of files.
 * @param size Bytes per file.
 * @returns Paths of the layer tar, the layout and the archive, and the layer's size.
 * @example
 * ```ts ignore
 * const img = await makeImage(ctx.tmp, 100, 16384);
 * ```
 */
export async function makeImage(
  tmp: string,
  files: number,
  size: number,
): Promise<{ layer: string; layout: string; archive: string; bytes: number }> {
  const tree = `${tmp}/tree`;
  const data = new Uint8Array(size);
  for (let d = 0; d < Math.ceil(files / 100); d++) {
    await Deno.mkdir(`${tree}/usr/share/d${d}`, { recursive: true });
  }
  for (let i = 0; i < files; i++) {
    for (let j = 0; j < size; j += 4096) data[j] = (i * 31 + j) & 0xff; // distinct contents
    await Deno.writeFile(`${tree}/usr/share/d${Math.floor(i / 100)}/f${i}.bin`, data);
  }
  const layer = `${tmp}/layer.tar`;
  await timeCommand("tar", [
    "--sort=name",
    "--owner=0",
    "--group=0",
    "--numeric-owner",
    "--mtime=@0",
    "-cf",
    layer,
    "-C",
    tree,
    ".",
  ]);
  await Deno.remove(tree, { recursive: true });
  const layout = `${tmp}/layout`;
  await Deno.mkdir(`${layout}/blobs/sha256`, { recursive: true });
  const layerHex = await sha256File(layer);
  const bytes = (await Deno.stat(layer)).size;
  await Deno.rename(layer, `${layout}/blobs/sha256/${layerHex}`);
  await Deno.link(`${layout}/blobs/sha256/${layerHex}`, layer);
  const enc = new TextEncoder();
  const platform = hostPlatform();
  const config = enc.encode(JSON.stringify({
    architecture: platform.architecture,
    os: platform.os,
    config: { Cmd: ["/bin/sh"] },
    rootfs: { type: "layers", diff_ids: [`sha256:${layerHex}`] },
    history: [{ created_by: "peers bench" }],
  }));
  const manifest = enc.encode(JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: {
      mediaType: "application/vnd.oci.image.config.v1+json",
      digest: await putBlob(layout, config),
      size: config.length,
    },
    layers: [{
      mediaType: "application/vnd.oci.image.layer.v1.tar",
      digest: `sha256:${layerHex}`,
      size: bytes,
    }],
  }));
  await Deno.writeTextFile(
    `${layout}/index.json`,
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [{
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        digest: await putBlob(layout, manifest),
        size: manifest.length,
        annotations: { "org.opencontainers.image.ref.name": "latest" },
      }],
    }),
  );
  await Deno.writeTextFile(`${layout}/oci-layout`, '{"imageLayoutVersion":"1.0.0"}');
  const archive = `${tmp}/image.tar`;
  await timeCommand("tar", ["-cf", archive, "-C", layout, "."]);
  return { layer, layout, archive, bytes };
}

/**
 * The image import rows.
 *
 * @param ctx Bench context.
 * @returns MB/s of each importer and Berth's ratio to each.
 * @example
 * ```ts ignore
 * const rows = await imageRows({ quick: true, tmp });
 * ```
 */
export async function imageRows(ctx: BenchContext): Promise<Row[]> {
  const files = ctx.quick ? 100 : 2000;
  const size = ctx.quick ? 16384 : 32768;
  const runs = ctx.quick ? 2 : 5;
  const img = await makeImage(ctx.tmp, files, size);
  const mb = img.bytes / 1e6;
  const rows: Row[] = [];
  const rate: Record<string, number> = {};
  const dest = (i: number) => `${ctx.tmp}/out${i}`;
  const clean = (i: number) => Deno.remove(dest(i), { recursive: true }).catch(() => {});
  const root = Deno.uid() === 0;
  const peers: [string, string, (i: number) => string[]][] = [
    ["sha256sum of the layer (floor)", "sha256sum", () => [img.layer]],
    ["tar -x of the layer", "tar", (i) => ["-xf", img.layer, "-C", dest(i)]],
    [
      "umoci unpack",
      "umoci",
      (
        i,
      ) => ["unpack", ...(root ? [] : ["--rootless"]), "--image", `${img.layout}:latest`, dest(i)],
    ],
    [
      "skopeo copy oci: → oci:",
      "skopeo",
      (i) => ["copy", "--insecure-policy", `oci:${img.layout}:latest`, `oci:${dest(i)}:latest`],
    ],
  ];
  for (const [name, program, args] of peers) {
    const bin = await which(program);
    const label = `${name} (${mb.toFixed(0)} MB, ${files} files)`;
    if (!bin) {
      rows.push(skipRow(G, label, "MB/s", `${program} not installed`));
      continue;
    }
    try {
      const st = await series(runs, async (i) => {
        if (program === "tar") await Deno.mkdir(dest(i));
        const { ms } = await timeCommand(bin, args(i));
        await clean(i);
        return ms;
      });
      rate[program] = mb / (st.median / 1000);
      rows.push({
        group: G,
        name: label,
        value: rate[program]!,
        unit: "MB/s",
        note: `median ${st.median.toFixed(0)} ms`,
      });
    } catch (err) {
      rows.push(skipRow(G, label, "MB/s", short(err)));
    }
  }
  const berth = await series(runs, async (i) => {
    const store = await openStore(dest(i));
    const t0 = performance.now();
    const loaded = await loadImages(store, img.archive, { repository: "peers" });
    const ms = performance.now() - t0;
    if (loaded.length !== 1) throw new Error(`berth load: ${loaded.length} images`);
    await clean(i);
    return ms;
  });
  const berthRate = mb / (berth.median / 1000);
  rows.push({
    group: G,
    name: `berth load of the OCI archive (${mb.toFixed(0)} MB, ${files} files)`,
    value: berthRate,
    unit: "MB/s",
    note: `loadImages into a fresh store (digest, index); median ${berth.median.toFixed(0)} ms`,
  });
  const against: [string, string][] = [
    ["sha256sum", "sha256sum"],
    ["tar", "tar -x"],
    ["umoci", "umoci unpack"],
    ["skopeo", "skopeo copy"],
  ];
  for (const [key, label] of against) {
    const r = rate[key];
    if (r !== undefined) {
      rows.push(ratioRow(G, `berth load / ${label}`, berthRate, r, { note: "higher is better" }));
    }
  }
  return rows;
}
