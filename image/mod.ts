/**
 * Berth images: the OCI image-layout store, indexed tar layers, import/export and the
 * Docker-shaped image API (the builder lives in `image/build/mod.ts`).
 *
 * - `openStore(stateRoot())` opens the store; `Store` resolves references
 *   (`parseReference`, `parseDigest`), tags, removes, pins and garbage-collects.
 * - Layers are kept as uncompressed tars plus an index (`openLayer`), merged into one
 *   lookup table by `mergeLayers` (whiteouts and opaque directories applied).
 * - `layerTar` / `storeLayer` make reproducible layers from change sets;
 *   `ensureBaseImage` makes `berth/base`.
 * - `loadImages`, `saveImages`, `importRootfs`; `listImages`, `inspectImage`,
 *   `imageHistory`, `pruneImages`, `imageDiskUsage` return Docker Engine API shapes.
 *
 * @example
 * ```ts
 * import { ensureBaseImage, openStore } from "./mod.ts";
 * const root = await Deno.makeTempDir();
 * const store = await openStore(root);
 * const base = await ensureBaseImage(store, { applets: ["sh"] });
 * console.assert(base.tags[0] === "docker.io/berth/base:latest");
 * await Deno.remove(root, { recursive: true });
 * ```
 *
 * @module
 */
export { stateRoot } from "./state_root.ts";
export {
  GC_GRACE_MS,
  type GcOptions,
  type GcReport,
  type ImageInUse,
  type ImageLayer,
  openStore,
  type RemoveResult,
  Store,
  type StoredImage,
} from "./store/store.ts";
export {
  type Digest,
  digestHex,
  DigestWriter,
  isDigest,
  parseDigest,
  sha256Digest,
  shortId,
} from "./store/digest.ts";
export {
  DEFAULT_DOMAIN,
  DEFAULT_TAG,
  familiarReference,
  familiarRepository,
  formatReference,
  isReference,
  parseReference,
  type Reference,
  repositoryName,
} from "./store/reference.ts";
export * from "./store/errors.ts";
export * from "./store/media_types.ts";
export {
  type ByteSource,
  fileChunks,
  type IngestedBlob,
  type IngestOptions,
} from "./store/blob_ingest.ts";
export type * from "./layer/types.ts";
export { type TarIndex, TarIndexer } from "./layer/tar_indexer.ts";
export {
  DEFAULT_LAYER_LIMITS,
  type IngestedLayer,
  type LayerIngestOptions,
  type LayerLimits,
} from "./layer/layer_ingest.ts";
export { IndexedLayer, openLayer, openLayerSync } from "./layer/open_layer.ts";
export { MergedLayerTable, mergeLayers } from "./layer/merged_layers.ts";
export {
  type ChangeMeta,
  changesFromDirectory,
  compareChanges,
  type FileData,
  type LayerChange,
  layerTar,
  type LayerWriteOptions,
  sourceDateEpoch,
  storeLayer,
} from "./layer/layer_writer.ts";
export {
  type LayerIndexFile,
  loadLayerIndex,
  loadLayerIndexSync,
  readLayerIndex,
  readLayerIndexSync,
} from "./layer/layer_index_file.ts";
export {
  BASE_APPLETS_LABEL,
  BASE_IMAGE,
  BASE_PATH,
  baseImageChanges,
  BERTHBOX_MAGIC,
  ensureBaseImage,
} from "./base/base_image.ts";
export { type LoadedImage, loadImages, type LoadOptions } from "./archive/load.ts";
export { saveImages, saveImagesToFile } from "./archive/save.ts";
export { applyChanges, type ImportOptions, importRootfs } from "./archive/import_rootfs.ts";
export {
  choosePlatform,
  formatPlatform,
  hostPlatform,
  preferredPlatforms,
} from "./archive/platform.ts";
export {
  type ArchiveFile,
  openArchive,
  sniffCompression,
  type Sniffed,
} from "./archive/archive_file.ts";
export { gunzipChunks } from "./store/gunzip.ts";
export {
  createdSeconds,
  type ImageFilters,
  imageSize,
  type ImageSummary,
  layerSize,
  listImages,
  repoDigests,
  shortTags,
} from "./api/image_summary.ts";
export {
  type HistoryItem,
  imageHistory,
  type ImageInspect,
  inspectImage,
} from "./api/image_inspect.ts";
export {
  type ImageDiskUsage,
  imageDiskUsage,
  pruneImages,
  type PruneReport,
} from "./api/prune_images.ts";
export { checkStore, type StoreCheckReport, type StoreProblem } from "./store/store_check.ts";
