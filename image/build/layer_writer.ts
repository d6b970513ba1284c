/**
 * Layer change sets and their reproducible tar form. A change set lists what a step
 * adds (files, directories, links, whiteouts); {@link writeLayerTar} packs it sorted by
 * path with parents first, fixed owners and modes from the step and mtimes set to
 * `SOURCE_DATE_EPOCH` when one is given, so the same inputs give the same bytes.
 *
 * @module
 */
import { createTarPacker, type TarHeader } from "modern-tar";

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

const TYPES: Record<Exclude<LayerChange["type"], "whiteout">, TarHeader["type"]> = {
  file: "file",
  dir: "directory",
  symlink: "symlink",
  hardlink: "link",
  char: "character-device",
  block: "block-device",
  fifo: "fifo",
};

/**
 * Sort changes by path (a parent before its children) and keep the last change of each
 * path.
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

function tarName(c: LayerChange): string {
  const rel = c.path.replace(/^\/+/, "");
  if (c.type === "whiteout") {
    const slash = rel.lastIndexOf("/");
    return slash < 0 ? `.wh.${rel}` : `${rel.slice(0, slash)}/.wh.${rel.slice(slash + 1)}`;
  }
  return c.type === "dir" ? `${rel}/` : rel;
}

/**
 * Pack a change set as an uncompressed layer tar, reproducibly.
 *
 * @param changes The changes (any order; the last change of a path wins).
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
  const { readable, controller } = createTarPacker();
  const sorted = sortChanges(changes.filter((c) => c.path !== "/"));
  const epochMs = options.epoch === undefined ? undefined : options.epoch * 1000;
  (async () => {
    for (const c of sorted) {
      let mtimeMs = c.mtimeMs;
      if (epochMs !== undefined) mtimeMs = epochMs;
      const isFile = c.type === "file";
      const header: TarHeader = {
        name: tarName(c),
        size: isFile ? c.size : 0,
        mode: c.type === "whiteout" ? 0o644 : c.mode & 0o7777,
        type: c.type === "whiteout" ? "file" : TYPES[c.type],
        uid: c.type === "whiteout" ? 0 : c.uid,
        gid: c.type === "whiteout" ? 0 : c.gid,
        mtime: new Date(Math.floor(mtimeMs / 1000) * 1000),
        uname: "",
        gname: "",
      };
      if (c.linkTarget !== undefined) {
        header.linkname = c.type === "hardlink" ? c.linkTarget.replace(/^\/+/, "") : c.linkTarget;
      }
      if (c.xattrs) {
        header.pax = {};
        for (const [k, v] of Object.entries(c.xattrs).sort()) header.pax[`SCHILY.xattr.${k}`] = v;
      }
      const body = controller.add(header);
      const writer = body.getWriter();
      if (isFile && c.data) {
        let written = 0;
        if (c.data.kind === "bytes") {
          written = c.data.bytes.length;
          if (written > 0) await writer.write(c.data.bytes);
        } else {
          for await (const chunk of c.data.open()) {
            written += chunk.length;
            if (written > c.size) break;
            await writer.write(chunk);
          }
        }
        if (written !== c.size) {
          throw new Error(
            `${c.path} changed while it was being copied (size ${c.size}, read ${written})`,
          );
        }
      }
      await writer.close();
    }
    controller.finalize();
  })().catch((e) => controller.error(e));
  return readable;
}
