/**
 * tmpfs: a file system held in memory. File data is charged to a memory cgroup through a
 * {@link MemoryCharger} given at creation (the cgroup of the mounting task — as on Linux
 * where shmem pages stay charged to the cgroup that first faulted them) and limited by
 * `size=` (`ENOSPC`). A charge the cgroup refuses fails the write with `ENOMEM`.
 *
 * The overlay file system uses a tmpfs tree as its writable upper layer.
 *
 * @module
 */
import { Errno } from "../../errno.ts";
import type { Stat, StatFs } from "../../syscalls/api.ts";
import type { MemoryCharger } from "../../task.ts";
import {
  allocDev,
  type AttrChange,
  type DirEntry,
  dtype,
  type FileHandle,
  type FileSystem,
  type Inode,
  kindBits,
  type NodeKind,
  type OpContext,
  type Perm,
} from "../../vfs/types.ts";
import { XattrSet } from "./xattr_set.ts";
import { FileData, PAGE } from "./tmpfs_data.ts";

/** `TMPFS_MAGIC`. */
const TMPFS_MAGIC = 0x01021994;
/** Kernel memory charged per inode (plus a symlink's target), like Linux's inode+dentry. */
export const NODE_COST = 512;

/** Options of {@link TmpFs}. */
export interface TmpFsOptions {
  /** Where data is charged. */
  memory: MemoryCharger;
  /** `size=` in bytes (default: unlimited). */
  sizeLimit?: number;
  /** Mode of the root directory (default 0o1777, as `/tmp`). */
  rootMode?: number;
  /** Type name shown in `/proc/mounts` (default "tmpfs"). */
  type?: string;
  /**
   * Keep files larger than `threshold` bytes in host files under `dir` instead of memory
   * (the overlay's upper tree uses this; their bytes count toward `sizeLimit`, not memory).
   */
  spill?: { dir: string; threshold: number };
}

/** An inode of tmpfs. */
export class TmpNode implements Inode {
  readonly fs: TmpFs;
  readonly ino: number;
  /** Type and permission bits. */
  mode: number;
  /** Owner. */
  uid: number;
  /** Group. */
  gid: number;
  /** Hard links (directories: 2 + subdirectories). */
  nlink = 1;
  /** Device number of a device node. */
  rdev = 0;
  /** Access time, ms. */
  atimeMs: number;
  /** Modification time, ms. */
  mtimeMs: number;
  /** Status change time, ms. */
  ctimeMs: number;
  /** Directory children (directories only). */
  children: Map<string, TmpNode> | null = null;
  /** Parent (directories; and the directory an `O_TMPFILE` file was made or linked in). */
  up: TmpNode | null = null;
  /** Symlink target. */
  target = "";
  /** File data (made at the first write or resize). */
  #data: FileData | null = null;
  /** Special handle factory (devices placed on tmpfs by devfs). */
  opener: ((flags: number) => FileHandle | Errno) | null = null;
  /** Bytes charged for the inode itself (kernel memory), given back by `dispose`. */
  nodeCost = 0;
  /** Open files on this node (data stays while > 0 after the last unlink). */
  openCount = 0;
  /** Overlay: this directory hides the lower layers (opaque). */
  opaque = false;
  /** Overlay: this entry is a whiteout (hides the lower path). */
  whiteout = false;
  /**
   * An `O_TMPFILE` file (no name yet) that `linkat` may give a name: Linux's `I_LINKABLE`.
   * Other files with no links left (unlinked while open) cannot be linked again (`ENOENT`).
   */
  linkable = false;
  /** Extended attributes (made on the first set). */
  xattrs: XattrSet | null = null;

  /**
   * A node of `fs` (not yet linked anywhere).
   *
   * @param fs The file system.
   * @param mode Type and permission bits.
   * @param uid Owner.
   * @param gid Group.
   */
  constructor(fs: TmpFs, mode: number, uid: number, gid: number) {
    this.fs = fs;
    this.ino = fs.nextIno++;
    this.mode = mode;
    this.uid = uid;
    this.gid = gid;
    this.atimeMs = this.mtimeMs = this.ctimeMs = Date.now();
    if ((mode & 0o170000) === 0o040000) {
      this.children = new Map();
      this.nlink = 2;
    }
  }

  /** File size. */
  get size(): number {
    return this.#data?.size ?? 0;
  }

  stat(): Stat {
    const ts = (ms: number) => {
      const sec = Math.floor(ms / 1000);
      return { sec, nsec: Math.round((ms - sec * 1000) * 1e6) };
    };
    const size = this.children
      ? (this.children.size + 2) * 20
      : (this.mode & 0o170000) === 0o120000
      ? this.target.length
      : this.size;
    return {
      dev: this.fs.dev,
      ino: this.ino,
      mode: this.mode,
      nlink: this.nlink,
      uid: this.uid,
      gid: this.gid,
      rdev: this.rdev,
      size,
      blksize: PAGE,
      blocks: Math.ceil((this.#data?.blockBytes() ?? 0) / 512),
      atime: ts(this.atimeMs),
      mtime: ts(this.mtimeMs),
      ctime: ts(this.ctimeMs),
    };
  }

  perm(): Perm {
    return this;
  }

  setattr(c: AttrChange): 0 | Errno {
    if (c.size !== undefined) {
      if (this.children) return Errno.EISDIR;
      const r = this.resize(c.size);
      if (r < 0) return r;
      this.mtimeMs = Date.now();
    }
    if (c.mode !== undefined) this.mode = (this.mode & 0o170000) | (c.mode & 0o7777);
    if (c.uid !== undefined) this.uid = c.uid;
    if (c.gid !== undefined) this.gid = c.gid;
    if (c.atimeMs !== undefined) this.atimeMs = c.atimeMs;
    if (c.mtimeMs !== undefined) this.mtimeMs = c.mtimeMs;
    this.ctimeMs = Date.now();
    return 0;
  }

  parent(): Inode {
    return this.up ?? this;
  }

  nameInParent(): string | undefined {
    if (!this.up?.children) return undefined;
    for (const [name, c] of this.up.children) if (c === this) return name;
    return undefined;
  }

  lookup(name: string): Inode | Errno {
    const c = this.children?.get(name);
    if (!c || c.whiteout) return Errno.ENOENT;
    return c;
  }

  readdir(): DirEntry[] | Errno {
    if (!this.children) return Errno.ENOTDIR;
    const out: DirEntry[] = [];
    for (const [name, c] of this.children) {
      if (!c.whiteout) out.push({ name, ino: c.ino, type: dtype(c.mode) });
    }
    return out;
  }

  create(
    name: string,
    kind: NodeKind,
    mode: number,
    ctx: OpContext,
    extra?: { target?: string; rdev?: number },
  ): Inode | Errno {
    if (!this.children) return Errno.ENOTDIR;
    const cost = NODE_COST + (extra?.target?.length ?? 0);
    if (!this.fs.chargeNode(cost)) return Errno.ENOSPC;
    const n = new TmpNode(this.fs, kindBits(kind) | (mode & 0o7777), ctx.cred.euid, ctx.cred.egid);
    n.nodeCost = cost;
    // setgid directories pass their group (and the bit, to subdirectories) on.
    if (this.mode & 0o2000) {
      n.gid = this.gid;
      if (kind === "dir") n.mode |= 0o2000;
    }
    if (kind === "symlink") n.target = extra?.target ?? "";
    if (extra?.rdev !== undefined) n.rdev = extra.rdev;
    this.insert(name, n);
    return n;
  }

  /**
   * An unnamed regular file in this directory's file system (`O_TMPFILE`): no links, so it
   * is freed (its data and inode charge given back) when its last open file closes, unless
   * `linkat` names it first.
   *
   * @param mode Permission bits (umask applied by the caller).
   * @param ctx Caller (owner).
   * @param linkable Whether `linkat` may name it (false with `O_EXCL`).
   * @returns The node (the caller opens it at once), or `ENOSPC` when the charge is refused.
   */
  tmpfile(mode: number, ctx: OpContext, linkable: boolean): TmpNode | Errno {
    if (!this.children) return Errno.ENOTDIR;
    if (!this.fs.chargeNode(NODE_COST)) return Errno.ENOSPC;
    const n = new TmpNode(this.fs, 0o100000 | (mode & 0o7777), ctx.cred.euid, ctx.cred.egid);
    n.nodeCost = NODE_COST;
    if (this.mode & 0o2000) n.gid = this.gid;
    n.nlink = 0;
    n.linkable = linkable;
    // Its directory, so that `/proc/PID/fd/N` can jump to it inside the process's root.
    n.up = this;
    return n;
  }

  /** Insert a node under `name` (replacing a whiteout), fixing link counts. */
  insert(name: string, n: TmpNode): void {
    const old = this.children?.get(name);
    if (old?.whiteout) {
      this.children?.delete(name);
      old.dispose();
    }
    this.children?.set(name, n);
    if (n.children) {
      n.up = this;
      this.nlink++;
    }
    this.mtimeMs = this.ctimeMs = Date.now();
  }

  link(name: string, target: Inode): 0 | Errno {
    if (!(target instanceof TmpNode) || target.fs !== this.fs) return Errno.EXDEV;
    if (target.children) return Errno.EPERM;
    if (target.nlink === 0 && !target.linkable) return Errno.ENOENT;
    if (target.linkable) target.up = this;
    target.linkable = false;
    target.nlink++;
    target.ctimeMs = Date.now();
    this.insert(name, target);
    return 0;
  }

  unlink(name: string, dir: boolean): 0 | Errno {
    const c = this.children?.get(name);
    if (!c || c.whiteout) return Errno.ENOENT;
    if (dir) {
      if (!c.children) return Errno.ENOTDIR;
      for (const g of c.children.values()) if (!g.whiteout) return Errno.ENOTEMPTY;
      c.clearWhiteouts();
      this.nlink--;
      c.nlink = 0;
      c.dispose();
    } else {
      if (c.children) return Errno.EISDIR;
      c.nlink--;
      c.ctimeMs = Date.now();
      if (c.nlink === 0 && c.openCount === 0) c.free();
    }
    this.children?.delete(name);
    this.mtimeMs = this.ctimeMs = Date.now();
    return 0;
  }

  /** Drop whiteout children (a directory being removed or made opaque). */
  clearWhiteouts(): void {
    if (!this.children) return;
    for (const [n, c] of this.children) {
      if (c.whiteout) {
        this.children.delete(n);
        c.dispose();
      }
    }
  }

  rename(oldName: string, newDir: Inode, newName: string, flags: number): 0 | Errno {
    if (!(newDir instanceof TmpNode) || newDir.fs !== this.fs) return Errno.EXDEV;
    const src = this.children?.get(oldName);
    if (!src || src.whiteout) return Errno.ENOENT;
    const dst = newDir.children?.get(newName);
    const dstLive = dst && !dst.whiteout ? dst : undefined;
    if (flags & 2) {
      // RENAME_EXCHANGE
      if (!dstLive) return Errno.ENOENT;
      this.children?.set(oldName, dstLive);
      newDir.children?.set(newName, src);
      if (src.children) src.up = newDir;
      if (dstLive.children) dstLive.up = this;
      if (src.children && !dstLive.children) {
        this.nlink--;
        newDir.nlink++;
      } else if (!src.children && dstLive.children) {
        this.nlink++;
        newDir.nlink--;
      }
      return 0;
    }
    if (dstLive === src) return 0;
    if (dstLive) {
      const r = newDir.unlink(newName, dstLive.children !== null);
      if (r < 0) return r;
    }
    this.children?.delete(oldName);
    if (src.children) this.nlink--;
    newDir.insert(newName, src);
    src.ctimeMs = Date.now();
    this.mtimeMs = Date.now();
    return 0;
  }

  readlink(): string | Errno {
    return (this.mode & 0o170000) === 0o120000 ? this.target : Errno.EINVAL;
  }

  readAt(buf: Uint8Array, pos: number): number | Errno {
    // Like a `noatime` mount: reads do not update atime (no clock read per read).
    return this.#data ? this.#data.readAt(buf, pos) : 0;
  }

  writeAt(buf: Uint8Array, pos: number): number | Errno {
    const w = (this.#data ??= new FileData(this.fs, this.ino)).writeAt(buf, pos);
    if (w >= 0) this.mtimeMs = this.ctimeMs = Date.now();
    return w;
  }

  /**
   * The file's bytes for a layer writer: in memory, or streamed from the spill file.
   *
   * @returns Bytes, or a size and a way to stream them.
   */
  contents(): Uint8Array | { size: number; open: () => AsyncIterable<Uint8Array> } {
    return this.#data ? this.#data.contents() : new Uint8Array(0);
  }

  open(flags: number): FileHandle | Errno {
    return this.opener ? this.opener(flags) : Errno.ENXIO;
  }

  /** Set the size, growing capacity (charged) or shrinking it (uncharged). */
  resize(size: number): 0 | Errno {
    if (size === this.size && !this.#data) return 0;
    return (this.#data ??= new FileData(this.fs, this.ino)).resize(size);
  }

  retain(): void {
    this.openCount++;
  }

  release(): void {
    if (--this.openCount === 0 && this.nlink === 0) this.free();
  }

  /** Release data (last link and last open file gone). */
  free(): void {
    this.#data?.free();
    this.#data = null;
    this.dispose();
  }

  /** Give back the inode's own charge (it is gone from the tree for good). */
  dispose(): void {
    if (this.nodeCost > 0) this.fs.unchargeNode(this.nodeCost);
    this.nodeCost = 0;
    this.xattrs?.clear();
  }

  /**
   * An extended attribute's value.
   *
   * @param name Full name.
   * @returns The bytes, or undefined.
   */
  getxattr(name: string): Uint8Array | undefined {
    return this.xattrs?.get(name);
  }

  /**
   * Extended attribute names.
   *
   * @returns Names.
   */
  listxattr(): string[] {
    return this.xattrs?.names() ?? [];
  }

  /**
   * Set an extended attribute (memory charged as kernel memory).
   *
   * @param name Full name.
   * @param value Bytes.
   * @param flags `XATTR_CREATE`, `XATTR_REPLACE`.
   * @returns 0, `EEXIST`, `ENODATA`, `ENOMEM`.
   */
  setxattr(name: string, value: Uint8Array, flags: number): 0 | Errno {
    const r = (this.xattrs ??= new XattrSet(this.fs)).set(name, value, flags);
    if (r === 0) this.ctimeMs = Date.now();
    return r;
  }

  /**
   * Remove an extended attribute.
   *
   * @param name Full name.
   * @returns 0 or `ENODATA`.
   */
  removexattr(name: string): 0 | Errno {
    const r = this.xattrs ? this.xattrs.remove(name) : Errno.ENODATA;
    if (r === 0) this.ctimeMs = Date.now();
    return r;
  }
}

/** A tmpfs instance. */
export class TmpFs implements FileSystem {
  readonly type: string;
  readonly dev: number = allocDev();
  readonly root: TmpNode;
  /** Next inode number. */
  nextIno = 1;
  /** Bytes charged. */
  used = 0;
  /** Bytes held in spill files. */
  diskUsed = 0;
  /** Spill settings, if any. */
  readonly spill: { dir: string; threshold: number } | null;
  readonly #memory: MemoryCharger;
  readonly #limit: number;

  /**
   * A new, empty tmpfs.
   *
   * @param opts Charger, size limit, root mode.
   * @example
   * ```ts ignore
   * const fs = new TmpFs({ memory: task.memory, sizeLimit: 1 << 20 });
   * ```
   */
  constructor(opts: TmpFsOptions) {
    this.type = opts.type ?? "tmpfs";
    this.#memory = opts.memory;
    this.#limit = opts.sizeLimit ?? Infinity;
    this.spill = opts.spill ?? null;
    this.root = new TmpNode(this, 0o040000 | (opts.rootMode ?? 0o1777), 0, 0);
  }

  /**
   * Free every file's data, spill files included (closed and deleted): the file system is
   * gone for good, as when a tmpfs is unmounted for the last time. Open descriptors that
   * still point into it read as empty files afterwards.
   */
  destroy(): void {
    const stack: TmpNode[] = [this.root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node.children) { for (const child of node.children.values()) stack.push(child); }
      node.free();
    }
  }

  /**
   * Charge `bytes` of file data.
   *
   * @param bytes Amount.
   * @returns 0, `ENOSPC` over `size=`, `ENOMEM` when the cgroup refuses.
   */
  charge(bytes: number): 0 | Errno {
    if (bytes <= 0) return 0;
    if (this.used + this.diskUsed + bytes > this.#limit) return Errno.ENOSPC;
    if (!this.#memory.tryCharge(bytes, "file")) return Errno.ENOMEM;
    this.used += bytes;
    return 0;
  }

  /**
   * Charge an inode's own memory (kind "kernel"; not counted against `size=`).
   *
   * @param bytes Amount.
   * @returns Whether the cgroup allowed it.
   */
  chargeNode(bytes: number): boolean {
    return this.#memory.tryCharge(bytes, "kernel");
  }

  /**
   * Give back an inode's memory.
   *
   * @param bytes Amount.
   */
  unchargeNode(bytes: number): void {
    this.#memory.uncharge(bytes, "kernel");
  }

  /**
   * Count `bytes` of spilled data against `size=`.
   *
   * @param bytes Amount (negative gives back).
   * @returns 0 or `ENOSPC`.
   */
  chargeDisk(bytes: number): 0 | Errno {
    if (bytes > 0 && this.used + this.diskUsed + bytes > this.#limit) return Errno.ENOSPC;
    this.diskUsed += bytes;
    return 0;
  }

  /**
   * Give back `bytes` of spilled data.
   *
   * @param bytes Amount.
   */
  unchargeDisk(bytes: number): void {
    this.diskUsed -= bytes;
  }

  /**
   * Give back `bytes` of file data.
   *
   * @param bytes Amount.
   */
  uncharge(bytes: number): void {
    if (bytes <= 0) return;
    this.used -= bytes;
    this.#memory.uncharge(bytes, "file");
  }

  options(): string {
    return Number.isFinite(this.#limit) ? `rw,size=${Math.floor(this.#limit / 1024)}k` : "rw";
  }

  statfs(): StatFs {
    const total = Number.isFinite(this.#limit) ? this.#limit : 1 << 30;
    const free = Math.max(0, total - this.used);
    return {
      type: TMPFS_MAGIC,
      bsize: PAGE,
      blocks: Math.floor(total / PAGE),
      bfree: Math.floor(free / PAGE),
      bavail: Math.floor(free / PAGE),
      files: 1 << 20,
      ffree: (1 << 20) - this.nextIno,
      namelen: 255,
    };
  }
}

export { parseTmpfsOptions } from "./tmpfs_options.ts";
