/**
 * A streaming tar header parser that builds a layer's index while the tar flows past.
 *
 * Why our own parser: the tar packages we use (`modern-tar`, `tar-stream`) hand out
 * entry bodies as streams but never say where an entry's data sits in the archive, and
 * the index must record that byte offset so the overlay can read a file with one
 * positioned read. The parser only looks at the 512-byte headers (and PAX / GNU
 * long-name bodies); file data is skipped by arithmetic, never copied, so indexing
 * costs almost nothing beside hashing.
 *
 * Handles: ustar (prefix + name), GNU tar (`ustar  ` magic, `L`/`K` long name/link),
 * PAX extended and global headers (path, linkpath, size, mtime with fractions,
 * uid/gid, `SCHILY.xattr.*`), base-256 numeric fields (sizes beyond 8 GiB), hard
 * links, symlinks, directories, char/block devices and FIFOs (kept as entries).
 * Refuses with a `BadLayerError` naming the entry: sparse files (`S`, `GNU.sparse.*`),
 * multi-volume parts, `..` or absolute paths, symlinks that climb out of the root
 * (unless `escapingSymlinks: "allow"`), bad checksums, truncated archives, headers
 * larger than a limit.
 *
 * Whiteouts (`.wh.NAME`, `.wh..wh..opq`) are recorded apart from entries.
 *
 * @module
 */
import type { LayerEntry, LayerEntryType } from "./types.ts";
import { BadLayerError } from "../store/errors.ts";

/** What indexing a layer tar produced. */
export interface TarIndex {
  /** Entries in archive order (a path met twice keeps its last header). */
  entries: LayerEntry[];
  /** Paths deleted by `.wh.NAME`. */
  whiteouts: string[];
  /** Directories made opaque by `.wh..wh..opq`. */
  opaqueDirs: string[];
  /** Bytes consumed (the tar's length). */
  size: number;
}

/** Limits of the parser. */
export interface TarIndexerOptions {
  /** Largest PAX / GNU long-name body accepted (default 1 MiB). */
  maxMetaSize?: number;
  /** Total length of the archive when known: an entry claiming more fails at once. */
  totalSize?: number;
  /**
   * Symlinks whose target climbs above the root (`../../..`): `refuse` (default, for
   * archives from outside) or `allow` (layers Berth makes itself: Linux, and Berth's
   * VFS, resolve `..` at the root to the root, so such a link cannot leave it).
   */
  escapingSymlinks?: "refuse" | "allow";
}

const BLOCK = 512;
const WHITEOUT_PREFIX = ".wh.";
const OPAQUE = ".wh..wh..opq";
const decoder = new TextDecoder();

type State = "header" | "data" | "meta" | "end";

/**
 * Incremental tar indexer: `push` chunks in order, then `finish`.
 *
 * @example
 * ```ts ignore
 * const ix = new TarIndexer("layer.tar");
 * for await (const chunk of stream) ix.push(chunk);
 * const { entries } = ix.finish();
 * ```
 */
export class TarIndexer {
  readonly #name: string;
  readonly #maxMeta: number;
  readonly #total: number | undefined;
  readonly #allowEscaping: boolean;
  #state: State = "header";
  #offset = 0;
  #header = new Uint8Array(BLOCK);
  #headerFill = 0;
  #skip = 0; // bytes of data + padding still to skip
  #meta: Uint8Array = new Uint8Array(0);
  #metaFill = 0;
  #metaPadding = 0;
  #metaType = "";
  #zeroBlocks = 0;
  #pax: Map<string, string> = new Map();
  #globalPax: Map<string, string> = new Map();
  #longName: string | undefined;
  #longLink: string | undefined;
  #byPath = new Map<string, number>();
  #entries: LayerEntry[] = [];
  #whiteouts = new Set<string>();
  #opaque = new Set<string>();

  /**
   * Create it.
   *
   * @param name The layer or file name, used in error messages.
   * @param options Limits.
   */
  constructor(name: string, options: TarIndexerOptions = {}) {
    this.#name = name;
    this.#maxMeta = options.maxMetaSize ?? 1 << 20;
    this.#total = options.totalSize;
    this.#allowEscaping = options.escapingSymlinks === "allow";
  }

  /** Bytes consumed so far. */
  get offset(): number {
    return this.#offset;
  }

  /**
   * Feed the next bytes of the tar.
   *
   * @param chunk Bytes, in order.
   * @throws BadLayerError on malformed or refused content.
   */
  push(chunk: Uint8Array): void {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      switch (this.#state) {
        case "end":
          this.#offset += n - i;
          return;
        case "data": {
          const take = Math.min(this.#skip, n - i);
          this.#skip -= take;
          i += take;
          this.#offset += take;
          if (this.#skip === 0) this.#state = "header";
          break;
        }
        case "meta": {
          const want = this.#meta.length - this.#metaFill;
          if (want > 0) {
            const take = Math.min(want, n - i);
            this.#meta.set(chunk.subarray(i, i + take), this.#metaFill);
            this.#metaFill += take;
            i += take;
            this.#offset += take;
          }
          if (this.#metaFill === this.#meta.length) {
            const take = Math.min(this.#metaPadding, n - i);
            this.#metaPadding -= take;
            i += take;
            this.#offset += take;
            if (this.#metaPadding === 0) {
              this.#applyMeta();
              this.#state = "header";
            }
          }
          break;
        }
        case "header": {
          const take = Math.min(BLOCK - this.#headerFill, n - i);
          this.#header.set(chunk.subarray(i, i + take), this.#headerFill);
          this.#headerFill += take;
          i += take;
          this.#offset += take;
          if (this.#headerFill === BLOCK) {
            this.#headerFill = 0;
            this.#onHeader();
          }
          break;
        }
      }
    }
  }

  /**
   * Finish: checks the archive ended at an entry boundary.
   *
   * @returns The index.
   * @throws BadLayerError when the tar is truncated.
   */
  finish(): TarIndex {
    if (this.#state === "data" || this.#state === "meta" || this.#headerFill !== 0) {
      const what = this.#state === "data"
        ? `the data of ${
          this.#entries.at(-1)?.path ?? "an entry"
        } is cut short (${this.#skip} bytes missing)`
        : "a header is cut short";
      throw this.#fail(`truncated tar at byte ${this.#offset}: ${what}`);
    }
    if (this.#offset === 0) throw this.#fail("empty stream (not a tar)");
    const entries = this.#entries.filter((e, i) => this.#byPath.get(e.path) === i);
    return {
      entries,
      whiteouts: [...this.#whiteouts],
      opaqueDirs: [...this.#opaque],
      size: this.#offset,
    };
  }

  #fail(problem: string): BadLayerError {
    return new BadLayerError(this.#name, problem);
  }

  #onHeader(): void {
    const h = this.#header;
    if (isZeroBlock(h)) {
      this.#zeroBlocks++;
      if (this.#zeroBlocks >= 2) this.#state = "end";
      return;
    }
    if (this.#zeroBlocks > 0) {
      throw this.#fail(`unexpected header after an end-of-archive block at byte ${this.#offset}`);
    }
    verifyChecksum(h, () => this.#fail(`bad header checksum at byte ${this.#offset - BLOCK}`));
    const type = String.fromCharCode(h[156] ?? 0);
    // "ustar\0" (POSIX) or "ustar  \0" (GNU), compared byte by byte.
    const isMagic = h[257] === 0x75 && h[258] === 0x73 && h[259] === 0x74 && h[260] === 0x61 &&
      h[261] === 0x72;
    const isUstar = isMagic && h[262] === 0;
    const isGnu = isMagic && h[262] === 0x20 && h[263] === 0x20 && h[264] === 0;
    const rawName = cString(h, 0, 100);
    const prefix = isUstar ? cString(h, 345, 155) : "";
    const nameForErrors = this.#pax.get("path") ?? this.#longName ??
      (prefix ? `${prefix}/${rawName}` : rawName);
    const num = (off: number, len: number, field: string): number =>
      readNumeric(
        h,
        off,
        len,
        () => this.#fail(`bad ${field} field in header of ${nameForErrors}`),
      );
    let size = num(124, 12, "size");
    const paxSize = this.#pax.get("size") ?? this.#globalPax.get("size");
    if (paxSize !== undefined && type !== "x" && type !== "g") size = parseDecimal(paxSize);

    if (type === "x" || type === "g" || type === "L" || type === "K") {
      if (size > this.#maxMeta) {
        throw this.#fail(
          `${metaName(type)} of ${size} bytes exceeds the ${this.#maxMeta}-byte limit`,
        );
      }
      this.#startMeta(type, size);
      return;
    }
    if (
      type === "S" || this.#pax.has("GNU.sparse.major") || this.#pax.has("GNU.sparse.size") ||
      this.#pax.has("GNU.sparse.map")
    ) {
      throw this.#fail(
        `sparse file ${nameForErrors} is not supported; re-create the layer without sparse files`,
      );
    }
    if (type === "M") throw this.#fail(`multi-volume entry ${nameForErrors} is not supported`);
    const pax = this.#pax;
    const gpax = this.#globalPax;
    const get = (k: string): string | undefined => pax.get(k) ?? gpax.get(k);
    const name = get("path") ?? this.#longName ?? (prefix ? `${prefix}/${rawName}` : rawName);
    const entryType = mapType(type, name);
    const headerOnly = entryType !== "file";
    const dataSize = headerOnly ? 0 : size;
    const dataOffset = this.#offset;
    if (this.#total !== undefined && dataOffset + dataSize > this.#total) {
      throw this.#fail(
        `entry ${nameForErrors} claims ${size} bytes but the archive has only ${
          this.#total - dataOffset
        } left`,
      );
    }
    const link = get("linkpath") ?? this.#longLink ?? cString(h, 157, 100);
    this.#longName = undefined;
    this.#longLink = undefined;
    this.#pax = new Map();
    this.#skip = dataSize + padding(dataSize);
    if (this.#skip > 0) this.#state = "data";
    if (type === "V") return; // volume label: not a file

    const path = normalisePath(name, (why) => this.#fail(`entry "${name}" ${why}`));
    const base = path.slice(path.lastIndexOf("/") + 1);
    if (base.startsWith(WHITEOUT_PREFIX)) {
      const dir = parentOf(path);
      if (base === OPAQUE) this.#opaque.add(dir);
      else if (!base.startsWith(".wh..wh.")) {
        this.#whiteouts.add(joinPath(dir, base.slice(WHITEOUT_PREFIX.length)));
      }
      return;
    }
    const mtimeText = get("mtime");
    const entry: LayerEntry = {
      path,
      type: entryType,
      mode: num(100, 8, "mode") & 0o7777,
      uid: get("uid") !== undefined ? parseDecimal(get("uid") ?? "0") : num(108, 8, "uid"),
      gid: get("gid") !== undefined ? parseDecimal(get("gid") ?? "0") : num(116, 8, "gid"),
      size: dataSize,
      mtimeMs: mtimeText !== undefined
        ? Math.round(Number(mtimeText) * 1000)
        : num(136, 12, "mtime") * 1000,
      dataOffset,
    };
    if (entryType === "symlink") {
      if (link === "") throw this.#fail(`symlink ${path} has an empty target`);
      if (!this.#allowEscaping) {
        checkSymlink(path, link, (why) => this.#fail(`symlink ${path} -> ${link} ${why}`));
      }
      entry.linkTarget = link;
    } else if (entryType === "hardlink") {
      entry.linkTarget = normalisePath(
        link,
        (why) => this.#fail(`hard link ${path} -> ${link}: target ${why}`),
      );
    } else if (entryType === "char" || entryType === "block") {
      entry.devMajor = num(329, 8, "devmajor");
      entry.devMinor = num(337, 8, "devminor");
    }
    let xattrs: Record<string, string> | undefined;
    for (const map of [gpax, pax]) {
      for (const [k, v] of map) {
        if (k.startsWith("SCHILY.xattr.")) (xattrs ??= {})[k.slice(13)] = v;
      }
    }
    if (xattrs) entry.xattrs = xattrs;
    if (isGnu && entryType === "dir" && type === "D") entry.size = 0;
    this.#byPath.set(path, this.#entries.length);
    this.#entries.push(entry);
  }

  #startMeta(type: string, size: number): void {
    this.#metaType = type;
    this.#meta = new Uint8Array(size);
    this.#metaFill = 0;
    this.#metaPadding = padding(size);
    this.#state = "meta";
    if (size === 0 && this.#metaPadding === 0) {
      this.#applyMeta();
      this.#state = "header";
    }
  }

  #applyMeta(): void {
    const body = this.#meta;
    switch (this.#metaType) {
      case "L":
        this.#longName = cString(body, 0, body.length);
        break;
      case "K":
        this.#longLink = cString(body, 0, body.length);
        break;
      case "x":
        parsePax(body, this.#pax, (why) => this.#fail(`bad PAX header: ${why}`));
        break;
      case "g":
        parsePax(body, this.#globalPax, (why) => this.#fail(`bad PAX global header: ${why}`));
        break;
    }
    this.#meta = new Uint8Array(0);
  }
}

function metaName(type: string): string {
  return type === "L" || type === "K" ? "GNU long name" : "PAX header";
}

function padding(size: number): number {
  const r = size % BLOCK;
  return r === 0 ? 0 : BLOCK - r;
}

function isZeroBlock(h: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (h[i] !== 0) return false;
  return true;
}

function verifyChecksum(h: Uint8Array, fail: () => Error): void {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 32 : h[i] ?? 0;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  const text = cString(h, 148, 8).trim();
  const stored = parseInt(text, 8);
  if (!/^[0-7]+$/.test(text) || (stored !== unsigned && stored !== signed)) throw fail();
}

function cString(buf: Uint8Array, off: number, len: number): string {
  let end = off;
  let ascii = true;
  const max = Math.min(off + len, buf.length);
  while (end < max) {
    const b = buf[end] ?? 0;
    if (b === 0) break;
    if (b > 0x7f) ascii = false;
    end++;
  }
  if (end === off) return "";
  if (ascii && end - off <= 256) {
    return String.fromCharCode.apply(null, buf.subarray(off, end) as unknown as number[]);
  }
  return decoder.decode(buf.subarray(off, end));
}

/**
 * Read a tar numeric field: octal text, or base-256 when the high bit of the first byte
 * is set (GNU/star extension used for sizes ≥ 8 GiB and negative times).
 *
 * @param h Header block.
 * @param off Field offset.
 * @param len Field length.
 * @param fail Error factory for malformed fields.
 * @returns The value.
 * @example
 * ```ts
 * import { readNumeric } from "./tar_indexer.ts";
 * const h = new Uint8Array(12); h.set(new TextEncoder().encode("0000017\0"));
 * console.assert(readNumeric(h, 0, 12, () => new Error()) === 15);
 * ```
 */
export function readNumeric(h: Uint8Array, off: number, len: number, fail: () => Error): number {
  const first = h[off] ?? 0;
  if (first & 0x80) {
    const negative = first === 0xff;
    let v = 0n;
    for (let i = 0; i < len; i++) {
      let b = h[off + i] ?? 0;
      if (negative) b = ~b & 0xff;
      else if (i === 0) b &= 0x7f;
      v = (v << 8n) | BigInt(b);
    }
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw fail();
    return negative ? -(Number(v) + 1) : Number(v);
  }
  // Octal digits, optionally surrounded by spaces, ended by NUL or space.
  let i = off;
  const end = off + len;
  while (i < end && h[i] === 0x20) i++;
  let v = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = h[i] ?? 0;
    if (c >= 0x30 && c <= 0x37) {
      v = v * 8 + (c - 0x30);
      digits++;
    } else break;
  }
  for (; i < end; i++) {
    const c = h[i] ?? 0;
    if (c === 0) break;
    if (c !== 0x20) throw fail();
  }
  return digits === 0 ? 0 : v;
}

function parseDecimal(text: string): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v < 0) return 0;
  return v;
}

function parsePax(body: Uint8Array, into: Map<string, string>, fail: (w: string) => Error): void {
  let i = 0;
  while (i < body.length) {
    if (body[i] === 0) break;
    let sp = i;
    while (sp < body.length && body[sp] !== 0x20) sp++;
    const len = parseInt(decoder.decode(body.subarray(i, sp)), 10);
    if (!Number.isFinite(len) || len <= 0 || i + len > body.length) {
      throw fail(`bad record length at offset ${i}`);
    }
    const record = decoder.decode(body.subarray(sp + 1, i + len - 1));
    const eq = record.indexOf("=");
    if (eq < 0) throw fail(`record without "=" at offset ${i}`);
    const key = record.slice(0, eq);
    const value = record.slice(eq + 1);
    if (value === "") into.delete(key);
    else into.set(key, value);
    i += len;
  }
}

function mapType(type: string, rawName: string): LayerEntryType {
  switch (type) {
    case "1":
      return "hardlink";
    case "2":
      return "symlink";
    case "3":
      return "char";
    case "4":
      return "block";
    case "5":
    case "D":
      return "dir";
    case "6":
      return "fifo";
    case "0":
    case "\0":
      return rawName.endsWith("/") ? "dir" : "file";
    default:
      return "file"; // POSIX: unknown types read as regular files ("7" contiguous too)
  }
}

/**
 * Normalise a tar entry name into an absolute image path, refusing escapes.
 *
 * @param name Raw name (`./etc/passwd`, `etc/`, `.`).
 * @param fail Error factory given the reason.
 * @returns `/etc/passwd`, `/etc`, `/`.
 * @example
 * ```ts
 * import { normalisePath } from "./tar_indexer.ts";
 * console.assert(normalisePath("./a//b/", (w) => new Error(w)) === "/a/b");
 * ```
 */
export function normalisePath(name: string, fail: (why: string) => Error): string {
  if (name.startsWith("/")) throw fail("is an absolute path");
  if (name.includes("\0")) throw fail("contains a NUL byte");
  const parts: string[] = [];
  for (const p of name.split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") throw fail("contains a '..' component");
    parts.push(p);
  }
  return "/" + parts.join("/");
}

function checkSymlink(path: string, target: string, fail: (why: string) => Error): void {
  if (target === "") throw fail("has an empty target");
  let depth = target.startsWith("/") ? 0 : path.split("/").length - 2;
  for (const p of target.split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") {
      depth--;
      if (depth < 0) throw fail("points outside the image root");
    } else depth++;
  }
}

/**
 * Parent directory of a normalised path.
 *
 * @param path `/a/b`.
 * @returns `/a` (`/` for top-level paths and the root).
 * @example
 * ```ts
 * import { parentOf } from "./tar_indexer.ts";
 * console.assert(parentOf("/a") === "/" && parentOf("/a/b") === "/a");
 * ```
 */
export function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

/**
 * Join a normalised directory and a name.
 *
 * @param dir `/` or `/a`.
 * @param name A single component.
 * @returns `/name` or `/a/name`.
 * @example
 * ```ts
 * import { joinPath } from "./tar_indexer.ts";
 * console.assert(joinPath("/", "x") === "/x");
 * ```
 */
export function joinPath(dir: string, name: string): string {
  return dir === "/" ? `/${name}` : `${dir}/${name}`;
}
