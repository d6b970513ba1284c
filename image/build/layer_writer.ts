/**
 * The builder's layer change sets and their reproducible tar form. A change set lists
 * what a step adds (files, directories, links, whiteouts); {@link writeLayerTar} hands it
 * to the image store's reproducible layer writer (sorted, owners and modes from the step,
 * mtimes set to `SOURCE_DATE_EPOCH` when one is given), so the same inputs give the same
 * bytes.
 *
 * @module
 */
import { type LayerChange as StoreChange, layerTar } from "../layer/layer_writer.ts";

/** Where a changed file's bytes come from. */
export type ChangeData =
  | { kind: "bytes"; bytes: Uint8Array }
  | { kind: "stream"; open: () => AsyncIterable<Uint8Array> };

/** One entry of a layer. */
export interface LayerChange {
  /** Absolute normalised path ("/app/a.txt"). */
  path: string;
  /** Entry type; "whiteout" deletes `path` from lower layers. */
  type: "file" | "dir" | "symlink" | "hardlink" | "whiteout" | "char" | "block" | "fifo";
  /** Permission bits. */
  mode: number;
  /** Owner uid. */
  uid: number;
  /** Owner gid. */
  gid: number;
  /** Modification time in ms. */
  mtimeMs: number;
  /** Size of a file's data. */
  size: number;
  /** Symlink target, or absolute path of a hard link's target. */
  linkTarget?: string;
  /** File data (files only). */
  data?: ChangeData;
  /** Device numbers. */
  devMajor?: number;
  /** Device numbers. */
  devMinor?: number;
  /** Extended attributes. */
  xattrs?: Record<string, string>;
}

/** Options of {@link writeLayerTar}. */
export interface LayerWriteOptions {
  /**
   * SOURCE_DATE_EPOCH in seconds: every mtime is set to it. (BuildKit only clamps newer
   * mtimes; Berth sets them all, so contexts that differ only in mtimes give one digest.)
   */
  epoch?: number;
}

/**
 * Keep the last change of each path, in path order (a parent before its children).
 *
 * @param changes Changes in any order.
 * @returns A new sorted list.
 * @example
 * ```ts
 * import { sortChanges } from "./layer_writer.ts";
 * const base = { type: "dir" as const, mode: 0o755, uid: 0, gid: 0, mtimeMs: 0, size: 0 };
 * const s = sortChanges([{ ...base, path: "/a/b" }, { ...base, path: "/a" }, { ...base, path: "/a-b" }]);
 * console.assert(s.map((c) => c.path).join() === "/a,/a/b,/a-b");
 * ```
 */
export function sortChanges(changes: readonly LayerChange[]): LayerChange[] {
  const byPath = new Map<string, LayerChange>();
  for (const c of changes) byPath.set(c.path, c);
  // Compare component-wise so "/a/b" sorts right after "/a", before "/a-b".
  const key = (p: string) => p.split("/");
  return [...byPath.values()].sort((x, y) => {
    const a = key(x.path);
    const b = key(y.path);
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
    }
    return a.length - b.length;
  });
}

/**
 * The image store's change-set form of the builder's changes: `.wh.NAME` files (as a
 * runner's diff carries them) become whiteouts, `.wh..wh..opq` opaque markers; device
 * nodes are dropped (a build layer has no use for them).
 *
 * @param changes The builder's changes.
 * @returns Changes for the image store's layer writer.
 */
export function toStoreChanges(changes: readonly LayerChange[]): StoreChange[] {
  const out: StoreChange[] = [];
  for (const c of sortChanges(changes)) {
    if (c.path === "/") continue;
    const slash = c.path.lastIndexOf("/");
    const dir = c.path.slice(0, slash) || "/";
    const base = c.path.slice(slash + 1);
    if (c.type === "whiteout") {
      out.push({ type: "whiteout", path: c.path });
      continue;
    }
    if (base === ".wh..wh..opq") {
      out.push({ type: "opaque", path: dir });
      continue;
    }
    if (base.startsWith(".wh.")) {
      out.push({ type: "whiteout", path: `${dir === "/" ? "" : dir}/${base.slice(4)}` });
      continue;
    }
    const meta = {
      path: c.path,
      mode: c.mode,
      uid: c.uid,
      gid: c.gid,
      mtimeMs: c.mtimeMs,
      xattrs: c.xattrs,
    };
    switch (c.type) {
      case "file": {
        const d = c.data;
        const data = d === undefined
          ? new Uint8Array()
          : d.kind === "bytes"
          ? d.bytes
          : { size: c.size, open: d.open };
        out.push({ ...meta, type: "file", data });
        break;
      }
      case "dir":
        out.push({ ...meta, type: "dir" });
        break;
      case "symlink":
        out.push({ ...meta, type: "symlink", target: c.linkTarget ?? "" });
        break;
      case "hardlink":
        out.push({ ...meta, type: "hardlink", target: c.linkTarget ?? "" });
        break;
      case "fifo":
        out.push({ ...meta, type: "fifo" });
        break;
      case "char":
      case "block":
        out.push({ ...meta, type: c.type, devMajor: c.devMajor ?? 0, devMinor: c.devMinor ?? 0 });
        break;
    }
  }
  return out;
}

/**
 * Pack a change set as an uncompressed layer tar, reproducibly, with the image store's
 * layer writer (sorted, normalised; the last change of a path wins).
 *
 * @param changes The changes (any order).
 * @param options Set mtimes to an epoch.
 * @returns The tar bytes as a stream.
 * @example
 * ```ts
 * import { writeLayerTar } from "./layer_writer.ts";
 * const tar = writeLayerTar([{
 *   path: "/hello.txt", type: "file", mode: 0o644, uid: 0, gid: 0, mtimeMs: 0, size: 2,
 *   data: { kind: "bytes", bytes: new TextEncoder().encode("hi") },
 * }]);
 * const bytes = new Uint8Array(await new Response(tar).arrayBuffer());
 * console.assert(bytes.length === 2048);
 * ```
 */
export function writeLayerTar(
  changes: readonly LayerChange[],
  options: LayerWriteOptions = {},
): ReadableStream<Uint8Array> {
  return layerTar(toStoreChanges(changes), { sourceDateEpoch: options.epoch });
}
