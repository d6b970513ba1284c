/**
 * Making layers: a change set (files, dirs, links, whiteouts, opaque markers) becomes a
 * tar stream, reproducibly: entries sorted by path, uid/gid fixed when asked, and every
 * mtime set to `SOURCE_DATE_EPOCH` when it is given, so the same content gives the same
 * diff_id on every machine. Tars are written by `modern-tar` (ustar, PAX for long
 * names); this module only decides the entries and their order, and fills in the ustar
 * `devmajor`/`devminor` fields of char and block device entries, which `modern-tar` leaves
 * zero (a pass over the headers of the stream, only when the layer has devices).
 *
 * @module
 */
import { createTarPacker, type TarHeader } from "modern-tar";
import { join } from "node:path";
import { type ByteSource, chunksOf, fileChunks } from "../store/blob_ingest.ts";
import { ImageError } from "../store/errors.ts";
import { normalisePath, readNumeric } from "./tar_indexer.ts";
import type { Store } from "../store/store.ts";
import type { IngestedLayer } from "./layer_ingest.ts";

/** Metadata common to change-set entries. */
export interface ChangeMeta {
  /** Absolute path in the image (`/etc/passwd`). */
  path: string;
  /** Permission bits (default 0644 files, 0755 dirs, 0777 symlinks). */
  mode?: number;
  /** Owner (default 0). */
  uid?: number;
  /** Group (default 0). */
  gid?: number;
  /** Modification time, ms since the epoch (default 0). */
  mtimeMs?: number;
  /** Extended attributes (written as PAX `SCHILY.xattr.*`). */
  xattrs?: Record<string, string>;
}

/** File content: bytes in memory, or a size and a way to stream them. */
export type FileData = Uint8Array | string | { size: number; open: () => ByteSource };

/** One change of a layer. */
export type LayerChange =
  | (ChangeMeta & { type: "file"; data: FileData })
  | (ChangeMeta & { type: "dir" })
  | (ChangeMeta & { type: "symlink"; target: string })
  | (ChangeMeta & { type: "hardlink"; target: string })
  | (ChangeMeta & { type: "fifo" })
  | (ChangeMeta & { type: "char" | "block"; devMajor: number; devMinor: number })
  | { type: "whiteout"; path: string }
  | { type: "opaque"; path: string };

/** Reproducibility options. */
export interface LayerWriteOptions {
  /** Seconds since the epoch: every entry's mtime becomes this (`SOURCE_DATE_EPOCH`). */
  sourceDateEpoch?: number;
  /** Force this uid on every entry. */
  uid?: number;
  /** Force this gid on every entry. */
  gid?: number;
}

/**
 * `SOURCE_DATE_EPOCH` from an environment, if set and valid.
 *
 * @param env Environment (defaults to the process's).
 * @returns Seconds, or undefined.
 * @example
 * ```ts
 * import { sourceDateEpoch } from "./layer_writer.ts";
 * console.assert(sourceDateEpoch({ SOURCE_DATE_EPOCH: "10" }) === 10);
 * ```
 */
export function sourceDateEpoch(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): number | undefined {
  const v = env.SOURCE_DATE_EPOCH;
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

const enc = new TextEncoder();

/**
 * Order of changes in a layer tar: a plain sort of tar names (a directory's `dir/` name
 * is a prefix of its children's, so parents come first; whiteouts sort as the
 * `.wh.NAME` files they are).
 *
 * @param a A change.
 * @param b Another change.
 * @returns Negative, zero or positive.
 * @example
 * ```ts
 * import { compareChanges } from "./layer_writer.ts";
 * console.assert(compareChanges({ type: "dir", path: "/a" }, { type: "dir", path: "/a/b" }) < 0);
 * ```
 */
export function compareChanges(a: LayerChange, b: LayerChange): number {
  const ka = tarName(a);
  const kb = tarName(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function tarName(c: LayerChange): string {
  const rel = c.path.slice(1);
  const slash = rel.lastIndexOf("/");
  const dir = slash < 0 ? "" : rel.slice(0, slash + 1);
  const base = rel.slice(slash + 1);
  if (c.type === "whiteout") return `${dir}.wh.${base}`;
  if (c.type === "opaque") return rel === "" ? ".wh..wh..opq" : `${rel}/.wh..wh..opq`;
  if (c.type === "dir") return rel === "" ? "./" : `${rel}/`;
  return rel;
}

function headerOf(c: LayerChange, options: LayerWriteOptions): TarHeader {
  const meta: ChangeMeta = c.type === "whiteout" || c.type === "opaque" ? { path: c.path } : c;
  const mtimeMs = options.sourceDateEpoch !== undefined
    ? options.sourceDateEpoch * 1000
    : meta.mtimeMs ?? 0;
  const h: TarHeader = {
    name: tarName(c),
    size: 0,
    mtime: new Date(Math.floor(mtimeMs / 1000) * 1000),
    uid: options.uid ?? meta.uid ?? 0,
    gid: options.gid ?? meta.gid ?? 0,
    uname: "",
    gname: "",
  };
  if (meta.xattrs && Object.keys(meta.xattrs).length) {
    h.pax = Object.fromEntries(
      Object.entries(meta.xattrs).sort().map(([k, v]) => [`SCHILY.xattr.${k}`, v]),
    );
  }
  switch (c.type) {
    case "file":
      h.type = "file";
      h.mode = c.mode ?? 0o644;
      h.size = dataSize(c.data);
      break;
    case "dir":
      h.type = "directory";
      h.mode = c.mode ?? 0o755;
      break;
    case "symlink":
      h.type = "symlink";
      h.mode = c.mode ?? 0o777;
      h.linkname = c.target;
      break;
    case "hardlink":
      h.type = "link";
      h.mode = c.mode ?? 0o644;
      h.linkname = c.target.replace(/^\/+/, "");
      break;
    case "fifo":
      h.type = "fifo";
      h.mode = c.mode ?? 0o644;
      break;
    case "char":
    case "block":
      h.type = c.type === "char" ? "character-device" : "block-device";
      h.mode = c.mode ?? 0o644;
      break;
    default:
      h.type = "file";
      h.mode = 0o644;
  }
  return h;
}

function dataSize(d: FileData): number {
  if (typeof d === "string") return enc.encode(d).length;
  if (d instanceof Uint8Array) return d.length;
  return d.size;
}

/**
 * Write a change set as a tar stream, sorted and normalised.
 *
 * @param changes The changes (any order; paths absolute).
 * @param options Reproducibility options.
 * @returns The tar bytes as a stream.
 * @throws ImageError for duplicate or invalid paths.
 * @example
 * ```ts
 * import { layerTar } from "./layer_writer.ts";
 * const tar = layerTar([{ type: "file", path: "/hello", data: "hi" }], { sourceDateEpoch: 0 });
 * const bytes = new Uint8Array(await new Response(tar).arrayBuffer());
 * console.assert(bytes.length === 2048);
 * ```
 */
export function layerTar(
  changes: readonly LayerChange[],
  options: LayerWriteOptions = {},
): ReadableStream<Uint8Array> {
  const seen = new Set<string>();
  const sorted = changes.map((c) => {
    const path = normalisePath(
      c.path.replace(/^\/+/, ""),
      (why) => new ImageError(`Cannot write layer: path "${c.path}" ${why}`),
    );
    const key = `${c.type === "whiteout" || c.type === "opaque" ? c.type : "entry"}:${path}`;
    if (seen.has(key)) throw new ImageError(`Cannot write layer: "${path}" appears twice`);
    seen.add(key);
    return { ...c, path } as LayerChange;
  }).sort(compareChanges);
  const devices = sorted.flatMap((c) =>
    c.type === "char" || c.type === "block" ? [{ major: c.devMajor, minor: c.devMinor }] : []
  );
  for (const d of devices) {
    if (!validDevNumber(d.major) || !validDevNumber(d.minor)) {
      throw new ImageError(
        `Cannot write layer: device number ${d.major}:${d.minor} does not fit a tar header`,
      );
    }
  }
  const { readable, controller } = createTarPacker();
  (async () => {
    try {
      for (const c of sorted) {
        if (c.type === "dir" && c.path === "/") continue; // the root is implicit
        const header = headerOf(c, options);
        const body = controller.add(header);
        const writer = body.getWriter();
        if (c.type === "file") {
          const d = c.data;
          if (typeof d === "string") await writer.write(enc.encode(d));
          else if (d instanceof Uint8Array) await writer.write(d);
          else {
            let written = 0;
            for await (const chunk of chunksOf(d.open())) {
              written += chunk.length;
              if (written > d.size) break;
              await writer.write(chunk);
            }
            if (written !== d.size) {
              throw new ImageError(
                `Cannot write layer: ${c.path} changed size while being read (${d.size} → ${written})`,
              );
            }
          }
        }
        await writer.close();
      }
      controller.finalize();
    } catch (e) {
      controller.error(e);
    }
  })();
  return devices.length ? readable.pipeThrough(deviceNumberPatcher(devices)) : readable;
}

/** Largest value of a 7-digit octal ustar field. */
const MAX_OCTAL7 = 0o7777777;

function validDevNumber(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= MAX_OCTAL7;
}

/**
 * A pass over a tar stream that writes `devmajor`/`devminor` (ustar offsets 329 and 337)
 * into the headers of char/block device entries, in order, and fixes their checksums.
 * It walks the archive block by block (header sizes, PAX `size` records), so it does not
 * depend on how the stream is chunked; data passes through untouched.
 */
function deviceNumberPatcher(
  devices: readonly { major: number; minor: number }[],
): TransformStream<Uint8Array, Uint8Array> {
  const header = new Uint8Array(512);
  let fill = 0;
  let skip = 0; // data + padding bytes of the current entry still to pass through
  let pax: Uint8Array | null = null; // body of a PAX header being read
  let paxFill = 0;
  let paxSize: number | undefined;
  let next = 0;
  let ended = false;
  const fail = () => new ImageError("Cannot write layer: bad numeric field in a header");
  const onHeader = (): void => {
    if (header.every((b) => b === 0)) {
      ended = true;
      return;
    }
    const type = String.fromCharCode(header[156] ?? 0);
    let size = readNumeric(header, 124, 12, fail);
    if (type === "x") {
      pax = size > 0 ? new Uint8Array(size) : null;
      paxFill = 0;
    } else if (type !== "g" && type !== "L" && type !== "K") {
      if (paxSize !== undefined) size = paxSize;
      paxSize = undefined;
      if ("123456".includes(type)) size = 0;
      if (type === "3" || type === "4") {
        const d = devices[next++];
        if (!d) throw new ImageError("Cannot write layer: more device headers than devices");
        header.set(enc.encode(d.major.toString(8).padStart(7, "0") + "\0"), 329);
        header.set(enc.encode(d.minor.toString(8).padStart(7, "0") + "\0"), 337);
        header.fill(0x20, 148, 156);
        let sum = 0;
        for (const b of header) sum += b;
        header.set(enc.encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
      }
    }
    skip = size + (-size & 511);
  };
  return new TransformStream({
    transform(chunk, out) {
      let i = 0;
      while (i < chunk.length) {
        if (ended) {
          out.enqueue(chunk.subarray(i));
          return;
        }
        if (skip > 0) {
          const n = Math.min(skip, chunk.length - i);
          if (pax && paxFill < pax.length) {
            const k = Math.min(n, pax.length - paxFill);
            pax.set(chunk.subarray(i, i + k), paxFill);
            paxFill += k;
          }
          out.enqueue(chunk.subarray(i, i + n));
          skip -= n;
          i += n;
          if (skip === 0 && pax) {
            const m = /(?:^|\n)\d+ size=(\d+)\n/.exec(new TextDecoder().decode(pax));
            paxSize = m ? Number(m[1]) : undefined;
            pax = null;
          }
          continue;
        }
        const n = Math.min(512 - fill, chunk.length - i);
        header.set(chunk.subarray(i, i + n), fill);
        fill += n;
        i += n;
        if (fill === 512) {
          fill = 0;
          onHeader();
          out.enqueue(header.slice());
        }
      }
    },
    flush() {
      if (next !== devices.length) {
        throw new ImageError("Cannot write layer: a device entry lost its header");
      }
    },
  });
}

/**
 * Describe a host directory tree as a change set (files stream from disk when written).
 * Hard links between files of the tree are kept as hard links (first path in sorted
 * order holds the data). Char and block devices and FIFOs are kept (device numbers from
 * `rdev`, Linux's encoding); sockets are refused.
 *
 * @param dir Host directory; its contents become the layer's root.
 * @returns Changes (sorted).
 * @example
 * ```ts ignore
 * const tar = layerTar(await changesFromDirectory("./rootfs"), { sourceDateEpoch: 0 });
 * ```
 */
export async function changesFromDirectory(dir: string): Promise<LayerChange[]> {
  const out: LayerChange[] = [];
  const linked = new Map<LayerChange, string>();
  async function walk(host: string, path: string): Promise<void> {
    const names: string[] = [];
    for await (const e of Deno.readDir(host)) names.push(e.name);
    names.sort();
    for (const name of names) {
      const h = join(host, name);
      const p = path === "/" ? `/${name}` : `${path}/${name}`;
      const st = await Deno.lstat(h);
      const meta = {
        path: p,
        mode: (st.mode ?? 0o644) & 0o7777,
        uid: st.uid ?? 0,
        gid: st.gid ?? 0,
        mtimeMs: st.mtime?.getTime() ?? 0,
      };
      if (st.isSymlink) out.push({ ...meta, type: "symlink", target: await Deno.readLink(h) });
      else if (st.isDirectory) {
        out.push({ ...meta, type: "dir" });
        await walk(h, p);
      } else if (st.isFile) {
        const change: LayerChange = {
          ...meta,
          type: "file",
          data: { size: st.size, open: () => fileChunks(h) },
        };
        if ((st.nlink ?? 1) > 1) linked.set(change, `${st.dev}:${st.ino}`);
        out.push(change);
      } else if (st.isFifo) out.push({ ...meta, type: "fifo" });
      else if (st.isCharDevice || st.isBlockDevice) {
        const { major, minor } = splitDev(st.rdev ?? 0);
        out.push({
          ...meta,
          type: st.isCharDevice ? "char" : "block",
          devMajor: major,
          devMinor: minor,
        });
      } else {
        throw new ImageError(`Cannot make a layer from ${h}: sockets are not supported`);
      }
    }
  }
  await walk(dir, "/");
  out.sort(compareChanges);
  // Hard links: the first path in tar order holds the data, later ones link to it.
  const holders = new Map<string, string>();
  return out.map((c) => {
    const key = linked.get(c);
    if (key === undefined || c.type !== "file") return c;
    const holder = holders.get(key);
    if (holder === undefined) {
      holders.set(key, c.path);
      return c;
    }
    const { data: _data, ...meta } = c;
    return { ...meta, type: "hardlink", target: holder };
  });
}

/**
 * Split a Linux device number (`st_rdev`, glibc's `makedev` encoding) into major and minor.
 *
 * @param rdev The device number.
 * @returns Major and minor.
 * @example
 * ```ts
 * import { splitDev } from "./layer_writer.ts";
 * const { major, minor } = splitDev(0x0103); // /dev/null is 1:3
 * console.assert(major === 1 && minor === 3);
 * ```
 */
export function splitDev(rdev: number): { major: number; minor: number } {
  const hi = Math.floor(rdev / 2 ** 32);
  const lo = rdev >>> 0;
  return {
    major: ((lo >>> 8) & 0xfff) | ((hi & ~0xfff) >>> 0),
    minor: ((lo & 0xff) | ((lo >>> 12) & 0xfff00) | ((hi & 0xfff) << 20)) >>> 0,
  };
}

/**
 * Join a major and a minor device number into a Linux `st_rdev` (glibc's `makedev`).
 *
 * @param major Major number.
 * @param minor Minor number.
 * @returns The device number.
 * @example
 * ```ts
 * import { joinDev } from "./layer_writer.ts";
 * console.assert(joinDev(1, 3) === 0x0103);
 * ```
 */
export function joinDev(major: number, minor: number): number {
  const lo = ((minor & 0xff) | ((major & 0xfff) << 8) | ((minor & 0xfff00) << 12)) >>> 0;
  const hi = ((major & ~0xfff) | ((minor >>> 20) & 0xfff)) >>> 0;
  return hi * 2 ** 32 + lo;
}

/**
 * Write a change set as a new layer in a store (uncompressed tar, indexed).
 *
 * @param store The store.
 * @param changes The changes.
 * @param options Reproducibility options.
 * @returns The layer (blob digest = diff_id, since it is not compressed).
 * @example
 * ```ts ignore
 * const layer = await storeLayer(store, [{ type: "file", path: "/a", data: "x" }]);
 * ```
 */
export async function storeLayer(
  store: Store,
  changes: readonly LayerChange[],
  options: LayerWriteOptions = {},
): Promise<IngestedLayer> {
  return await store.ingestLayer(layerTar(changes, options), {
    compression: "none",
    name: "new layer",
  });
}
