/**
 * `GET /images/{name}/json` (`docker image inspect`) and `GET /images/{name}/history`
 * (`docker history`) in the Docker Engine API shapes.
 *
 * @module
 */
import type { Store } from "../store/store.ts";
import { parseDigest } from "../store/digest.ts";
import { createdSeconds, imageSize, layerSize, repoDigests, shortTags } from "./image_summary.ts";

/** Docker's image inspect JSON. */
export interface ImageInspect {
  /** Image ID. */
  Id: string;
  /** Short tags. */
  RepoTags: string[];
  /** Repo digests. */
  RepoDigests: string[];
  /** Always "". */
  Parent: string;
  /** Comment of the last history entry. */
  Comment: string;
  /** RFC 3339 creation time. */
  Created: string;
  /** Always "" (not built by Docker). */
  DockerVersion: string;
  /** Author. */
  Author: string;
  /** The runtime config, with Docker's defaults filled in. */
  Config: Record<string, unknown>;
  /** CPU architecture. */
  Architecture: string;
  /** CPU variant. */
  Variant?: string;
  /** Operating system. */
  Os: string;
  /** Uncompressed size of the layers. */
  Size: number;
  /** Storage driver info. */
  GraphDriver: { Name: string; Data: Record<string, string> | null };
  /** Layers (diff_ids). */
  RootFS: { Type: string; Layers: string[] };
  /** Metadata. */
  Metadata: { LastTagTime: string };
  /** The manifest's descriptor. */
  Descriptor: { mediaType: string; digest: string; size: number };
}

/** One line of `docker history`. */
export interface HistoryItem {
  /** Image ID for the top line, `<missing>` below (as Docker shows for pulled images). */
  Id: string;
  /** Seconds since the epoch. */
  Created: number;
  /** The step. */
  CreatedBy: string;
  /** Tags on the top line, else null. */
  Tags: string[] | null;
  /** Bytes the step's layer adds (0 for empty layers). */
  Size: number;
  /** Comment. */
  Comment: string;
}

/**
 * Inspect an image as `docker image inspect` does.
 *
 * @param store The store.
 * @param ref Reference or ID.
 * @returns The inspect JSON.
 * @throws ImageNotFoundError when nothing matches.
 * @example
 * ```ts ignore
 * console.log(JSON.stringify([await inspectImage(store, "berth/base")], null, 4));
 * ```
 */
export async function inspectImage(store: Store, ref: string): Promise<ImageInspect> {
  const image = await store.resolve(ref);
  const c = image.config.config ?? {};
  const history = image.config.history ?? [];
  const mSize = (await Deno.stat(store.blobPath(image.manifestDigest))).size;
  return {
    Id: image.id,
    RepoTags: shortTags(image),
    RepoDigests: repoDigests(image),
    Parent: "",
    Comment: history.at(-1)?.comment ?? "",
    Created: image.config.created ?? "0001-01-01T00:00:00Z",
    DockerVersion: "",
    Author: image.config.author ?? "",
    Config: {
      Hostname: "",
      Domainname: "",
      User: c.User ?? "",
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      ...(c.ExposedPorts ? { ExposedPorts: c.ExposedPorts } : {}),
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
      Env: c.Env ?? null,
      Cmd: c.Cmd ?? null,
      Image: "",
      Volumes: c.Volumes ?? null,
      WorkingDir: c.WorkingDir ?? "",
      Entrypoint: c.Entrypoint ?? null,
      OnBuild: null,
      Labels: c.Labels ?? null,
      ...(c.StopSignal ? { StopSignal: c.StopSignal } : {}),
    },
    Architecture: image.config.architecture,
    ...(image.config.variant ? { Variant: image.config.variant } : {}),
    Os: image.config.os,
    Size: await imageSize(store, image),
    GraphDriver: { Name: "berth-overlay", Data: null },
    RootFS: { Type: "layers", Layers: [...image.config.rootfs.diff_ids] },
    Metadata: { LastTagTime: "0001-01-01T00:00:00Z" },
    Descriptor: {
      mediaType: image.manifest.mediaType ?? "application/vnd.oci.image.manifest.v1+json",
      digest: image.manifestDigest,
      size: mSize,
    },
  };
}

/**
 * History of an image, newest first, as `docker history` shows it.
 *
 * @param store The store.
 * @param ref Reference or ID.
 * @returns History lines.
 * @example
 * ```ts ignore
 * for (const h of await imageHistory(store, "berth/base")) console.log(h.CreatedBy);
 * ```
 */
export async function imageHistory(store: Store, ref: string): Promise<HistoryItem[]> {
  const image = await store.resolve(ref);
  const diffIds = image.config.rootfs.diff_ids;
  let history = image.config.history ?? [];
  if (history.length === 0) history = diffIds.map(() => ({}));
  const items: HistoryItem[] = [];
  let layer = 0;
  for (const h of history) {
    let size = 0;
    if (!h.empty_layer) {
      const d = diffIds[layer++];
      if (d) size = await layerSize(store, parseDigest(d));
    }
    const t = Date.parse(h.created ?? "");
    items.push({
      Id: "<missing>",
      Created: Number.isFinite(t) ? Math.floor(t / 1000) : createdSeconds(image),
      CreatedBy: h.created_by ?? "",
      Tags: null,
      Size: size,
      Comment: h.comment ?? "",
    });
  }
  items.reverse();
  const top = items[0];
  if (top) {
    top.Id = image.id;
    top.Tags = shortTags(image);
  }
  return items;
}
