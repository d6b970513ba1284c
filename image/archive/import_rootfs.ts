/**
 * `berth import`: a plain root file system tar (optionally gzip) becomes a one-layer
 * image, with Dockerfile-style `--change` instructions applied to its config (`CMD`,
 * `ENTRYPOINT`, `ENV`, `WORKDIR`, `USER`, `LABEL`, `EXPOSE`, `VOLUME`, `STOPSIGNAL`, as
 * `docker import --change` accepts). The platform is `wasi/wasm` unless given.
 *
 * @module
 */
import type { Store, StoredImage } from "../store/store.ts";
import { ImageError } from "../store/errors.ts";
import type { ContainerConfig, ImageConfig, Platform } from "../store/media_types.ts";
import { MediaType } from "../store/media_types.ts";
import type { ByteSource } from "../store/blob_ingest.ts";
import { fileChunks } from "../store/blob_ingest.ts";
import { openArchive } from "./archive_file.ts";
import type { LayerLimits } from "../layer/layer_ingest.ts";
import { BASE_PATH } from "../base/base_image.ts";

/** Options of `importRootfs`. */
export interface ImportOptions extends LayerLimits {
  /** `--change` instructions. */
  changes?: readonly string[];
  /** Reference to tag the image with. */
  tag?: string;
  /** `--message` (history comment). */
  message?: string;
  /** Platform (default wasi/wasm). */
  platform?: Platform;
  /** Source name for history and messages (default the path or `-`). */
  name?: string;
  /** Creation time (default now; `SOURCE_DATE_EPOCH` style callers pass a fixed one). */
  created?: Date;
}

/**
 * Apply `--change` instructions to a container config.
 *
 * @param config The config to change (copied).
 * @param changes Instructions such as `CMD ["/bin/sh"]` or `ENV A=1`.
 * @returns The new config.
 * @throws ImageError for instructions `docker import` does not allow or cannot parse.
 * @example
 * ```ts
 * import { applyChanges } from "./import_rootfs.ts";
 * const c = applyChanges({}, ['CMD ["/bin/sh"]', "ENV A=1 B=2", "WORKDIR /app"]);
 * console.assert(c.Cmd?.[0] === "/bin/sh" && c.Env?.length === 2 && c.WorkingDir === "/app");
 * ```
 */
export function applyChanges(config: ContainerConfig, changes: readonly string[]): ContainerConfig {
  const out: ContainerConfig = structuredClone(config);
  for (const raw of changes) {
    const line = raw.trim();
    const m = /^(\w+)\s*(.*)$/s.exec(line);
    if (!m) throw new ImageError(`Cannot apply change "${raw}": empty instruction`);
    const word = (m[1] ?? "").toUpperCase();
    const rest = (m[2] ?? "").trim();
    switch (word) {
      case "CMD":
        out.Cmd = commandForm(rest, raw);
        break;
      case "ENTRYPOINT":
        out.Entrypoint = commandForm(rest, raw);
        break;
      case "ENV":
        for (const [k, v] of keyValues(rest, raw)) {
          const env = (out.Env ?? []).filter((e) => !e.startsWith(`${k}=`));
          env.push(`${k}=${v}`);
          out.Env = env;
        }
        break;
      case "LABEL":
        for (const [k, v] of keyValues(rest, raw)) out.Labels = { ...(out.Labels ?? {}), [k]: v };
        break;
      case "WORKDIR":
        out.WorkingDir = rest.startsWith("/")
          ? rest
          : `${out.WorkingDir ?? "/"}/${rest}`.replace(/\/+/g, "/");
        break;
      case "USER":
        out.User = rest;
        break;
      case "STOPSIGNAL":
        out.StopSignal = rest;
        break;
      case "EXPOSE":
        for (const p of rest.split(/\s+/).filter(Boolean)) {
          const port = p.includes("/") ? p : `${p}/tcp`;
          out.ExposedPorts = { ...(out.ExposedPorts ?? {}), [port]: {} };
        }
        break;
      case "VOLUME": {
        const vols = rest.startsWith("[")
          ? jsonArray(rest, raw)
          : rest.split(/\s+/).filter(Boolean);
        for (const v of vols) out.Volumes = { ...(out.Volumes ?? {}), [v]: {} };
        break;
      }
      default:
        throw new ImageError(
          `Cannot apply change "${raw}": ${word} is not allowed (use CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME or WORKDIR)`,
        );
    }
  }
  return out;
}

function jsonArray(text: string, raw: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v;
  } catch { /* below */ }
  throw new ImageError(`Cannot apply change "${raw}": expected a JSON array of strings`);
}

function commandForm(rest: string, raw: string): string[] {
  if (rest.startsWith("[")) return jsonArray(rest, raw);
  if (rest === "") throw new ImageError(`Cannot apply change "${raw}": missing command`);
  return ["/bin/sh", "-c", rest];
}

function keyValues(rest: string, raw: string): [string, string][] {
  const out: [string, string][] = [];
  if (!/^("(?:[^"\\]|\\.)*"|'[^']*'|[^\s=]+)=/.test(rest)) {
    const m = /^(\S+)\s+(.*)$/s.exec(rest);
    if (!m) throw new ImageError(`Cannot apply change "${raw}": expected KEY=value`);
    return [[m[1] ?? "", m[2] ?? ""]];
  }
  const re = /("(?:[^"\\]|\\.)*"|'[^']*'|[^\s=]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;
  const unquote = (v: string): string =>
    v.startsWith('"')
      ? v.slice(1, -1).replace(/\\(.)/g, "$1")
      : v.startsWith("'")
      ? v.slice(1, -1)
      : v;
  let m: RegExpExecArray | null;
  while ((m = re.exec(rest))) out.push([unquote(m[1] ?? ""), unquote(m[2] ?? "")]);
  if (out.length === 0) throw new ImageError(`Cannot apply change "${raw}": expected KEY=value`);
  return out;
}

/**
 * Import a root file system tar as a one-layer image.
 *
 * @param store The store.
 * @param source Host path of the tar (or tar.gz), or its bytes.
 * @param options Changes, tag, message, platform.
 * @returns The new image.
 * @throws BadArchiveError / BadLayerError for bad tars; the store is unchanged.
 * @example
 * ```ts ignore
 * await importRootfs(store, "rootfs.tar", { tag: "mine:1", changes: ['CMD ["/bin/sh"]'] });
 * ```
 */
export function importRootfs(
  store: Store,
  source: string | ByteSource,
  options: ImportOptions = {},
): Promise<StoredImage> {
  return store.withIngest(() => importLocked(store, source, options));
}

async function importLocked(
  store: Store,
  source: string | ByteSource,
  options: ImportOptions,
): Promise<StoredImage> {
  const name = options.name ?? (typeof source === "string" ? source : "-");
  const containerConfig = applyChanges({ Env: [BASE_PATH] }, options.changes ?? []);
  // openArchive inflates gzip and checks the tar before anything reaches the store.
  const limits: LayerLimits = {};
  if (options.maxLayerSize !== undefined) limits.maxLayerSize = options.maxLayerSize;
  if (options.maxRatio !== undefined) limits.maxRatio = options.maxRatio;
  if (options.ratioFloor !== undefined) limits.ratioFloor = options.ratioFloor;
  const archive = await openArchive(source, store.tmpDir, name, limits);
  try {
    const layer = await store.ingestLayer(fileChunks(archive.path), {
      compression: "none",
      name,
      escapingSymlinks: "refuse",
      ...(options.maxLayerSize !== undefined ? { maxLayerSize: options.maxLayerSize } : {}),
    });
    const created = (options.created ?? new Date()).toISOString().replace(/\.\d{3}Z$/, "Z");
    const platform = options.platform ?? { os: "wasi", architecture: "wasm" };
    const config: ImageConfig = {
      created,
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      config: containerConfig,
      rootfs: { type: "layers", diff_ids: [layer.diffId] },
      history: [{
        created,
        created_by: `Imported from ${typeof source === "string" ? source : "-"}`,
        ...(options.message ? { comment: options.message } : {}),
      }],
    };
    return await store.putImage(
      config,
      [{ ...layer, mediaType: MediaType.ociLayer }],
      options.tag ? [options.tag] : [],
    );
  } finally {
    await archive.close();
  }
}
