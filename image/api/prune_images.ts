/**
 * `POST /images/prune` (`docker image prune [-a]`) and the image part of `system df`.
 *
 * @module
 */
import type { ImageInUse, RemoveResult, Store } from "../store/store.ts";
import { parseDigest } from "../store/digest.ts";
import { familiarReference, parseReference } from "../store/reference.ts";
import { type ImageSummary, layerSize, listImages } from "./image_summary.ts";

/** Result of a prune, in the Docker API shape. */
export interface PruneReport {
  /** Untagged/Deleted lines. */
  ImagesDeleted: RemoveResult[];
  /** Bytes freed on disk (blobs and layer tars). */
  SpaceReclaimed: number;
}

/**
 * Remove dangling images (or, with `all`, every image no container uses), then collect
 * unreachable blobs.
 *
 * @param store The store.
 * @param options `all` as `-a`; `inUse` says whether a container uses an image.
 * @returns What was removed and the bytes reclaimed.
 * @example
 * ```ts ignore
 * const { SpaceReclaimed } = await pruneImages(store, { all: true, inUse: () => undefined });
 * ```
 */
export async function pruneImages(
  store: Store,
  options: { all?: boolean; inUse?: ImageInUse } = {},
): Promise<PruneReport> {
  const deleted: RemoveResult[] = [];
  const victims = [];
  for (const image of await store.images()) {
    if (!options.all && image.tags.length > 0) continue;
    if (await options.inUse?.(image)) continue;
    victims.push(image);
  }
  if (victims.length) {
    const ids = new Set<string>(victims.map((v) => v.manifestDigest));
    await store.updateIndex((index) => {
      index.manifests = index.manifests.filter((d) => !ids.has(d.digest));
    });
    for (const v of victims) {
      for (const t of v.tags) deleted.push({ Untagged: familiarReference(parseReference(t)) });
      deleted.push({ Deleted: v.id });
    }
  }
  store.release(victims.map((v) => v.manifestDigest));
  const gc = await store.gc();
  return { ImagesDeleted: deleted, SpaceReclaimed: gc.bytesReclaimed };
}

/** The image part of `GET /system/df`. */
export interface ImageDiskUsage {
  /** Bytes of all distinct layers. */
  LayersSize: number;
  /** Images, with `SharedSize` (bytes shared with other images) filled in. */
  Images: ImageSummary[];
}

/**
 * Disk usage of images, as `docker system df -v` reports it.
 *
 * @param store The store.
 * @returns Layer total and per-image sizes.
 * @example
 * ```ts ignore
 * const { LayersSize } = await imageDiskUsage(store);
 * ```
 */
export async function imageDiskUsage(store: Store): Promise<ImageDiskUsage> {
  const images = await store.images();
  const users = new Map<string, number>();
  for (const i of images) {
    for (const d of new Set(i.config.rootfs.diff_ids)) {
      users.set(d, (users.get(d) ?? 0) + 1);
    }
  }
  let total = 0;
  const sizes = new Map<string, number>();
  for (const d of users.keys()) {
    const s = await layerSize(store, parseDigest(d));
    sizes.set(d, s);
    total += s;
  }
  const summaries = await listImages(store);
  for (const s of summaries) {
    const image = images.find((i) => i.id === s.Id);
    s.SharedSize = 0;
    for (const d of new Set(image?.config.rootfs.diff_ids ?? [])) {
      if ((users.get(d) ?? 0) > 1) s.SharedSize += sizes.get(d) ?? 0;
    }
  }
  return { LayersSize: total, Images: summaries };
}
