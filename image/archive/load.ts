/**
 * `berth load`: images from an OCI image-layout archive (`skopeo copy … oci-archive:`,
 * `berth save`, `docker save` of Docker 25+) or a classic `docker save` archive
 * (`manifest.json` + `<id>/layer.tar`), from a file or a stream, gzip detected.
 *
 * Everything is validated before anything is referenced: every manifest, config and
 * layer named must be present in the archive, each blob must hash to its digest, each
 * layer's uncompressed digest must match the config's `rootfs.diff_ids`. Tags are
 * written to index.json last; on any failure the blobs and layers this load added are
 * removed again, so the store is as it was.
 *
 * Tags: a classic archive's `RepoTags`; in an OCI archive, `io.containerd.image.name`
 * when present, else `org.opencontainers.image.ref.name` when it is a full reference
 * (contains `/` or `:`); a bare ref name such as `latest` is a tag without a repository
 * and is applied only when the caller passes `repository`. Multi-platform indexes
 * are resolved with `choosePlatform`.
 *
 * @module
 */
import type { Store, StoredImage } from "../store/store.ts";
import { type Digest, digestHex, isDigest, parseDigest, sha256Digest } from "../store/digest.ts";
import { BadArchiveError, ImageError } from "../store/errors.ts";
import {
  type Descriptor,
  type ImageConfig,
  isIndexType,
  isManifestType,
  layerCompression,
  type Manifest,
  MediaType,
  REF_NAME_ANNOTATION,
} from "../store/media_types.ts";
import { type ByteSource, fileRangeChunks } from "../store/blob_ingest.ts";
import { formatReference, parseReference } from "../store/reference.ts";
import { type ArchiveFile, openArchive, resolveMember, sniffCompression } from "./archive_file.ts";
import { choosePlatform } from "./platform.ts";
import {
  type Fail,
  validateConfig,
  validateDockerManifest,
  validateIndex,
  validateManifest,
} from "../store/validate.ts";
import type { LayerLimits } from "../layer/layer_ingest.ts";
import { removeQuietly } from "../store/_fs.ts";

/** Options of `loadImages`. */
export interface LoadOptions extends LayerLimits {
  /** Name of the input for messages (default: the path, or `-`). */
  name?: string;
  /** Repository for OCI entries whose ref name is a bare tag. */
  repository?: string;
}

/** One image loaded. */
export interface LoadedImage {
  /** The image. */
  image: StoredImage;
  /** Tags it was given (short form, as `docker load` prints "Loaded image: …"). */
  tags: string[];
}

interface PlannedLayer {
  member: string;
  descriptor?: Descriptor;
  diffId: Digest;
}

interface PlannedImage {
  where: string;
  configBytes: Uint8Array;
  config: ImageConfig;
  manifestBytes?: Uint8Array;
  manifestMediaType?: string;
  layers: PlannedLayer[];
  tags: string[];
}

/**
 * Load every image of an archive into the store.
 *
 * @param store The store.
 * @param source Host path or bytes (a stream for stdin).
 * @param options Name for messages, repository for bare OCI tags, limits.
 * @returns The images loaded.
 * @throws BadArchiveError / DigestMismatchError / BadLayerError; the store is unchanged.
 * @example
 * ```ts ignore
 * for (const l of await loadImages(store, "busybox.tar")) console.log(l.tags);
 * ```
 */
export function loadImages(
  store: Store,
  source: string | ByteSource,
  options: LoadOptions = {},
): Promise<LoadedImage[]> {
  return store.withIngest(() => loadLocked(store, source, options));
}

async function loadLocked(
  store: Store,
  source: string | ByteSource,
  options: LoadOptions,
): Promise<LoadedImage[]> {
  const name = options.name ?? (typeof source === "string" ? source : "-");
  const archive = await openArchive(source, store.tmpDir, name, limitsOf(options));
  const added: string[] = [];
  const blobsBefore = await listDir(store.blobsDir);
  const layersBefore = await listDir(store.layersDir, store.layersDir + "/");
  try {
    const plans = archive.members.has("/manifest.json")
      ? await planDocker(archive)
      : archive.members.has("/index.json")
      ? await planOci(archive, options)
      : (() => {
        throw new BadArchiveError(
          name,
          "neither an OCI image layout (index.json) nor a docker save archive (manifest.json)",
        );
      })();
    if (plans.length === 0) throw new BadArchiveError(name, "contains no image");
    const out: LoadedImage[] = [];
    const toIndex: { desc: Descriptor; tags: string[] }[] = [];
    for (const plan of plans) {
      const layers = [];
      for (const [i, l] of plan.layers.entries()) {
        const e = resolveMember(archive.members, l.member, name);
        const head = await firstBytes(archive.path, e.dataOffset, Math.min(4, e.size));
        const sniffed = sniffCompression(head);
        const compression = l.descriptor
          ? layerCompression(l.descriptor.mediaType)
          : sniffed === "zstd"
          ? layerCompression(MediaType.ociLayerZstd)
          : sniffed;
        const digest = l.descriptor ? parseDigest(l.descriptor.digest) : undefined;
        const ingested = await store.ingestLayer(
          fileRangeChunks(archive.path, e.dataOffset, e.size),
          {
            compression,
            name: `${l.member} (layer ${i + 1} of ${plan.where})`,
            expected: digest,
            size: e.size,
            expectedDiffId: l.diffId,
            escapingSymlinks: "refuse",
            ...limitsOf(options),
          },
        );
        if (!blobsBefore.has(digestHex(ingested.digest))) {
          added.push(store.blobPath(ingested.digest));
        }
        const f = store.layerFiles(ingested.diffId);
        if (!layersBefore.has(f.tar)) added.push(f.tar, f.index);
        layers.push({
          mediaType: l.descriptor?.mediaType ??
            (compression === "gzip" ? MediaType.ociLayerGzip : MediaType.ociLayer),
          digest: ingested.digest,
          size: ingested.size,
        });
      }
      const cfg = await ingestTracked(store, added, plan.configBytes, `config of ${plan.where}`);
      let manifestBytes = plan.manifestBytes;
      let mediaType = plan.manifestMediaType ?? MediaType.ociManifest;
      if (!manifestBytes) {
        const manifest: Manifest = {
          schemaVersion: 2,
          mediaType: MediaType.ociManifest,
          config: { mediaType: MediaType.ociConfig, digest: cfg.digest, size: cfg.size },
          layers,
        };
        manifestBytes = new TextEncoder().encode(JSON.stringify(manifest));
        mediaType = MediaType.ociManifest;
      }
      const m = await ingestTracked(store, added, manifestBytes, `manifest of ${plan.where}`);
      toIndex.push({ desc: { mediaType, digest: m.digest, size: m.size }, tags: plan.tags });
    }
    for (const { desc, tags } of toIndex) {
      await store.addToIndex(desc, tags);
      const image = await store.resolve(desc.digest);
      out.push({ image, tags: tags.map(shortTag) });
    }
    return out;
  } catch (e) {
    for (const p of added) await removeQuietly(p);
    if (e instanceof ImageError) throw e;
    if (e instanceof TypeError || e instanceof RangeError || e instanceof SyntaxError) {
      // A shape the checks above missed: still the archive's fault, still typed.
      throw new BadArchiveError(name, `unexpected content (${e.message})`);
    }
    throw e;
  } finally {
    await archive.close();
  }
}

async function listDir(dir: string, prefix = ""): Promise<Set<string>> {
  const out = new Set<string>();
  for await (const e of Deno.readDir(dir)) out.add(prefix + e.name);
  return out;
}

function limitsOf(o: LayerLimits): LayerLimits {
  const out: LayerLimits = {};
  if (o.maxLayerSize !== undefined) out.maxLayerSize = o.maxLayerSize;
  if (o.maxRatio !== undefined) out.maxRatio = o.maxRatio;
  if (o.ratioFloor !== undefined) out.ratioFloor = o.ratioFloor;
  return out;
}

async function ingestTracked(store: Store, added: string[], bytes: Uint8Array, what: string) {
  const digest = sha256Digest(bytes);
  const had = await store.hasBlob(digest);
  const b = await store.ingest(bytes, { expected: digest, size: bytes.length, what });
  if (!had) added.push(store.blobPath(b.digest));
  return b;
}

async function firstBytes(path: string, offset: number, n: number): Promise<Uint8Array> {
  for await (const c of fileRangeChunks(path, offset, n)) return c;
  return new Uint8Array(0);
}

function shortTag(full: string): string {
  const r = parseReference(full);
  const repo = r.domain === "docker.io"
    ? (r.path.startsWith("library/") && r.path.split("/").length === 2 ? r.path.slice(8) : r.path)
    : `${r.domain}/${r.path}`;
  return `${repo}:${r.tag ?? "latest"}`;
}

function parseJson(bytes: Uint8Array, archive: ArchiveFile, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new BadArchiveError(archive.name, `${what} is not valid JSON (${(e as Error).message})`);
  }
}

function blobMember(d: string): string {
  if (!isDigest(d)) throw new ImageError(`Invalid digest "${d}" in archive`);
  return `blobs/sha256/${digestHex(d)}`;
}

async function readVerified(archive: ArchiveFile, desc: Descriptor, what: string) {
  const digest = parseDigest(desc.digest);
  if (!archive.members.has("/" + blobMember(digest))) {
    throw new BadArchiveError(archive.name, `${what} names missing blob ${digest}`);
  }
  const e = resolveMember(archive.members, blobMember(digest), archive.name);
  if (e.size !== desc.size) {
    throw new BadArchiveError(
      archive.name,
      `${what} says blob ${digest} has ${desc.size} bytes, the archive holds ${e.size}`,
    );
  }
  if (e.size > MAX_JSON) {
    throw new BadArchiveError(archive.name, `${what} ${digest} is larger than ${MAX_JSON} bytes`);
  }
  const bytes = await archive.read(blobMember(digest));
  const actual = sha256Digest(bytes);
  if (actual !== digest) {
    throw new BadArchiveError(archive.name, `${what} ${digest} has content ${actual}`);
  }
  return bytes;
}

/** Largest JSON document (manifest, config, index) read from an archive. */
const MAX_JSON = 8 * 2 ** 20;

async function readJsonMember(archive: ArchiveFile, member: string, what: string) {
  const e = resolveMember(archive.members, member, archive.name);
  if (e.size > MAX_JSON) {
    throw new BadArchiveError(archive.name, `${what} is larger than ${MAX_JSON} bytes`);
  }
  return parseJson(await archive.read(member), archive, what);
}

function diffIdsMatch(archive: ArchiveFile, where: string, layers: number, config: ImageConfig) {
  const n = config.rootfs.diff_ids.length;
  if (n !== layers) {
    throw new BadArchiveError(
      archive.name,
      `${where} has ${layers} layers but its config lists ${n} diff_ids`,
    );
  }
}

async function planOci(archive: ArchiveFile, options: LoadOptions): Promise<PlannedImage[]> {
  const fail = (why: string) => new BadArchiveError(archive.name, why);
  const index = validateIndex(
    await readJsonMember(archive, "index.json", "index.json"),
    "index.json",
    fail,
  );
  const plans: PlannedImage[] = [];
  for (const top of index.manifests) {
    let desc = top;
    let where = `index.json entry ${top.digest}`;
    for (let depth = 0; isIndexType(desc.mediaType) && depth < 4; depth++) {
      const bytes = await readVerified(archive, desc, where);
      const nested = validateIndex(parseJson(bytes, archive, where), where, fail);
      try {
        desc = choosePlatform(nested.manifests, `${archive.name} (${desc.digest})`);
      } catch (e) {
        throw fail((e as Error).message);
      }
      where = `manifest ${desc.digest}`;
    }
    if (!isManifestType(desc.mediaType)) {
      throw fail(`${where} has unsupported media type ${desc.mediaType}`);
    }
    const manifestBytes = await readVerified(archive, desc, where);
    const manifest = validateManifest(parseJson(manifestBytes, archive, where), where, fail);
    const configBytes = await readVerified(archive, manifest.config, `config of ${where}`);
    const config = validateConfig(
      parseJson(configBytes, archive, `config of ${where}`),
      `config of ${where}`,
      fail,
    );
    diffIdsMatch(archive, where, manifest.layers.length, config);
    const layers = manifest.layers.map((l, i) => {
      layerCompression(l.mediaType);
      const member = blobMember(l.digest);
      if (!archive.members.has("/" + member)) throw fail(`${where} names missing blob ${l.digest}`);
      return { member, descriptor: l, diffId: parseDigest(config.rootfs.diff_ids[i] ?? "") };
    });
    plans.push({
      where,
      configBytes,
      config,
      manifestBytes,
      manifestMediaType: desc.mediaType,
      layers,
      tags: ociTags(top, options, fail),
    });
  }
  return plans;
}

function ociTags(d: Descriptor, options: LoadOptions, fail: Fail): string[] {
  const full = d.annotations?.["io.containerd.image.name"];
  const ref = d.annotations?.[REF_NAME_ANNOTATION];
  const candidates: string[] = [];
  if (full) candidates.push(full);
  else if (ref && (ref.includes("/") || ref.includes(":"))) candidates.push(ref);
  else if (ref && options.repository) candidates.push(`${options.repository}:${ref}`);
  return candidates.map((c) => normaliseTag(c, `index.json entry ${d.digest}`, fail));
}

function normaliseTag(text: string, where: string, fail: Fail): string {
  try {
    const r = parseReference(text);
    if (r.digest) throw new ImageError("a tag cannot hold a digest");
    return formatReference(r);
  } catch (e) {
    throw fail(`${where} has a bad tag: ${(e as Error).message}`);
  }
}

async function planDocker(archive: ArchiveFile): Promise<PlannedImage[]> {
  const fail = (why: string) => new BadArchiveError(archive.name, why);
  const entries = validateDockerManifest(
    await readJsonMember(archive, "manifest.json", "manifest.json"),
    fail,
  );
  const plans: PlannedImage[] = [];
  for (const [n, e] of entries.entries()) {
    const where = `manifest.json entry ${n + 1}`;
    if (!archive.members.has("/" + e.Config.replace(/^(\.?\/)+/, ""))) {
      throw fail(`${where} names missing config ${e.Config}`);
    }
    const what = `config ${e.Config}`;
    const configBytes = await archive.read(e.Config);
    const config = validateConfig(parseJson(configBytes, archive, what), what, fail);
    diffIdsMatch(archive, where, e.Layers.length, config);
    const layers = e.Layers.map((member, i) => {
      resolveMember(archive.members, member, archive.name);
      return { member, diffId: parseDigest(config.rootfs.diff_ids[i] ?? "") };
    });
    const tags = e.RepoTags.map((t) => normaliseTag(t, where, fail));
    plans.push({ where, configBytes, config, layers, tags });
  }
  return plans;
}
