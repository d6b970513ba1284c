/**
 * `berth save`: images as an OCI image-layout archive that also carries Docker's
 * `manifest.json`, so both `docker load` and OCI tools (`skopeo`, `umoci`) accept it.
 *
 * index.json entries carry `org.opencontainers.image.ref.name` = the tag (`1.0`, as
 * `docker save` and skopeo write it) and `io.containerd.image.name` = the full
 * reference. Entries are written in a fixed order with fixed metadata, so saving the
 * same images twice gives the same bytes.
 *
 * @module
 */
import { createTarPacker, type TarHeader } from "modern-tar";
import type { Store, StoredImage } from "../store/store.ts";
import { digestHex, parseDigest } from "../store/digest.ts";
import {
  type Descriptor,
  type ImageIndex,
  MediaType,
  REF_NAME_ANNOTATION,
} from "../store/media_types.ts";
import { familiarReference, formatReference, parseReference } from "../store/reference.ts";
import { fileChunks, writeAll } from "../store/blob_ingest.ts";
import { removeQuietly, tempPath } from "../store/_fs.ts";
import { dirname } from "node:path";

/**
 * Write images as an archive stream.
 *
 * @param store The store.
 * @param refs References or IDs (`docker save` arguments).
 * @returns The archive bytes.
 * @throws ImageNotFoundError when a reference matches nothing.
 * @example
 * ```ts ignore
 * await saveImagesToFile(store, ["berth/base"], "base.tar");
 * ```
 */
export async function saveImages(
  store: Store,
  refs: readonly string[],
): Promise<ReadableStream<Uint8Array>> {
  const images: { image: StoredImage; tag?: string }[] = [];
  for (const r of refs) {
    const image = await store.resolve(r);
    let tag: string | undefined;
    try {
      const ref = parseReference(r);
      const full = formatReference(ref);
      if (!ref.digest && image.tags.includes(full)) tag = full;
    } catch { /* an ID */ }
    images.push({ image, ...(tag ? { tag } : {}) });
  }
  const index: ImageIndex = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
  const dockerManifest: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
  const blobs = new Set<string>();
  const seen = new Set<string>();
  for (const { image, tag } of images) {
    const key = `${image.manifestDigest} ${tag ?? ""}`;
    if (seen.has(key)) continue; // `save a:1 a:1` writes it once
    seen.add(key);
    const desc: Descriptor = {
      mediaType: MediaType.ociManifest,
      digest: image.manifestDigest,
      size: (await Deno.stat(store.blobPath(image.manifestDigest))).size,
    };
    const m = image.manifest;
    if (m.mediaType) desc.mediaType = m.mediaType;
    if (tag) {
      const r = parseReference(tag);
      desc.annotations = {
        "io.containerd.image.name": tag,
        [REF_NAME_ANNOTATION]: r.tag ?? "latest",
      };
    }
    index.manifests.push(desc);
    blobs.add(image.manifestDigest);
    blobs.add(m.config.digest);
    for (const l of m.layers) blobs.add(l.digest);
    const existing = dockerManifest.find((d) => d.Config === `blobs/sha256/${digestHex(image.id)}`);
    const repoTag = tag ? familiarReference(parseReference(tag)) : undefined;
    if (existing) {
      if (repoTag && !existing.RepoTags.includes(repoTag)) existing.RepoTags.push(repoTag);
    } else {
      dockerManifest.push({
        Config: `blobs/sha256/${digestHex(image.id)}`,
        RepoTags: repoTag ? [repoTag] : [],
        Layers: m.layers.map((l) => `blobs/sha256/${digestHex(parseDigest(l.digest))}`),
      });
    }
  }
  const { readable, controller } = createTarPacker();
  const enc = new TextEncoder();
  const fixed = { mtime: new Date(0), uid: 0, gid: 0, uname: "", gname: "" };
  const addBytes = async (name: string, bytes: Uint8Array) => {
    const w = controller.add({ ...fixed, name, size: bytes.length, type: "file", mode: 0o644 })
      .getWriter();
    await w.write(bytes);
    await w.close();
  };
  (async () => {
    try {
      for (const dir of ["blobs/", "blobs/sha256/"]) {
        const h: TarHeader = { ...fixed, name: dir, size: 0, type: "directory", mode: 0o755 };
        await controller.add(h).close();
      }
      for (const d of [...blobs].sort()) {
        const digest = parseDigest(d);
        const path = store.blobPath(digest);
        const size = (await Deno.stat(path)).size;
        const w = controller.add({
          ...fixed,
          name: `blobs/sha256/${digestHex(digest)}`,
          size,
          type: "file",
          mode: 0o644,
        }).getWriter();
        for await (const c of fileChunks(path)) await w.write(c);
        await w.close();
      }
      await addBytes("index.json", enc.encode(JSON.stringify(index)));
      await addBytes("manifest.json", enc.encode(JSON.stringify(dockerManifest)));
      await addBytes("oci-layout", enc.encode('{"imageLayoutVersion":"1.0.0"}'));
      controller.finalize();
    } catch (e) {
      controller.error(e);
    }
  })();
  return readable;
}

/**
 * Save images to a host file atomically (temp file beside it, then rename).
 *
 * @param store The store.
 * @param refs References or IDs.
 * @param path Destination file.
 * @example
 * ```ts ignore
 * await saveImagesToFile(store, ["web:1"], "/tmp/web.tar");
 * ```
 */
export async function saveImagesToFile(
  store: Store,
  refs: readonly string[],
  path: string,
): Promise<void> {
  const stream = await saveImages(store, refs);
  const tmp = tempPath(dirname(path) || ".", "save");
  const f = await Deno.open(tmp, { write: true, createNew: true, mode: 0o644 });
  try {
    for await (const c of stream) await writeAll(f, c);
    await f.sync();
    f.close();
    await Deno.rename(tmp, path);
  } catch (e) {
    try {
      f.close();
    } catch { /* closed */ }
    await removeQuietly(tmp);
    throw e;
  }
}
