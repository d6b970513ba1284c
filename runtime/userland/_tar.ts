/**
 * ustar archives: header encoding (with pax records for long names) and parsing (ustar,
 * GNU long names `L`/`K`, pax `x`), for the `tar` applet.
 *
 * @module
 */

/** One archive member. */
export interface TarEntry {
  /** Path inside the archive. */
  name: string;
  /** `0` file, `1` hard link, `2` symlink, `5` directory, `3`/`4` devices, `6` FIFO. */
  type: string;
  /** Permission bits. */
  mode: number;
  /** Owner uid. */
  uid: number;
  /** Owner gid. */
  gid: number;
  /** Owner name. */
  uname: string;
  /** Group name. */
  gname: string;
  /** Modification time, seconds. */
  mtime: number;
  /** Link target for types 1 and 2. */
  linkname: string;
  /** File data (type 0). */
  data: Uint8Array;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

function putString(h: Uint8Array, off: number, len: number, s: string): void {
  const b = enc.encode(s);
  h.set(b.subarray(0, len), off);
}

function putOctal(h: Uint8Array, off: number, len: number, v: number): void {
  putString(
    h,
    off,
    len,
    Math.max(0, Math.floor(v)).toString(8).padStart(len - 1, "0").slice(-(len - 1)) + "\0",
  );
}

function header(
  e: TarEntry,
  name: string,
  linkname: string,
  size: number,
  type: string,
): Uint8Array {
  const h = new Uint8Array(512);
  let prefix = "";
  let n = name;
  if (enc.encode(n).length > 100) {
    const cut = n.lastIndexOf("/", 155);
    if (cut > 0 && enc.encode(n.slice(cut + 1)).length <= 100) {
      prefix = n.slice(0, cut);
      n = n.slice(cut + 1);
    }
  }
  putString(h, 0, 100, n);
  putOctal(h, 100, 8, e.mode & 0o7777);
  putOctal(h, 108, 8, e.uid);
  putOctal(h, 116, 8, e.gid);
  putOctal(h, 124, 12, size);
  putOctal(h, 136, 12, e.mtime);
  h.fill(32, 148, 156);
  putString(h, 156, 1, type);
  putString(h, 157, 100, linkname);
  putString(h, 257, 6, "ustar\0");
  putString(h, 263, 2, "00");
  putString(h, 265, 32, e.uname);
  putString(h, 297, 32, e.gname);
  putString(h, 345, 155, prefix);
  let sum = 0;
  for (const b of h) sum += b;
  putString(h, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return h;
}

function padded(data: Uint8Array): Uint8Array[] {
  const rem = data.length % 512;
  return rem ? [data, new Uint8Array(512 - rem)] : [data];
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = enc.encode(body).length;
  len += String(len).length;
  if (String(len).length !== String(len - String(len).length).length) len++;
  return `${len}${body}`;
}

/**
 * Encode one member (a pax header first when the name or link does not fit ustar).
 *
 * @param e The member.
 * @returns 512-byte blocks.
 */
export function encodeEntry(e: TarEntry): Uint8Array[] {
  const blocks: Uint8Array[] = [];
  const nameFits = enc.encode(e.name).length <= 100 ||
    (e.name.lastIndexOf("/", 155) > 0 &&
      enc.encode(e.name.slice(e.name.lastIndexOf("/", 155) + 1)).length <= 100);
  const linkFits = enc.encode(e.linkname).length <= 100;
  if (!nameFits || !linkFits) {
    let pax = "";
    if (!nameFits) pax += paxRecord("path", e.name);
    if (!linkFits) pax += paxRecord("linkpath", e.linkname);
    const body = enc.encode(pax);
    blocks.push(
      header(e, `PaxHeaders/${e.name.slice(-80)}`, "", body.length, "x"),
      ...padded(body),
    );
  }
  const size = e.type === "0" ? e.data.length : 0;
  blocks.push(
    header(e, nameFits ? e.name : e.name.slice(-100), linkFits ? e.linkname : "", size, e.type),
  );
  if (size) blocks.push(...padded(e.data));
  return blocks;
}

/** The end-of-archive marker: two zero blocks. */
export function endOfArchive(): Uint8Array {
  return new Uint8Array(1024);
}

function str(h: Uint8Array, off: number, len: number): string {
  const s = h.subarray(off, off + len);
  const z = s.indexOf(0);
  return dec.decode(z < 0 ? s : s.subarray(0, z));
}

function octal(h: Uint8Array, off: number, len: number): number {
  if (h[off]! & 0x80) {
    let v = 0;
    for (let i = off + 1; i < off + len; i++) v = v * 256 + h[i]!;
    return v;
  }
  const t = str(h, off, len).trim();
  return t ? Number.parseInt(t, 8) : 0;
}

/** A malformed archive. */
export class TarError extends Error {}

/**
 * Parse an archive.
 *
 * @param buf The whole (uncompressed) archive.
 * @returns Members in order.
 */
export function parseTar(buf: Uint8Array): TarEntry[] {
  const out: TarEntry[] = [];
  let off = 0;
  let longName: string | null = null;
  let longLink: string | null = null;
  let pax: Record<string, string> = {};
  while (off + 512 <= buf.length) {
    const h = buf.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    if (sum !== octal(h, 148, 8)) throw new TarError("This does not look like a tar archive");
    const type = String.fromCharCode(h[156] || 48);
    const size = octal(h, 124, 12);
    const dataStart = off + 512;
    const data = buf.subarray(dataStart, dataStart + size);
    if (data.length < size) throw new TarError("Unexpected EOF in archive");
    off = dataStart + Math.ceil(size / 512) * 512;
    if (type === "L") {
      longName = str(data, 0, data.length);
      continue;
    }
    if (type === "K") {
      longLink = str(data, 0, data.length);
      continue;
    }
    if (type === "x" || type === "g") {
      if (type === "x") {
        const text = dec.decode(data);
        pax = {};
        let i = 0;
        while (i < text.length) {
          const sp = text.indexOf(" ", i);
          if (sp < 0) break;
          const len = Number(text.slice(i, sp));
          if (!(len > 0)) break;
          const rec = text.slice(sp + 1, i + len - 1);
          const eq = rec.indexOf("=");
          if (eq > 0) pax[rec.slice(0, eq)] = rec.slice(eq + 1);
          i += len;
        }
      }
      continue;
    }
    const prefix = str(h, 345, 155);
    const base = str(h, 0, 100);
    const magic = str(h, 257, 6);
    let name = magic.startsWith("ustar") && prefix ? `${prefix}/${base}` : base;
    if (longName !== null) name = longName;
    if (pax.path) name = pax.path;
    let linkname = str(h, 157, 100);
    if (longLink !== null) linkname = longLink;
    if (pax.linkpath) linkname = pax.linkpath;
    out.push({
      name,
      type: type === "\0" || type === "7" ? "0" : type,
      mode: octal(h, 100, 8),
      uid: pax.uid ? Number(pax.uid) : octal(h, 108, 8),
      gid: pax.gid ? Number(pax.gid) : octal(h, 116, 8),
      uname: pax.uname ?? str(h, 265, 32),
      gname: pax.gname ?? str(h, 297, 32),
      mtime: pax.mtime ? Math.floor(Number(pax.mtime)) : octal(h, 136, 12),
      linkname,
      data: type === "0" || type === "\0" || type === "7" ? data : new Uint8Array(),
    });
    longName = null;
    longLink = null;
    pax = {};
  }
  return out;
}
