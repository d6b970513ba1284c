/**
 * The upper tree of an overlay as a layer: Docker's `A/C/D` change list (`berth diff`)
 * and an OCI layer (change set and tar with `.wh.` whiteouts and `.wh..wh..opq` opaque
 * markers) for `commit` and the builder's `RUN` steps.
 *
 * Hard links inside the upper tree stay hard links (the path that sorts first in the tar
 * holds the data). Char and block devices and FIFOs become tar entries (device numbers in
 * the ustar `devmajor`/`devminor` fields); sockets are left out of the layer, as Docker
 * does, but still show in the change list. Extended attributes become PAX
 * `SCHILY.xattr.NAME` records.
 *
 * @module
 */
import {
  compareChanges,
  type LayerChange,
  layerTar,
  type LayerWriteOptions,
  splitDev,
} from "../../../../image/layer/layer_writer.ts";
import type { TmpNode } from "../tmpfs/tmpfs.ts";
import { childPath, type OverlayFs } from "./overlay.ts";

/** One entry of `berth diff` / Docker's `GET /containers/{id}/changes`. */
export interface FsChange {
  /** "A" added, "C" changed, "D" deleted. */
  kind: "A" | "C" | "D";
  /** Absolute path. */
  path: string;
}

/** Docker's numeric change kinds (`0` modified, `1` added, `2` deleted). */
export const CHANGE_KIND_NUMBER = { C: 0, A: 1, D: 2 } as const;

/**
 * The changes of the upper tree against the lower layers.
 *
 * @param fs The overlay.
 * @returns The change list (sorted by path) and the layer change set.
 * @example
 * ```ts ignore
 * const { changes } = overlayChanges(rootfs);
 * for (const c of changes) console.log(c.kind, c.path);
 * ```
 */
export function overlayChanges(fs: OverlayFs): { changes: FsChange[]; layer: LayerChange[] } {
  const changes: FsChange[] = [];
  const layer: LayerChange[] = [];
  const links = new Map<TmpNode, LayerChange[]>();
  const lower = fs.lower;
  const visit = (dir: TmpNode, path: string, lowerVisible: boolean): void => {
    const kids = [...(dir.children ?? new Map<string, TmpNode>())].sort((a, b) =>
      a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0
    );
    for (const [name, c] of kids) {
      const p = childPath(path, name);
      const hit = lowerVisible ? lower.lookup(p) : undefined;
      if (c.whiteout) {
        if (hit) {
          changes.push({ kind: "D", path: p });
          layer.push({ type: "whiteout", path: p });
        }
        continue;
      }
      changes.push({ kind: hit ? "C" : "A", path: p });
      const meta = {
        path: p,
        mode: c.mode & 0o7777,
        uid: c.uid,
        gid: c.gid,
        mtimeMs: c.mtimeMs,
        xattrs: xattrsOf(c),
      };
      switch (c.mode & 0o170000) {
        case 0o040000:
          layer.push({ type: "dir", ...meta });
          if (c.opaque && hit) layer.push({ type: "opaque", path: p });
          visit(c, p, lowerVisible && !c.opaque && hit?.entry.type === "dir");
          break;
        case 0o100000: {
          const change: LayerChange = { type: "file", ...meta, data: c.contents() };
          layer.push(change);
          if (c.nlink > 1) {
            const group = links.get(c) ?? [];
            group.push(change);
            links.set(c, group);
          }
          break;
        }
        case 0o120000:
          layer.push({ type: "symlink", ...meta, target: c.target });
          break;
        case 0o010000:
          layer.push({ type: "fifo", ...meta });
          break;
        case 0o020000:
        case 0o060000: {
          const { major, minor } = splitDev(c.rdev);
          const type = (c.mode & 0o170000) === 0o020000 ? "char" : "block";
          layer.push({ type, ...meta, devMajor: major, devMinor: minor });
          break;
        }
      }
    }
  };
  visit(fs.upperFs.root, "/", fs.root.lower !== null);
  for (const group of links.values()) {
    if (group.length < 2) continue;
    group.sort(compareChanges);
    const first = group[0] as LayerChange;
    for (const other of group.slice(1)) {
      const i = layer.indexOf(other);
      layer[i] = {
        ...(other as LayerChange & { type: "file" }),
        type: "hardlink",
        target: first.path,
      };
    }
  }
  changes.sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  return { changes, layer };
}

const xattrDec = new TextDecoder();

/** A node's extended attributes as PAX-ready text, or undefined when it has none. */
function xattrsOf(node: TmpNode): Record<string, string> | undefined {
  const names = node.listxattr();
  if (names.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const name of names) out[name] = xattrDec.decode(node.getxattr(name));
  return out;
}

/**
 * The upper tree as an OCI layer tar (uncompressed).
 *
 * @param fs The overlay.
 * @param options Reproducibility options (`SOURCE_DATE_EPOCH`, forced owner).
 * @returns The tar stream.
 * @example
 * ```ts ignore
 * const bytes = new Uint8Array(await new Response(overlayDiffTar(rootfs)).arrayBuffer());
 * ```
 */
export function overlayDiffTar(
  fs: OverlayFs,
  options: LayerWriteOptions = {},
): ReadableStream<Uint8Array> {
  return layerTar(overlayChanges(fs).layer, options);
}
