/**
 * Shape checks for the JSON documents Berth reads from archives: descriptors, image
 * manifests, indexes, image configs and Docker's `manifest.json`. Documents come from
 * outside (a `berth load` archive), so each field is checked before use and a wrong
 * shape becomes a typed error naming the document and the field, never a `TypeError`.
 *
 * @module
 */
import { isDigest } from "./digest.ts";
import type { Descriptor, ImageConfig, ImageIndex, Manifest } from "./media_types.ts";

/** Makes the error for a failed check, given the reason. */
export type Fail = (why: string) => Error;

/** Most entries accepted in one list (layers, index entries, history). */
export const MAX_LIST = 4096;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function obj(v: unknown, where: string, fail: Fail): Obj {
  if (!isObj(v)) throw fail(`${where} is not a JSON object`);
  return v;
}

function str(o: Obj, key: string, where: string, fail: Fail, optional = false): string | undefined {
  const v = o[key];
  if (v === undefined && optional) return undefined;
  if (typeof v !== "string") throw fail(`${where}.${key} is not a string`);
  return v;
}

function list(v: unknown, where: string, fail: Fail): unknown[] {
  if (!Array.isArray(v)) throw fail(`${where} is not an array`);
  if (v.length > MAX_LIST) throw fail(`${where} has ${v.length} entries (limit ${MAX_LIST})`);
  return v;
}

function stringList(v: unknown, where: string, fail: Fail, nullable = false): void {
  if (v === undefined || (nullable && v === null)) return;
  for (const [i, x] of list(v, where, fail).entries()) {
    if (typeof x !== "string") throw fail(`${where}[${i}] is not a string`);
  }
}

function stringMap(v: unknown, where: string, fail: Fail, nullable = false): void {
  if (v === undefined || (nullable && v === null)) return;
  const o = obj(v, where, fail);
  for (const [k, x] of Object.entries(o)) {
    if (typeof x !== "string") throw fail(`${where}["${k}"] is not a string`);
  }
}

function emptyObjectMap(v: unknown, where: string, fail: Fail): void {
  if (v === undefined || v === null) return;
  const o = obj(v, where, fail);
  for (const [k, x] of Object.entries(o)) obj(x, `${where}["${k}"]`, fail);
}

/**
 * Check a content descriptor.
 *
 * @param v Parsed JSON.
 * @param where Name of the document and field, for messages.
 * @param fail Error factory.
 * @returns The descriptor, typed.
 * @example
 * ```ts
 * import { validateDescriptor } from "./validate.ts";
 * const d = { mediaType: "x", digest: "sha256:" + "a".repeat(64), size: 1 };
 * console.assert(validateDescriptor(d, "d", (w) => new Error(w)).size === 1);
 * ```
 */
export function validateDescriptor(v: unknown, where: string, fail: Fail): Descriptor {
  const o = obj(v, where, fail);
  str(o, "mediaType", where, fail);
  const digest = str(o, "digest", where, fail) ?? "";
  if (!isDigest(digest)) {
    throw fail(`${where}.digest "${digest.slice(0, 80)}" is not a sha256 digest`);
  }
  const size = o.size;
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
    throw fail(`${where}.size is not a non-negative integer`);
  }
  stringMap(o.annotations, `${where}.annotations`, fail);
  if (o.platform !== undefined) {
    const p = obj(o.platform, `${where}.platform`, fail);
    str(p, "os", `${where}.platform`, fail);
    str(p, "architecture", `${where}.platform`, fail);
    str(p, "variant", `${where}.platform`, fail, true);
  }
  return o as unknown as Descriptor;
}

/**
 * Check an image manifest (OCI or Docker v2s2).
 *
 * @param v Parsed JSON.
 * @param where Name of the document.
 * @param fail Error factory.
 * @returns The manifest, typed.
 * @example
 * ```ts ignore
 * const m = validateManifest(JSON.parse(text), "manifest sha256:…", fail);
 * ```
 */
export function validateManifest(v: unknown, where: string, fail: Fail): Manifest {
  const o = obj(v, where, fail);
  if (o.schemaVersion !== 2) throw fail(`${where}.schemaVersion is not 2`);
  str(o, "mediaType", where, fail, true);
  validateDescriptor(o.config, `${where}.config`, fail);
  list(o.layers, `${where}.layers`, fail).forEach((l, i) =>
    validateDescriptor(l, `${where}.layers[${i}]`, fail)
  );
  stringMap(o.annotations, `${where}.annotations`, fail);
  return o as unknown as Manifest;
}

/**
 * Check an image index / manifest list.
 *
 * @param v Parsed JSON.
 * @param where Name of the document.
 * @param fail Error factory.
 * @returns The index, typed.
 * @example
 * ```ts ignore
 * const ix = validateIndex(JSON.parse(text), "index.json", fail);
 * ```
 */
export function validateIndex(v: unknown, where: string, fail: Fail): ImageIndex {
  const o = obj(v, where, fail);
  if (o.schemaVersion !== 2) throw fail(`${where}.schemaVersion is not 2`);
  list(o.manifests, `${where}.manifests`, fail).forEach((d, i) =>
    validateDescriptor(d, `${where}.manifests[${i}]`, fail)
  );
  return o as unknown as ImageIndex;
}

/**
 * Check an image config.
 *
 * @param v Parsed JSON.
 * @param where Name of the document.
 * @param fail Error factory.
 * @returns The config, typed.
 * @example
 * ```ts ignore
 * const c = validateConfig(JSON.parse(text), "config sha256:…", fail);
 * ```
 */
export function validateConfig(v: unknown, where: string, fail: Fail): ImageConfig {
  const o = obj(v, where, fail);
  str(o, "architecture", where, fail);
  str(o, "os", where, fail);
  str(o, "variant", where, fail, true);
  str(o, "author", where, fail, true);
  const created = str(o, "created", where, fail, true);
  if (created !== undefined && !Number.isFinite(Date.parse(created))) {
    throw fail(`${where}.created "${created.slice(0, 40)}" is not a date`);
  }
  const rootfs = obj(o.rootfs, `${where}.rootfs`, fail);
  if (rootfs.type !== "layers") throw fail(`${where}.rootfs.type is not "layers"`);
  list(rootfs.diff_ids, `${where}.rootfs.diff_ids`, fail).forEach((d, i) => {
    if (typeof d !== "string" || !isDigest(d)) {
      throw fail(`${where}.rootfs.diff_ids[${i}] is not a sha256 digest`);
    }
  });
  if (o.config !== undefined && o.config !== null) {
    const c = obj(o.config, `${where}.config`, fail);
    const w = `${where}.config`;
    for (const k of ["User", "WorkingDir", "StopSignal"]) str(c, k, w, fail, true);
    stringList(c.Env, `${w}.Env`, fail, true);
    stringList(c.Cmd, `${w}.Cmd`, fail, true);
    stringList(c.Entrypoint, `${w}.Entrypoint`, fail, true);
    stringMap(c.Labels, `${w}.Labels`, fail, true);
    emptyObjectMap(c.ExposedPorts, `${w}.ExposedPorts`, fail);
    emptyObjectMap(c.Volumes, `${w}.Volumes`, fail);
  } else if (o.config === null) {
    delete o.config;
  }
  if (o.history !== undefined) {
    list(o.history, `${where}.history`, fail).forEach((h, i) => {
      const e = obj(h, `${where}.history[${i}]`, fail);
      for (const k of ["created", "created_by", "author", "comment"]) {
        str(e, k, `${where}.history[${i}]`, fail, true);
      }
      if (e.empty_layer !== undefined && typeof e.empty_layer !== "boolean") {
        throw fail(`${where}.history[${i}].empty_layer is not a boolean`);
      }
    });
  }
  return o as unknown as ImageConfig;
}

/** One entry of Docker's `manifest.json`. */
export interface DockerManifestEntry {
  /** Path of the config in the archive. */
  Config: string;
  /** Tags. */
  RepoTags: string[];
  /** Paths of the layer tars in the archive. */
  Layers: string[];
}

/**
 * Check Docker's `manifest.json`.
 *
 * @param v Parsed JSON.
 * @param fail Error factory.
 * @returns The entries, typed (a null RepoTags becomes empty).
 * @example
 * ```ts
 * import { validateDockerManifest } from "./validate.ts";
 * const m = validateDockerManifest([{ Config: "c.json", RepoTags: null, Layers: [] }], (w) => new Error(w));
 * console.assert(m[0]?.RepoTags.length === 0);
 * ```
 */
export function validateDockerManifest(v: unknown, fail: Fail): DockerManifestEntry[] {
  return list(v, "manifest.json", fail).map((e, i) => {
    const where = `manifest.json[${i}]`;
    const o = obj(e, where, fail);
    const config = str(o, "Config", where, fail) ?? "";
    stringList(o.RepoTags, `${where}.RepoTags`, fail, true);
    stringList(o.Layers, `${where}.Layers`, fail);
    if (o.Layers === undefined) throw fail(`${where}.Layers is missing`);
    return {
      Config: config,
      RepoTags: (o.RepoTags as string[] | null | undefined) ?? [],
      Layers: o.Layers as string[],
    };
  });
}
