/**
 * The union file system of a container: read-only image layers (a {@link MergedLayers}
 * view, read straight out of the layer tars) under one writable upper tree (a
 * {@link TmpFs}, charged to the container's memory cgroup).
 *
 * Semantics are Linux overlayfs's:
 * - lookups consult the upper directory first, then (unless the upper directory is
 *   opaque) the merged lower view, whose lookups cost one map access whatever the
 *   number of layers;
 * - the first change to a lower file or directory copies it up (data, mode, owner,
 *   times), creating its parent directories in the upper tree;
 * - removing a name that exists below leaves a whiteout in the upper tree; a directory
 *   created where a lower one was removed is opaque;
 * - `rename` of a directory that exists in a lower layer returns `EXDEV`, as overlayfs
 *   without `redirect_dir` does (`mv` then copies and deletes); directories that exist only
 *   in the upper tree, and all non-directories, are renamed in place. `RENAME_EXCHANGE`
 *   is supported only between names that exist only in the upper tree (else `EXDEV`).
 * - extended attributes of lower entries (PAX `SCHILY.xattr.*` records) are visible and
 *   copied up with the node; the diff writes the upper nodes' attributes back as PAX
 *   records (values as UTF-8 text: a value that is not valid UTF-8 does not survive a tar,
 *   and an empty value is dropped, since an empty PAX record means "unset").
 * - hard links of a lower file are broken on copy-up (as with overlayfs `index=off`, the
 *   default): the name written through gets its own upper file, the other names keep the
 *   lower data. Before copy-up the names of one lower file share an inode number and
 *   report `nlink` = the number of its names still visible; each name copied up or removed
 *   lowers the others' count. A copied-up name keeps the inode number it had (Linux's
 *   constant `st_ino` across copy-up), so after the break two files can share a number,
 *   each with `nlink` 1 (as on Linux, where tools key hard links on `nlink > 1`).
 *
 * The upper tree lives in memory, charged to the memory cgroup, except files larger than a
 * threshold (default {@link DEFAULT_SPILL_THRESHOLD}, 4 MiB) when a per-container spill
 * directory is given: those live in host files there, not charged to memory but counted
 * against the upper's `sizeLimit`.
 *
 * `overlay_diff.ts` turns the upper tree into a layer (changes, tar, `A/C/D` list).
 *
 * @module
 */
import { Errno } from "../../errno.ts";
import type { LayerEntry, MergedHit, MergedLayers } from "../../../../image/layer/types.ts";
import { joinDev } from "../../../../image/layer/layer_writer.ts";
import type { Stat, StatFs } from "../../syscalls/api.ts";
import type { MemoryCharger } from "../../task.ts";
import {
  allocDev,
  type AttrChange,
  type DirEntry,
  dtype,
  type FileSystem,
  type Inode,
  type NodeKind,
  type OpContext,
  type Perm,
} from "../../vfs/types.ts";
import { TmpFs, type TmpNode } from "../tmpfs/tmpfs.ts";
import { LowerLinks } from "./lower_links.ts";

/** `OVERLAYFS_SUPER_MAGIC`. */
const OVERLAY_MAGIC = 0x794c7630;
/** Upper files above this size spill to the container's directory on disk. */
export const DEFAULT_SPILL_THRESHOLD = 4 << 20;
/** Inode numbers of lower-only nodes start here (upper nodes use the upper's numbers). */
const LOWER_INO_BASE = 1 << 30;

/** `S_IF*` bits of a layer entry type. */
function typeBits(t: LayerEntry["type"]): number {
  switch (t) {
    case "dir":
      return 0o040000;
    case "symlink":
      return 0o120000;
    case "char":
      return 0o020000;
    case "block":
      return 0o060000;
    case "fifo":
      return 0o010000;
    default:
      return 0o100000;
  }
}

function ts(ms: number): { sec: number; nsec: number } {
  const sec = Math.floor(ms / 1000);
  return { sec, nsec: Math.round((ms - sec * 1000) * 1e6) };
}

const xattrEnc = new TextEncoder();

/** Join a directory path and a name. */
export function childPath(dir: string, name: string): string {
  return dir === "/" ? "/" + name : dir + "/" + name;
}

/** Options of {@link OverlayFs}. */
export interface OverlayOptions {
  /** The image's layers, merged. */
  lower: MergedLayers;
  /** Charger of the container's memory cgroup (upper data). */
  memory: MemoryCharger;
  /** Upper size limit in bytes (default none: `memory.max` bounds it). */
  sizeLimit?: number;
  /**
   * A per-container host directory: upper files larger than `spillThreshold` live there
   * instead of in memory (so a container can write big files without a big `memory.max`).
   */
  spillDir?: string;
  /** Bytes above which an upper file spills to `spillDir` (default 4 MiB). */
  spillThreshold?: number;
}

/** An inode of the overlay: an upper node, a lower hit, or both (a merged directory). */
export class OvlNode implements Inode {
  readonly fs: OverlayFs;
  /** Parent directory node (null for the root or a removed node). */
  up: OvlNode | null;
  /** Name in the parent. */
  name: string;
  /** Upper node, once created or copied up. */
  upper: TmpNode | null;
  /** Lower entry this node shows (for a directory: the lower directory merged in). */
  lower: MergedHit | null;
  /** Child nodes looked up so far (kept in sync by this node's operations). */
  readonly kids: Map<string, OvlNode> = new Map();
  readonly #lowerIno: number;
  #opens = 0;
  #perm: Perm | null = null;

  /**
   * A node (the overlay creates them on lookup).
   *
   * @param fs The overlay.
   * @param up Parent node.
   * @param name Name in the parent.
   * @param upper Upper node, if any.
   * @param lower Lower hit, if any.
   */
  constructor(
    fs: OverlayFs,
    up: OvlNode | null,
    name: string,
    upper: TmpNode | null,
    lower: MergedHit | null,
  ) {
    this.fs = fs;
    this.up = up;
    this.name = name;
    this.upper = upper;
    this.lower = lower;
    this.#lowerIno = (lower && fs.links.sharedIno(lower)) ?? LOWER_INO_BASE + fs.nextLowerIno++;
  }

  /**
   * Inode number: stable across copy-up, and shared by the hard links of an upper file
   * (the first node to show an upper file gives it its number).
   */
  get ino(): number {
    if (!this.upper) return this.#lowerIno;
    let ino = this.fs.upperIno.get(this.upper);
    if (ino === undefined) {
      ino = this.#lowerIno;
      this.fs.upperIno.set(this.upper, ino);
    }
    return ino;
  }

  /** Absolute path of this node in the overlay. */
  path(): string {
    if (!this.up) return "/";
    const names: string[] = [this.name];
    for (let n = this.up; n && n.up; n = n.up) names.push(n.name);
    return "/" + names.reverse().join("/");
  }

  /** Whether this directory merges a lower directory. */
  get mergesLower(): boolean {
    return this.lower !== null && this.lower.entry.type === "dir" &&
      !(this.upper?.opaque ?? false);
  }

  stat(): Stat {
    if (this.upper) {
      const s = this.upper.stat();
      s.dev = this.fs.dev;
      s.ino = this.ino;
      return s;
    }
    const e = (this.lower as MergedHit).entry;
    const rdev = joinDev(e.devMajor ?? 0, e.devMinor ?? 0);
    const t = ts(e.mtimeMs);
    const size = e.type === "symlink" ? (e.linkTarget ?? "").length : e.size;
    return {
      dev: this.fs.dev,
      ino: this.ino,
      mode: typeBits(e.type) | (e.mode & 0o7777),
      nlink: e.type === "dir" ? 2 : this.fs.links.nlink(this.lower as MergedHit),
      uid: e.uid,
      gid: e.gid,
      rdev,
      size,
      blksize: 4096,
      blocks: Math.ceil(e.size / 512),
      atime: t,
      mtime: t,
      ctime: t,
    };
  }

  perm(): Perm {
    if (this.upper) return this.upper;
    if (!this.#perm) {
      const e = (this.lower as MergedHit).entry;
      this.#perm = { mode: typeBits(e.type) | (e.mode & 0o7777), uid: e.uid, gid: e.gid };
    }
    return this.#perm;
  }

  setattr(change: AttrChange, _ctx: OpContext): 0 | Errno {
    const u = this.copyUp(change.size ?? Infinity);
    if (typeof u === "number") return u;
    return u.setattr(change);
  }

  parent(): Inode {
    return this.up ?? this;
  }

  nameInParent(): string | undefined {
    return this.up ? this.name : undefined;
  }

  lookup(name: string): Inode | Errno {
    const n = this.child(name);
    return n ?? Errno.ENOENT;
  }

  /** The child node called `name`, or undefined. */
  child(name: string): OvlNode | undefined {
    const cached = this.kids.get(name);
    if (cached) return cached;
    let node: OvlNode | undefined;
    const u = this.upper?.children?.get(name);
    if (u) {
      if (u.whiteout) return undefined;
      let lower: MergedHit | null = null;
      if (u.children && !u.opaque && this.mergesLower) {
        const hit = this.fs.lower.lookup(childPath(this.path(), name));
        if (hit?.entry.type === "dir") lower = hit;
      }
      node = new OvlNode(this.fs, this, name, u, lower);
    } else if (this.mergesLower) {
      const hit = this.fs.lower.lookup(childPath(this.path(), name));
      if (!hit) return undefined;
      node = new OvlNode(this.fs, this, name, null, hit);
    }
    if (node) this.kids.set(name, node);
    return node;
  }

  /** Names of the merged directory. */
  names(): string[] {
    const out = new Set<string>();
    const uc = this.upper?.children;
    if (uc) { for (const [n, c] of uc) if (!c.whiteout) out.add(n); }
    if (this.mergesLower) {
      for (const n of this.fs.lower.children(this.path())) {
        if (!uc?.get(n)?.whiteout) out.add(n);
      }
    }
    return [...out];
  }

  readdir(): DirEntry[] | Errno {
    const out: DirEntry[] = [];
    for (const name of this.names()) {
      const c = this.child(name);
      if (c) out.push({ name, ino: c.ino, type: dtype(c.stat().mode) });
    }
    return out;
  }

  /** Whether the lower view has `name` under this directory (so removal needs a whiteout). */
  #lowerHas(name: string): boolean {
    return this.mergesLower && this.fs.lower.lookup(childPath(this.path(), name)) !== undefined;
  }

  /**
   * Make sure this node exists in the upper tree, copying it (and its parents) up.
   *
   * @param maxBytes Copy at most this much data (0 when the file is about to be truncated).
   * @returns The upper node, or `ENOSPC`/`ENOMEM` when the data cannot be charged.
   */
  copyUp(maxBytes = Infinity): TmpNode | Errno {
    if (this.upper) return this.upper;
    const parent = this.up;
    if (!parent) return Errno.EIO;
    const pu = parent.copyUp();
    if (typeof pu === "number") return pu;
    const hit = this.lower as MergedHit;
    const e = hit.entry;
    const cred = { uid: e.uid, gid: e.gid, euid: e.uid, egid: e.gid, groups: [] };
    const kind: NodeKind = e.type === "dir"
      ? "dir"
      : e.type === "symlink"
      ? "symlink"
      : e.type === "fifo"
      ? "fifo"
      : e.type === "char"
      ? "char"
      : e.type === "block"
      ? "block"
      : "file";
    const made = pu.create(this.name, kind, e.mode & 0o7777, { cred }, {
      target: e.linkTarget,
      rdev: joinDev(e.devMajor ?? 0, e.devMinor ?? 0),
    });
    if (typeof made === "number") return made;
    const node = made as TmpNode;
    node.uid = e.uid;
    node.gid = e.gid;
    node.mode = typeBits(e.type) | (e.mode & 0o7777);
    const size = Math.min(e.size, maxBytes);
    if (kind === "file" && size > 0) {
      const r = node.resize(size);
      if (r !== 0) {
        pu.unlink(this.name, false);
        return r;
      }
      const chunk = new Uint8Array(Math.min(size, 1 << 20));
      for (let off = 0; off < size;) {
        const n = this.fs.lower.readSync(
          hit,
          chunk.subarray(0, Math.min(chunk.length, size - off)),
          off,
        );
        if (n <= 0) break;
        const w = node.writeAt(chunk.subarray(0, n), off);
        if (typeof w === "number" && w < 0) {
          pu.unlink(this.name, false);
          return w;
        }
        off += n;
      }
    }
    for (const [name, value] of Object.entries(e.xattrs ?? {})) {
      const r = node.setxattr(name, xattrEnc.encode(value), 0);
      if (r !== 0) {
        pu.unlink(this.name, kind === "dir");
        return r;
      }
    }
    node.atimeMs = node.mtimeMs = e.mtimeMs;
    this.fs.upperIno.set(node, this.#lowerIno);
    if (kind !== "dir") this.fs.links.drop(this.path(), hit);
    this.upper = node;
    if (kind !== "dir") this.lower = null;
    for (let i = 0; i < this.#opens; i++) node.retain();
    return node;
  }

  create(
    name: string,
    kind: NodeKind,
    mode: number,
    ctx: OpContext,
    extra?: { target?: string; rdev?: number },
  ): Inode | Errno {
    const u = this.copyUp();
    if (typeof u === "number") return u;
    const hidden = this.#lowerHas(name) || (u.children?.get(name)?.whiteout ?? false);
    const made = u.create(name, kind, mode, ctx, extra);
    if (typeof made === "number") return made;
    const tn = made as TmpNode;
    if (kind === "dir" && hidden) tn.opaque = true;
    const node = new OvlNode(this.fs, this, name, tn, null);
    this.kids.set(name, node);
    return node;
  }

  /**
   * An unnamed file for `O_TMPFILE`, made in the upper tree (this directory is copied up).
   *
   * @param mode Permission bits.
   * @param ctx Caller.
   * @param linkable Whether `linkat` may name it.
   * @returns A node with no name (not in this directory's children), or an errno.
   */
  tmpfile(mode: number, ctx: OpContext, linkable: boolean): OvlNode | Errno {
    const u = this.copyUp();
    if (typeof u === "number") return u;
    const tn = u.tmpfile(mode, ctx, linkable);
    if (typeof tn === "number") return tn;
    // Parent set (name empty: it has none) so that `/proc/PID/fd/N` can jump to it.
    return new OvlNode(this.fs, this, "", tn, null);
  }

  link(name: string, target: Inode, _ctx: OpContext): 0 | Errno {
    if (!(target instanceof OvlNode) || target.fs !== this.fs) return Errno.EXDEV;
    const tu = target.copyUp();
    if (typeof tu === "number") return tu;
    const u = this.copyUp();
    if (typeof u === "number") return u;
    const r = u.link(name, tu);
    if (r !== 0) return r;
    this.kids.set(name, new OvlNode(this.fs, this, name, tu, null));
    return 0;
  }

  unlink(name: string, dir: boolean, _ctx: OpContext): 0 | Errno {
    const c = this.child(name);
    if (!c) return Errno.ENOENT;
    const isDir = (c.stat().mode & 0o170000) === 0o040000;
    if (dir && !isDir) return Errno.ENOTDIR;
    if (!dir && isDir) return Errno.EISDIR;
    if (dir && c.names().length > 0) return Errno.ENOTEMPTY;
    const needWhiteout = this.#lowerHas(name);
    const u = this.copyUp();
    if (typeof u === "number") return u;
    if (c.upper) {
      const r = u.unlink(name, dir);
      if (r !== 0) return r;
    } else if (c.lower && !isDir) this.fs.links.drop(c.path(), c.lower);
    if (needWhiteout) this.fs.putWhiteout(u, name);
    this.kids.delete(name);
    c.up = null;
    return 0;
  }

  rename(
    oldName: string,
    newDir: Inode,
    newName: string,
    flags: number,
    ctx: OpContext,
  ): 0 | Errno {
    if (!(newDir instanceof OvlNode) || newDir.fs !== this.fs) return Errno.EXDEV;
    const src = this.child(oldName);
    if (!src) return Errno.ENOENT;
    const srcIsDir = (src.stat().mode & 0o170000) === 0o040000;
    if (srcIsDir && src.lower !== null) return Errno.EXDEV;
    const dst = newDir.child(newName);
    if (flags & 2) {
      if (!dst) return Errno.ENOENT;
      if (src.lower || dst.lower || this.#lowerHas(oldName) || newDir.#lowerHas(newName)) {
        return Errno.EXDEV;
      }
    }
    // Two names of one lower file (a tar hard link) are one inode: nothing to do (Linux).
    if (dst === src || (dst && !src.upper && !dst.upper && src.ino === dst.ino)) return 0;
    const su = src.copyUp();
    if (typeof su === "number") return su;
    const ou = this.copyUp();
    if (typeof ou === "number") return ou;
    const nu = newDir.copyUp();
    if (typeof nu === "number") return nu;
    if (flags & 2) {
      const r = ou.rename(oldName, nu, newName, 2);
      if (r !== 0) return r;
      const d = dst as OvlNode;
      this.kids.set(oldName, d);
      newDir.kids.set(newName, src);
      d.up = this;
      d.name = oldName;
      src.up = newDir;
      src.name = newName;
      return 0;
    }
    if (dst) {
      const r = newDir.unlink(newName, srcIsDir, ctx);
      if (r !== 0) return r;
    }
    const lowerAtOld = this.#lowerHas(oldName);
    const lowerAtNew = newDir.#lowerHas(newName);
    // Move the upper node (a whiteout at the destination is replaced).
    const r = ou.rename(oldName, nu, newName, 0);
    if (r !== 0) return r;
    if (srcIsDir && lowerAtNew) su.opaque = true;
    if (lowerAtOld) this.fs.putWhiteout(ou, oldName);
    this.kids.delete(oldName);
    newDir.kids.set(newName, src);
    src.up = newDir;
    src.name = newName;
    return 0;
  }

  /**
   * An extended attribute: the upper node's, or the lower entry's (PAX `SCHILY.xattr.*`).
   *
   * @param name Full name.
   * @returns The bytes, or undefined.
   */
  getxattr(name: string): Uint8Array | undefined {
    if (this.upper) return this.upper.getxattr(name);
    const v = this.lower?.entry.xattrs?.[name];
    return v === undefined ? undefined : xattrEnc.encode(v);
  }

  /**
   * Extended attribute names.
   *
   * @returns Names.
   */
  listxattr(): string[] {
    if (this.upper) return this.upper.listxattr();
    return Object.keys(this.lower?.entry.xattrs ?? {});
  }

  /**
   * Set an extended attribute (copies the node up first, with its attributes).
   *
   * @param name Full name.
   * @param value Bytes.
   * @param flags `XATTR_CREATE`, `XATTR_REPLACE`.
   * @returns 0 or an errno.
   */
  setxattr(name: string, value: Uint8Array, flags: number): 0 | Errno {
    if (flags & 1 && this.getxattr(name)) return Errno.EEXIST;
    if (flags & 2 && !this.getxattr(name)) return Errno.ENODATA;
    const u = this.copyUp();
    return typeof u === "number" ? u : u.setxattr(name, value, flags);
  }

  /**
   * Remove an extended attribute (copies the node up first).
   *
   * @param name Full name.
   * @returns 0, `ENODATA` or a copy-up error.
   */
  removexattr(name: string): 0 | Errno {
    if (!this.getxattr(name)) return Errno.ENODATA;
    const u = this.copyUp();
    return typeof u === "number" ? u : u.removexattr(name);
  }

  readlink(): string | Errno {
    if (this.upper) return this.upper.readlink();
    const e = (this.lower as MergedHit).entry;
    return e.type === "symlink" ? e.linkTarget ?? "" : Errno.EINVAL;
  }

  readAt(buf: Uint8Array, pos: number): number | Errno {
    if (this.upper) return this.upper.readAt(buf, pos);
    const hit = this.lower as MergedHit;
    if (pos >= hit.entry.size) return 0;
    return this.fs.lower.readSync(hit, buf, pos);
  }

  writeAt(buf: Uint8Array, pos: number): number | Errno {
    const u = this.copyUp();
    if (typeof u === "number") return u;
    return u.writeAt(buf, pos);
  }

  openForWrite(flags = 0): 0 | Errno {
    const truncating = (flags & 0o1000) !== 0 && (flags & 3) !== 0;
    const u = this.copyUp(truncating ? 0 : Infinity);
    return typeof u === "number" ? u : 0;
  }

  retain(): void {
    this.#opens++;
    this.upper?.retain();
  }

  release(): void {
    this.#opens--;
    this.upper?.release();
  }
}

/** An overlay mount: lower layers plus an upper tree. */
export class OverlayFs implements FileSystem {
  readonly type = "overlay";
  readonly dev: number = allocDev();
  readonly root: OvlNode;
  /** The merged lower layers. */
  readonly lower: MergedLayers;
  /** The upper tree (its root mirrors the overlay root). */
  readonly upperFs: TmpFs;
  /** Counter for inode numbers. */
  nextLowerIno = 1;
  /** Inode numbers of upper nodes (see `OvlNode.ino`). */
  readonly upperIno: WeakMap<TmpNode, number> = new WeakMap();
  /** Lower files with several names (tar hard links): shared inode numbers, `nlink`. */
  readonly links: LowerLinks;

  /**
   * Mount `lower` with an empty upper tree.
   *
   * @param opts Lower view, memory charger, optional size limit.
   * @example
   * ```ts ignore
   * const fs = new OverlayFs({ lower: mergeLayers(layers), memory: cgroup.charger });
   * ```
   */
  constructor(opts: OverlayOptions) {
    this.lower = opts.lower;
    this.links = new LowerLinks(opts.lower, () => LOWER_INO_BASE + this.nextLowerIno++);
    this.upperFs = new TmpFs({
      memory: opts.memory,
      sizeLimit: opts.sizeLimit,
      type: "upper",
      spill: opts.spillDir
        ? { dir: opts.spillDir, threshold: opts.spillThreshold ?? DEFAULT_SPILL_THRESHOLD }
        : undefined,
    });
    const rootHit = opts.lower.lookup("/") ?? null;
    const u = this.upperFs.root;
    if (rootHit) {
      u.mode = 0o040000 | (rootHit.entry.mode & 0o7777);
      u.uid = rootHit.entry.uid;
      u.gid = rootHit.entry.gid;
      for (const [name, value] of Object.entries(rootHit.entry.xattrs ?? {})) {
        u.setxattr(name, xattrEnc.encode(value), 0);
      }
    } else {
      u.mode = 0o040755;
    }
    this.root = new OvlNode(this, null, "", u, rootHit);
  }

  /**
   * Record a whiteout for `name` in upper directory `dir`.
   *
   * @param dir Upper directory.
   * @param name Removed name.
   */
  putWhiteout(dir: TmpNode, name: string): void {
    const w = dir.create(name, "char", 0, {
      cred: { uid: 0, gid: 0, euid: 0, egid: 0, groups: [] },
    }) as TmpNode;
    w.whiteout = true;
  }

  options(): string {
    return `rw,lowerdir=${this.lower.layers.length}-layers`;
  }

  statfs(): StatFs {
    const s = this.upperFs.statfs();
    s.type = OVERLAY_MAGIC;
    return s;
  }
}
