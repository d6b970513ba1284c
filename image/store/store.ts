/**
 * The image store: an OCI image layout (image-spec v1.1) under the state root, plus the
 * uncompressed layer tars and their indexes that containers read from.
 *
 * ```
 * $BERTH_ROOT/images/
 *   oci-layout            {"imageLayoutVersion":"1.0.0"}
 *   index.json            one descriptor per tag (org.opencontainers.image.ref.name =
 *                         the fully-qualified reference) or per untagged image
 *   blobs/sha256/<hex>    manifests, configs, layer blobs (as received)
 *   layers/<diffhex>.tar  uncompressed layer (hard link to the blob when uncompressed)
 *   layers/<diffhex>.index.json   the layer's index
 *   pins/<owner>.json     manifests pinned by containers (kept by GC)
 *   tmp/                  ingest temp files (same file system, renamed into place)
 *   index.lock            flock held while index.json changes
 *   gc.lock               shared flock held by loads/imports/builds; gc() takes it exclusively
 * ```
 *
 * Every index.json entry points at an image manifest: multi-platform indexes are
 * resolved to one platform when images are loaded (see `choosePlatform`).
 *
 * @module
 */
import { join } from "node:path";
import { type Digest, digestHex, isDigest, parseDigest, sha256Digest } from "./digest.ts";
import { BlobNotFoundError, ImageConflictError, ImageError, ImageNotFoundError } from "./errors.ts";
import { atomicWriteFile, exists, readJsonFile, removeQuietly } from "./_fs.ts";
import { IndexLock } from "./index_lock.ts";
import { collectGarbage } from "./store_gc.ts";
import { findImage } from "./store_resolve.ts";
import { checkOwner, emptyIndex, familiar, moveTag } from "./_index_edit.ts";
import { validateConfig, validateManifest } from "./validate.ts";
import {
  type ByteSource,
  ingestBlob,
  type IngestedBlob,
  type IngestOptions,
  touch,
} from "./blob_ingest.ts";
import {
  type Descriptor,
  type ImageConfig,
  type ImageIndex,
  type Manifest,
  MediaType,
  REF_NAME_ANNOTATION,
} from "./media_types.ts";
import { formatReference, parseReference } from "./reference.ts";
import {
  type IngestedLayer,
  ingestLayer,
  layerFiles,
  type LayerIngestOptions,
} from "../layer/layer_ingest.ts";

/** An image as the store knows it. */
export interface StoredImage {
  /** Digest of the manifest. */
  manifestDigest: Digest;
  /** Image ID: the config digest (as Docker shows it). */
  id: Digest;
  /** The manifest. */
  manifest: Manifest;
  /** The config. */
  config: ImageConfig;
  /** Fully-qualified tags (`docker.io/library/x:1`). */
  tags: string[];
}

/** Asks whether a container uses an image; returns the container's name/ID or undefined. */
export type ImageInUse = (image: StoredImage) => string | undefined | Promise<string | undefined>;

/** A layer to put in a new image. */
export interface ImageLayer {
  /** Blob digest. */
  digest: Digest;
  /** Blob size. */
  size: number;
  /** diff_id. */
  diffId: Digest;
  /** Blob media type (default OCI uncompressed tar). */
  mediaType?: string;
}

/** What garbage collection removed. */
export interface GcReport {
  /** Blob digests removed. */
  blobsRemoved: Digest[];
  /** Layer tars/indexes removed (by diff_id). */
  layersRemoved: Digest[];
  /** Bytes freed on disk. */
  bytesReclaimed: number;
}

/** Options of `Store.gc`. */
export interface GcOptions {
  /** More roots (manifest, config, layer blob or diff_id digests). */
  keep?: Iterable<Digest>;
  /** Roots just dropped: what they lead to is collected even when fresh. */
  release?: Iterable<Digest>;
  /** Unreachable files younger than this are kept unless released (default 10 min). */
  graceMs?: number;
}

/**
 * Grace period of GC: an unreachable blob or layer written less than this long ago is
 * kept, because a build or commit may be between writing it and referencing it (from
 * another process, too). Content reached from what was just removed or unpinned is not
 * protected, so `rmi` and `image prune` reclaim space at once.
 */
export const GC_GRACE_MS = 10 * 60 * 1000;

/** One result line of `remove`, as Docker's API reports it. */
export type RemoveResult = { Untagged: string } | { Deleted: string };

/**
 * Open (creating if needed) the store under a state root.
 *
 * @param root The state root (`stateRoot()`); created `0700`.
 * @returns The store.
 * @example
 * ```ts
 * import { openStore } from "./store.ts";
 * const dir = await Deno.makeTempDir();
 * const store = await openStore(dir);
 * console.assert((await store.images()).length === 0);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function openStore(root: string): Promise<Store> {
  await Deno.mkdir(root, { recursive: true, mode: 0o700 });
  const layout = join(root, "images");
  for (const d of ["blobs/sha256", "layers", "tmp", "pins"]) {
    await Deno.mkdir(join(layout, d), { recursive: true, mode: 0o755 });
  }
  const store = new Store(layout);
  if (!(await exists(join(layout, "oci-layout")))) {
    await atomicWriteFile(join(layout, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  }
  if (!(await exists(join(layout, "index.json")))) {
    await store.updateIndex(() => {});
  }
  // Lock files exist from the start, so a failed operation leaves the tree as it was.
  await (await Deno.open(join(layout, "gc.lock"), { create: true, write: true, mode: 0o600 }))
    .close();
  return store;
}

/** An OCI image-layout store. Use `openStore` to make one. */
export class Store {
  /** The layout directory (`<root>/images`). */
  readonly layoutDir: string;
  /** `blobs/sha256`. */
  readonly blobsDir: string;
  /** Uncompressed layer tars and indexes. */
  readonly layersDir: string;
  /** Temp files for ingest. */
  readonly tmpDir: string;
  readonly #lock: IndexLock;
  readonly #gcLockPath: string;
  readonly #json = new Map<string, unknown>();
  #problems: string[] = [];
  /** Digests this process just dereferenced (removed images, dropped pins): GC may take them fresh. */
  readonly #released = new Set<Digest>();

  /**
   * Create it.
   *
   * @param layoutDir The layout directory (already created; see `openStore`).
   */
  constructor(layoutDir: string) {
    this.layoutDir = layoutDir;
    this.blobsDir = join(layoutDir, "blobs", "sha256");
    this.layersDir = join(layoutDir, "layers");
    this.tmpDir = join(layoutDir, "tmp");
    this.#lock = new IndexLock(join(layoutDir, "index.lock"));
    this.#gcLockPath = join(layoutDir, "gc.lock");
  }

  // ---- blobs ---------------------------------------------------------------------------

  /**
   * Path of a blob file.
   *
   * @param digest The blob.
   * @returns Its path (it may not exist).
   */
  blobPath(digest: Digest): string {
    return join(this.blobsDir, digestHex(digest));
  }

  /**
   * Whether a blob is present.
   *
   * @param digest The blob.
   * @returns True when present.
   */
  hasBlob(digest: Digest): Promise<boolean> {
    return exists(this.blobPath(digest));
  }

  /**
   * Read a whole blob.
   *
   * @param digest The blob.
   * @param where Who names it (for the error message).
   * @returns Its bytes.
   * @throws BlobNotFoundError when absent.
   */
  async readBlob(digest: Digest, where = "store"): Promise<Uint8Array> {
    try {
      return await Deno.readFile(this.blobPath(digest));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) throw new BlobNotFoundError(digest, where);
      throw e;
    }
  }

  /**
   * Read a JSON blob (cached: blobs never change).
   *
   * @param digest The blob.
   * @param where Who names it.
   * @returns The parsed JSON.
   */
  async readJsonBlob<T>(digest: Digest, where = "store"): Promise<T> {
    const hit = this.#json.get(digest);
    if (hit !== undefined) return hit as T;
    const value = JSON.parse(new TextDecoder().decode(await this.readBlob(digest, where)));
    this.#json.set(digest, value);
    return value as T;
  }

  /**
   * Ingest a blob (streaming, verified, atomic).
   *
   * @param source The bytes.
   * @param options Expected digest/size.
   * @returns The stored blob.
   */
  ingest(source: ByteSource, options: IngestOptions = {}): Promise<IngestedBlob> {
    return this.withIngest(() => ingestBlob(this.blobsDir, this.tmpDir, source, options));
  }

  /**
   * Store a JSON document as a blob (canonical: `JSON.stringify` without spaces).
   *
   * @param value The document.
   * @returns Its descriptor fields.
   */
  async putJson(value: unknown): Promise<IngestedBlob> {
    const bytes = new TextEncoder().encode(JSON.stringify(value));
    return await this.ingest(bytes, { expected: sha256Digest(bytes), size: bytes.length });
  }

  /**
   * Ingest a layer blob: stores the blob, its uncompressed tar and its index.
   *
   * @param source The blob bytes.
   * @param options Compression, expected digests and limits.
   * @returns The layer's digests.
   */
  ingestLayer(source: ByteSource, options: LayerIngestOptions): Promise<IngestedLayer> {
    return this.withIngest(() => this.#ingestLayer(source, options));
  }

  async #ingestLayer(source: ByteSource, options: LayerIngestOptions): Promise<IngestedLayer> {
    if (
      options.expected && options.expectedDiffId && await this.hasLayer(options.expectedDiffId) &&
      await this.hasBlob(options.expected)
    ) {
      if (source instanceof ReadableStream) await source.cancel();
      const files = layerFiles(this.layersDir, options.expectedDiffId);
      for (const p of [this.blobPath(options.expected), files.tar, files.index]) await touch(p);
      const size = (await Deno.stat(this.blobPath(options.expected))).size;
      const tarSize = (await Deno.stat(files.tar)).size;
      return { digest: options.expected, size, diffId: options.expectedDiffId, tarSize };
    }
    return await ingestLayer(
      { blobsDir: this.blobsDir, layersDir: this.layersDir, tmpDir: this.tmpDir },
      source,
      options,
    );
  }

  /**
   * Whether a layer's uncompressed tar and index are present.
   *
   * @param diffId The layer.
   * @returns True when both exist.
   */
  async hasLayer(diffId: Digest): Promise<boolean> {
    const f = layerFiles(this.layersDir, diffId);
    return (await exists(f.tar)) && (await exists(f.index));
  }

  /**
   * Paths of a layer's tar and index (for `openLayer`).
   *
   * @param diffId The layer.
   * @returns `{ tar, index }`.
   */
  layerFiles(diffId: Digest): { tar: string; index: string } {
    return layerFiles(this.layersDir, diffId);
  }

  // ---- index.json ------------------------------------------------------------------------

  /**
   * Read index.json.
   *
   * @returns The index (empty when absent).
   */
  async readIndex(): Promise<ImageIndex> {
    const raw = await readJsonFile(join(this.layoutDir, "index.json"));
    if (raw === undefined) return emptyIndex();
    const index = raw as ImageIndex;
    if (!Array.isArray(index.manifests)) {
      throw new ImageError(`Cannot read ${join(this.layoutDir, "index.json")}: no manifests array`);
    }
    return index;
  }

  /**
   * Change index.json atomically under the cross-process lock.
   *
   * @param change Mutates the index in place (or returns a new one).
   * @returns The index as written.
   */
  updateIndex(
    change: (index: ImageIndex) => ImageIndex | void | Promise<ImageIndex | void>,
  ): Promise<ImageIndex> {
    return this.#lock.run(async () => {
      const current = await this.readIndex();
      const next = (await change(current)) ?? current;
      next.schemaVersion = 2;
      next.mediaType = MediaType.ociIndex;
      await atomicWriteFile(join(this.layoutDir, "index.json"), JSON.stringify(next, null, 2));
      return next;
    });
  }

  // ---- images ----------------------------------------------------------------------------

  /**
   * All images (one per manifest), with their tags.
   *
   * @returns Images in index order.
   */
  async images(): Promise<StoredImage[]> {
    const index = await this.readIndex();
    const byManifest = new Map<string, string[]>();
    for (const d of index.manifests) {
      const tags = byManifest.get(d.digest) ?? [];
      const name = d.annotations?.[REF_NAME_ANNOTATION];
      if (name && !tags.includes(name)) tags.push(name);
      byManifest.set(d.digest, tags);
    }
    const out: StoredImage[] = [];
    const problems: string[] = [];
    for (const [digest, tags] of byManifest) {
      try {
        out.push(await this.#load(parseDigest(digest), tags));
      } catch (e) {
        // A damaged entry (missing or unreadable blob) must not hide every other image.
        if (!(e instanceof ImageError) && !(e instanceof SyntaxError)) throw e;
        problems.push(`${tags[0] ?? digest}: ${e.message}`);
      }
    }
    this.#problems = problems;
    return out;
  }

  /**
   * Entries of index.json that `images()` skipped last time because their manifest or
   * config is missing or unreadable (a damaged store), as messages.
   *
   * @returns One message per damaged image.
   */
  problems(): readonly string[] {
    return this.#problems;
  }

  async #load(manifestDigest: Digest, tags: string[]): Promise<StoredImage> {
    const where = `index.json`;
    const fail = (why: string) => new ImageError(`Cannot read image ${manifestDigest}: ${why}`);
    const manifest = validateManifest(
      await this.readJsonBlob<unknown>(manifestDigest, where),
      "manifest",
      fail,
    );
    const id = parseDigest(manifest.config.digest);
    const config = validateConfig(
      await this.readJsonBlob<unknown>(id, `manifest ${manifestDigest}`),
      "config",
      fail,
    );
    return { manifestDigest, id, manifest, config, tags };
  }

  /**
   * Find an image by reference (`web:1`, `docker.io/library/web:1`, `web@sha256:…`),
   * image ID (`sha256:…`, or a unique hex prefix as Docker accepts), or manifest digest.
   *
   * @param text What the user typed.
   * @returns The image.
   * @throws ImageNotFoundError when nothing matches.
   */
  async resolve(text: string): Promise<StoredImage> {
    const found = await this.find(text);
    if (!found) throw new ImageNotFoundError(text);
    return found;
  }

  /**
   * Like `resolve` but returns undefined when nothing matches.
   *
   * @param text Reference or ID.
   * @returns The image or undefined.
   */
  async find(text: string): Promise<StoredImage | undefined> {
    return findImage(await this.images(), text);
  }

  /**
   * Write a new image (config + manifest) whose layers are already in the store.
   *
   * @param config The image config (its `rootfs.diff_ids` must match `layers`).
   * @param layers The layers, lowest first.
   * @param tags References to point at it (each moves from any image that had it).
   * @returns The stored image.
   */
  putImage(
    config: ImageConfig,
    layers: ImageLayer[],
    tags: string[] = [],
  ): Promise<StoredImage> {
    return this.withIngest(() => this.#putImage(config, layers, tags));
  }

  async #putImage(
    config: ImageConfig,
    layers: ImageLayer[],
    tags: string[],
  ): Promise<StoredImage> {
    const diffIds = layers.map((l) => l.diffId);
    if (JSON.stringify(diffIds) !== JSON.stringify(config.rootfs.diff_ids)) {
      throw new ImageError("Cannot write image: config rootfs.diff_ids do not match the layers");
    }
    for (const l of layers) {
      if (!(await this.hasBlob(l.digest))) throw new BlobNotFoundError(l.digest, "new image");
    }
    const c = await this.putJson(config);
    const manifest: Manifest = {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: c.digest, size: c.size },
      layers: layers.map((l) => ({
        mediaType: l.mediaType ?? MediaType.ociLayer,
        digest: l.digest,
        size: l.size,
      })),
    };
    const m = await this.putJson(manifest);
    await this.addToIndex(
      { mediaType: MediaType.ociManifest, digest: m.digest, size: m.size },
      tags,
    );
    return await this.#load(m.digest, await this.tagsOf(m.digest));
  }

  /**
   * Record a manifest in index.json under the given tags (or untagged).
   *
   * @param manifest Descriptor of a manifest already in the store.
   * @param tags References to point at it.
   */
  async addToIndex(manifest: Descriptor, tags: string[]): Promise<void> {
    const refs = tags.map((t) => formatReference(parseReference(t)));
    await this.updateIndex((index) => {
      for (const ref of refs) moveTag(index, ref);
      const base = { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.size };
      if (refs.length === 0) {
        if (!index.manifests.some((d) => d.digest === manifest.digest)) index.manifests.push(base);
      } else {
        index.manifests = index.manifests.filter((d) =>
          !(d.digest === manifest.digest && !d.annotations?.[REF_NAME_ANNOTATION])
        );
        for (const ref of refs) {
          index.manifests.push({ ...base, annotations: { [REF_NAME_ANNOTATION]: ref } });
        }
      }
    });
  }

  /**
   * Tags of a manifest.
   *
   * @param manifestDigest The manifest.
   * @returns Fully-qualified references.
   */
  async tagsOf(manifestDigest: Digest): Promise<string[]> {
    const index = await this.readIndex();
    return index.manifests.filter((d) => d.digest === manifestDigest)
      .map((d) => d.annotations?.[REF_NAME_ANNOTATION])
      .filter((t): t is string => !!t);
  }

  /**
   * `docker tag SOURCE TARGET`.
   *
   * @param source Reference or ID of an existing image.
   * @param target New reference.
   * @returns The image, now also tagged `target`.
   */
  async tag(source: string, target: string): Promise<StoredImage> {
    const image = await this.resolve(source);
    const ref = parseReference(target);
    if (ref.digest) throw new ImageError(`Cannot tag ${target}: a tag cannot contain a digest`);
    const m = (await this.readIndex()).manifests.find((d) => d.digest === image.manifestDigest);
    await this.addToIndex(
      m ?? { mediaType: MediaType.ociManifest, digest: image.manifestDigest, size: 0 },
      [formatReference(ref)],
    );
    return await this.resolve(image.manifestDigest);
  }

  /**
   * `docker rmi`: untag, and delete the image when its last tag goes (or when asked by ID).
   * A deletion runs `gc()`, so do not call this inside `withIngest`.
   *
   * @param text Reference or ID.
   * As Docker: `force` deletes an image a stopped container uses, but never one a running
   * container uses — removing its last tag then leaves it untagged (`<none>`), and
   * removing it by ID is a conflict that cannot be forced.
   *
   * @param options `force` removes an image used by a stopped container or with several
   *   tags; `inUse` says whether a container uses it; `runningUser` whether a running one
   *   does.
   * @returns Untagged/Deleted lines as Docker's API reports them.
   * @throws ImageConflictError when the image is in use or has several tags (without force).
   */
  async remove(
    text: string,
    options: {
      force?: boolean;
      inUse?: ImageInUse;
      runningUser?: (image: StoredImage) => string | undefined;
    } = {},
  ): Promise<RemoveResult[]> {
    const image = await this.resolve(text);
    let byTag: string | undefined;
    try {
      const r = parseReference(text);
      const full = formatReference(r);
      if (!r.digest && image.tags.includes(full)) byTag = full;
    } catch { /* an ID */ }
    const results: RemoveResult[] = [];
    if (byTag && image.tags.length > 1) {
      await this.#untag(byTag);
      return [{ Untagged: familiar(byTag) }];
    }
    if (!byTag && image.tags.length > 1 && !options.force) {
      throw new ImageConflictError(
        `conflict: unable to delete ${
          digestHex(image.id).slice(0, 12)
        } (must be forced) - image is referenced in multiple repositories`,
      );
    }
    const running = options.force ? options.runningUser?.(image) : undefined;
    if (running && byTag) {
      // The last tag goes; the image stays, untagged, while the container runs.
      await this.updateIndex((index) => {
        let kept = false;
        index.manifests = index.manifests.flatMap((d) => {
          if (d.digest !== image.manifestDigest) return [d];
          if (kept) return [];
          kept = true;
          const { [REF_NAME_ANNOTATION]: _, ...rest } = d.annotations ?? {};
          const entry = { ...d, annotations: rest };
          if (Object.keys(rest).length === 0) {
            delete (entry as { annotations?: unknown }).annotations;
          }
          return [entry];
        });
      });
      return image.tags.map((t) => ({ Untagged: familiar(t) }));
    }
    if (running) {
      throw new ImageConflictError(
        `conflict: unable to delete ${
          digestHex(image.id).slice(0, 12)
        } (cannot be forced) - image is being used by running container ${running}`,
      );
    }
    const user = await options.inUse?.(image);
    if (user && !options.force) {
      throw new ImageConflictError(
        `conflict: unable to remove repository reference "${text}" (must force) - container ${user} is using its referenced image ${
          digestHex(image.id).slice(0, 12)
        }`,
      );
    }
    await this.updateIndex((index) => {
      index.manifests = index.manifests.filter((d) => d.digest !== image.manifestDigest);
    });
    for (const t of image.tags) results.push({ Untagged: familiar(t) });
    results.push({ Deleted: image.id });
    this.release([image.manifestDigest]);
    await this.gc();
    return results;
  }

  async #untag(ref: string): Promise<void> {
    await this.updateIndex((index) => {
      index.manifests = index.manifests.filter((d) => d.annotations?.[REF_NAME_ANNOTATION] !== ref);
    });
  }

  /**
   * Run an operation that writes blobs before index.json references them (a load, an
   * import, a build): garbage collection waits until it is over, in this process and
   * in others. It is a shared `flock` on `gc.lock`; `gc()` takes it exclusively, so
   * blobs in flight are never collected. Operations may nest and run concurrently.
   * Do not call `gc()` (or `remove`, which collects) from inside `fn`.
   *
   * @param fn The operation.
   * @returns What `fn` returns.
   * @example
   * ```ts ignore
   * await store.withIngest(async () => {
   *   const layer = await storeLayer(store, changes);
   *   await store.putImage(config, [layer], ["app:1"]);
   * });
   * ```
   */
  async withIngest<T>(fn: () => Promise<T>): Promise<T> {
    const file = await Deno.open(this.#gcLockPath, { create: true, write: true, mode: 0o600 });
    try {
      await file.lock(false);
      return await fn();
    } finally {
      file.close();
    }
  }

  // ---- pins and garbage collection ----------------------------------------------------

  /**
   * Pin images for an owner (a container): GC keeps their blobs and layers even when
   * the images are removed.
   *
   * @param owner Container ID (file-name safe).
   * @param manifests Manifests to keep.
   */
  async pin(owner: string, manifests: Digest[]): Promise<void> {
    checkOwner(owner);
    await atomicWriteFile(join(this.layoutDir, "pins", `${owner}.json`), JSON.stringify(manifests));
  }

  /**
   * Drop an owner's pins.
   *
   * @param owner Container ID.
   */
  async unpin(owner: string): Promise<void> {
    checkOwner(owner);
    const path = join(this.layoutDir, "pins", `${owner}.json`);
    const list = await readJsonFile(path).catch(() => undefined);
    if (Array.isArray(list)) {
      this.release(list.map(String).filter((d): d is Digest => isDigest(d)));
    }
    await removeQuietly(path);
  }

  /**
   * Mark digests (manifests, pin documents, layers) as just dereferenced by this
   * process, so the next `gc()` collects what they lead to even if it was written within
   * the grace period. `remove`, `unpin` and image prune call it.
   *
   * @param digests Roots that were just dropped.
   */
  release(digests: Iterable<Digest>): void {
    for (const d of digests) this.#released.add(d);
  }

  /**
   * Remove blobs and layers unreachable from index.json and from pins.
   *
   * Unreachable files written within the grace period are kept unless they are reached
   * from what was just released (`remove`, `unpin`, `release`).
   *
   * @param options More roots, released roots, grace period.
   * @returns What was removed and the bytes reclaimed.
   */
  async gc(options: GcOptions = {}): Promise<GcReport> {
    const gcLock = await Deno.open(this.#gcLockPath, { create: true, write: true, mode: 0o600 });
    try {
      await gcLock.lock(true);
      return await this.#gcLocked(options);
    } finally {
      gcLock.close();
    }
  }

  #gcLocked(options: GcOptions): Promise<GcReport> {
    return this.#lock.run(async () => {
      const released = new Set<Digest>([...this.#released, ...(options.release ?? [])]);
      this.#released.clear();
      const report = await collectGarbage(this, {
        keep: options.keep ?? [],
        release: released,
        graceMs: options.graceMs ?? GC_GRACE_MS,
      });
      for (const d of report.blobsRemoved) this.#json.delete(d);
      return report;
    });
  }
}
