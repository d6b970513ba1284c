/**
 * Image endpoints of the Engine API over the image store: `/images/json`,
 * `/images/{name}/json`, `/images/{name}/history`, `/images/{name}/tag`,
 * `DELETE /images/{name}`, `/images/prune`.
 *
 * @module
 */
import {
  digestHex,
  familiarReference,
  type ImageConfig,
  parseReference,
  type Store,
  type StoredImage,
} from "../../image/mod.ts";
import type { Daemon } from "./daemon.ts";
import { parseFilters } from "./api_system.ts";
import { ApiError, queryBool, type Router } from "./router.ts";

/** What the image API needs to know about containers. */
export interface ImageUsers {
  /** Name/ID of a container using the image (for rmi conflicts), if any. */
  userOf(image: StoredImage): string | undefined;
  /** Short ID of a running container using the image, if any (rmi -f never deletes it). */
  runningUserOf?(image: StoredImage): string | undefined;
  /** How many containers use the image. */
  countUsers(imageId: string): number;
}

/**
 * Familiar tags of an image ("berth/base:latest").
 *
 * @param image The image.
 * @returns Tags as Docker shows them.
 * @example
 * ```ts ignore
 * repoTags(image); // ["berth/base:latest"]
 * ```
 */
export function repoTags(image: StoredImage): string[] {
  return image.tags.map((t) => {
    try {
      return familiarReference(parseReference(t));
    } catch {
      return t;
    }
  });
}

/**
 * Total size of an image's layers (as stored).
 *
 * @param image The image.
 * @returns Bytes.
 * @example
 * ```ts ignore
 * imageSize(image);
 * ```
 */
export function imageSize(image: StoredImage): number {
  return image.manifest.layers.reduce((a, l) => a + l.size, 0);
}

function createdSeconds(config: ImageConfig): number {
  const t = Date.parse(config.created ?? "");
  return Number.isNaN(t) ? 0 : Math.floor(t / 1000);
}

/**
 * The `/images/{name}/json` body.
 *
 * @param image The image.
 * @returns Docker's image inspect object.
 * @example
 * ```ts ignore
 * inspectImage(image).RepoTags;
 * ```
 */
export function inspectImage(image: StoredImage): Record<string, unknown> {
  const c = image.config;
  return {
    Id: image.id,
    RepoTags: repoTags(image),
    RepoDigests: repoTags(image).map((t) => `${t.split(":")[0]}@${image.manifestDigest}`),
    Parent: "",
    Comment: c.history?.at(-1)?.comment ?? "",
    Created: c.created ?? "1970-01-01T00:00:00Z",
    DockerVersion: "",
    Author: c.author ?? "",
    Config: {
      Hostname: "",
      Domainname: "",
      User: c.config?.User ?? "",
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
      Env: c.config?.Env ?? null,
      Cmd: c.config?.Cmd ?? null,
      Image: "",
      Volumes: c.config?.Volumes ?? null,
      WorkingDir: c.config?.WorkingDir ?? "",
      Entrypoint: c.config?.Entrypoint ?? null,
      OnBuild: null,
      Labels: c.config?.Labels ?? null,
      StopSignal: c.config?.StopSignal,
      ExposedPorts: c.config?.ExposedPorts,
    },
    Architecture: c.architecture,
    Os: c.os,
    Size: imageSize(image),
    GraphDriver: { Name: "berth-overlay", Data: null },
    RootFS: { Type: "layers", Layers: c.rootfs.diff_ids },
    Metadata: { LastTagTime: "0001-01-01T00:00:00Z" },
    Descriptor: { mediaType: image.manifest.mediaType, digest: image.manifestDigest },
  };
}

/**
 * Register the image routes.
 *
 * @param router The router.
 * @param daemon The daemon (events).
 * @param store The image store.
 * @param users Container usage of images.
 * @example
 * ```ts ignore
 * registerImageRoutes(router, daemon, store, engine);
 * ```
 */
export function registerImageRoutes(
  router: Router,
  daemon: Daemon,
  store: Store,
  users: ImageUsers,
): void {
  router.add("GET", "/images/json", async (req, res) => {
    const filters = parseFilters(req.query.get("filters"));
    const all = await store.images();
    const refFilter = filters.reference ?? [];
    const dangling = filters.dangling?.[0];
    const labelFilter = filters.label ?? [];
    const out = [];
    for (const image of all) {
      const tags = repoTags(image);
      if (dangling === "true" && tags.length > 0) continue;
      if (dangling === "false" && tags.length === 0) continue;
      if (
        refFilter.length > 0 &&
        !refFilter.some((r) => tags.some((t) => globMatch(r, t) || globMatch(r, t.split(":")[0]!)))
      ) {
        continue;
      }
      const labels = image.config.config?.Labels ?? {};
      if (
        !labelFilter.every((l) => {
          const [k, v] = l.split("=");
          return k !== undefined && (v === undefined ? k in labels : labels[k] === v);
        })
      ) continue;
      out.push({
        Id: image.id,
        ParentId: "",
        RepoTags: tags.length > 0 ? tags : [],
        RepoDigests: tags.map((t) => `${t.split(":")[0]}@${image.manifestDigest}`),
        Created: createdSeconds(image.config),
        Size: imageSize(image),
        SharedSize: -1,
        VirtualSize: imageSize(image),
        Labels: image.config.config?.Labels ?? {},
        Containers: users.countUsers(image.id),
      });
    }
    out.sort((a, b) => b.Created - a.Created);
    await res.json(200, out);
  });

  router.add("GET", "/images/{name*}/json", async (_req, res, p) => {
    await res.json(200, inspectImage(await store.resolve(p.name!)));
  });

  router.add("GET", "/images/{name*}/history", async (_req, res, p) => {
    const image = await store.resolve(p.name!);
    const history = image.config.history ?? [];
    const layers = image.manifest.layers;
    let li = layers.length - 1;
    const rows = [];
    for (let i = history.length - 1; i >= 0; i--) {
      const h = history[i]!;
      const size = h.empty_layer ? 0 : (layers[li--]?.size ?? 0);
      rows.push({
        Id: i === history.length - 1 ? image.id : "<missing>",
        Created: Math.floor((Date.parse(h.created ?? "") || 0) / 1000),
        CreatedBy: h.created_by ?? "",
        Tags: i === history.length - 1 ? repoTags(image) : null,
        Size: size,
        Comment: h.comment ?? "",
      });
    }
    await res.json(200, rows);
  });

  router.add("POST", "/images/{name*}/tag", async (req, res, p) => {
    const repo = req.query.get("repo");
    if (!repo) throw new ApiError(400, "repository name must have at least one component");
    const tag = req.query.get("tag") || "latest";
    const target = repo.includes("@") ? repo : `${repo}:${tag}`;
    try {
      parseReference(target);
    } catch (err) {
      throw new ApiError(400, (err as Error).message);
    }
    const image = await store.tag(p.name!, target);
    daemon.events.emit("image", "tag", image.id, { name: target });
    await res.send(201, "");
  });

  router.add("DELETE", "/images/{name*}", async (req, res, p) => {
    const results = await store.remove(p.name!, {
      force: queryBool(req.query, "force"),
      inUse: (image) => users.userOf(image),
      runningUser: (image) => users.runningUserOf?.(image),
    });
    for (const r of results) {
      if ("Untagged" in r) daemon.events.emit("image", "untag", r.Untagged, { name: r.Untagged });
      else daemon.events.emit("image", "delete", r.Deleted, {});
    }
    await res.json(200, results);
  });

  router.add("POST", "/images/prune", async (req, res) => {
    const filters = parseFilters(req.query.get("filters"));
    const danglingOnly = (filters.dangling?.[0] ?? "true") !== "false";
    const deleted: { Untagged?: string; Deleted?: string }[] = [];
    for (const image of await store.images()) {
      if (danglingOnly && image.tags.length > 0) continue;
      if (users.countUsers(image.id) > 0) continue;
      try {
        const r = await store.remove(digestHex(image.id) === "" ? image.id : image.id, {
          force: true,
        });
        for (const x of r) deleted.push(x);
      } catch { /* raced */ }
    }
    const gc = await store.gc();
    await res.json(200, {
      ImagesDeleted: deleted.length > 0 ? deleted : null,
      SpaceReclaimed: gc.bytesReclaimed,
    });
  });
}

/**
 * Docker's reference filter globbing (`*` within a path component).
 *
 * @param pattern The filter.
 * @param text A tag.
 * @returns Whether it matches.
 * @example
 * ```ts
 * import { globMatch } from "./api_images.ts";
 * console.assert(globMatch("berth/*", "berth/base"));
 * ```
 */
export function globMatch(pattern: string, text: string): boolean {
  const re = new RegExp(
    "^" +
      pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]") +
      "$",
  );
  return re.test(text);
}
