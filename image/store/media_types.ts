/**
 * Media types of the OCI image spec and Docker's image manifest v2 schema 2, and the
 * JSON shapes of manifests, indexes and configs as Berth reads and writes them.
 *
 * @module
 */
import { UnsupportedMediaTypeError } from "./errors.ts";

/** Media type constants. */
export const MediaType = {
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociLayer: "application/vnd.oci.image.layer.v1.tar",
  ociLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  ociLayerZstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  ociLayerNondistributable: "application/vnd.oci.image.layer.nondistributable.v1.tar",
  ociLayerNondistributableGzip: "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
  dockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerManifestV1: "application/vnd.docker.distribution.manifest.v1+prettyjws",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerLayer: "application/vnd.docker.image.rootfs.diff.tar",
  dockerLayerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  dockerForeignLayerGzip: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
} as const;

/** How a layer blob is compressed. */
export type LayerCompression = "none" | "gzip";

/**
 * Compression of a layer media type.
 *
 * @param mediaType The descriptor's media type.
 * @returns `none` or `gzip`.
 * @throws UnsupportedMediaTypeError for zstd or unknown layer types.
 * @example
 * ```ts
 * import { layerCompression, MediaType } from "./media_types.ts";
 * console.assert(layerCompression(MediaType.dockerLayerGzip) === "gzip");
 * ```
 */
export function layerCompression(mediaType: string): LayerCompression {
  switch (mediaType) {
    case MediaType.ociLayer:
    case MediaType.ociLayerNondistributable:
    case MediaType.dockerLayer:
      return "none";
    case MediaType.ociLayerGzip:
    case MediaType.ociLayerNondistributableGzip:
    case MediaType.dockerLayerGzip:
    case MediaType.dockerForeignLayerGzip:
      return "gzip";
    case MediaType.ociLayerZstd:
      throw new UnsupportedMediaTypeError(
        mediaType,
        "zstd-compressed layers are not supported; re-export the image with gzip or uncompressed layers",
      );
    default:
      throw new UnsupportedMediaTypeError(mediaType, "not a tar layer media type");
  }
}

/**
 * Whether a media type is an image manifest (OCI or Docker v2s2).
 *
 * @param mediaType Media type.
 * @returns True for manifests.
 * @example
 * ```ts
 * import { isManifestType } from "./media_types.ts";
 * console.assert(isManifestType("application/vnd.oci.image.manifest.v1+json"));
 * ```
 */
export function isManifestType(mediaType: string | undefined): boolean {
  return mediaType === MediaType.ociManifest || mediaType === MediaType.dockerManifest;
}

/**
 * Whether a media type is an index / manifest list.
 *
 * @param mediaType Media type.
 * @returns True for indexes.
 * @example
 * ```ts
 * import { isIndexType } from "./media_types.ts";
 * console.assert(isIndexType("application/vnd.oci.image.index.v1+json"));
 * ```
 */
export function isIndexType(mediaType: string | undefined): boolean {
  return mediaType === MediaType.ociIndex || mediaType === MediaType.dockerManifestList;
}

/** Platform of a manifest in an index. */
export interface Platform {
  /** CPU architecture (`wasm`, `amd64`, …). */
  architecture: string;
  /** Operating system (`wasi`, `linux`, …). */
  os: string;
  /** CPU variant. */
  variant?: string;
  /** OS version. */
  "os.version"?: string;
}

/** An OCI content descriptor. */
export interface Descriptor {
  /** Media type of the content. */
  mediaType: string;
  /** Digest of the content (validated where read). */
  digest: string;
  /** Size in bytes. */
  size: number;
  /** Annotations (`org.opencontainers.image.ref.name` for tags). */
  annotations?: Record<string, string>;
  /** Platform (index entries). */
  platform?: Platform;
}

/** An image manifest (OCI or Docker v2s2: the same shape). */
export interface Manifest {
  /** Always 2. */
  schemaVersion: number;
  /** Manifest media type. */
  mediaType?: string;
  /** The config blob. */
  config: Descriptor;
  /** Layer blobs, lowest first. */
  layers: Descriptor[];
  /** Annotations. */
  annotations?: Record<string, string>;
}

/** An image index (OCI) or manifest list (Docker). */
export interface ImageIndex {
  /** Always 2. */
  schemaVersion: number;
  /** Index media type. */
  mediaType?: string;
  /** Manifests. */
  manifests: Descriptor[];
  /** Annotations. */
  annotations?: Record<string, string>;
}

/** The runtime part of an image config (Docker's `Config`). */
export interface ContainerConfig {
  /** User to run as. */
  User?: string;
  /** Exposed ports (`"80/tcp": {}`). */
  ExposedPorts?: Record<string, Record<string, never>>;
  /** Environment, `KEY=value`. */
  Env?: string[];
  /** Entrypoint. */
  Entrypoint?: string[] | null;
  /** Default command. */
  Cmd?: string[] | null;
  /** Volumes. */
  Volumes?: Record<string, Record<string, never>>;
  /** Working directory. */
  WorkingDir?: string;
  /** Labels. */
  Labels?: Record<string, string> | null;
  /** Stop signal. */
  StopSignal?: string;
}

/** One history record of an image config. */
export interface HistoryEntry {
  /** RFC 3339 creation time. */
  created?: string;
  /** The step that made it. */
  created_by?: string;
  /** Author. */
  author?: string;
  /** Comment. */
  comment?: string;
  /** True when the step made no layer. */
  empty_layer?: boolean;
}

/** An image config (OCI image config / Docker image JSON). */
export interface ImageConfig {
  /** RFC 3339 creation time. */
  created?: string;
  /** Author. */
  author?: string;
  /** CPU architecture. */
  architecture: string;
  /** Operating system. */
  os: string;
  /** CPU variant. */
  variant?: string;
  /** Runtime defaults. */
  config?: ContainerConfig;
  /** The layers' diff_ids, lowest first. */
  rootfs: { type: "layers"; diff_ids: string[] };
  /** History, oldest first. */
  history?: HistoryEntry[];
}

/** Annotation key of tags in index.json. */
export const REF_NAME_ANNOTATION = "org.opencontainers.image.ref.name";
