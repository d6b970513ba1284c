/**
 * A small frame for generated file systems (procfs, cgroupfs): directories list and look
 * up entries on demand, files produce their content when opened (a snapshot, as Linux's
 * `seq_file`) and may accept writes (each `write` call is one operation), links produce
 * their target or jump somewhere (magic links).
 *
 * Nodes are cached per parent and name, so an inode stays the same object while its entry
 * exists (the walk, mounts and `getcwd` rely on identity); a lookup that no longer finds
 * the entry drops the cached node.
 *
 * @module
 */
import { Errno } from "../../errno.ts";
import type { Stat, StatFs } from "../../syscalls/api.ts";
import {
  allocDev,
  type AttrChange,
  type DirEntry,
  type FileHandle,
  type FileSystem,
  type Inode,
  type MagicTarget,
  type OpContext,
  pseudoStatFs,
} from "../../vfs/types.ts";

/** Owner and mode of an entry (defaults: root, 0555 dirs, 0444 files, 0777 links). */
export interface SynthMeta {
  /** Permission bits. */
  mode?: number;
  /** Owner. */
  uid?: number;
  /** Group. */
  gid?: number;
}

/** One entry of a generated directory. */
export type SynthEntry =
  | (SynthMeta & { kind: "dir"; dir: () => SynthDir })
  | (SynthMeta & {
    kind: "file";
    read: (ctx: OpContext) => string | Uint8Array | Errno;
    write?: (text: string, ctx: OpContext) => 0 | Errno;
  })
  | (SynthMeta & {
    kind: "link";
    target: (ctx: OpContext) => string | Errno;
    magic?: (ctx: OpContext) => MagicTarget | Errno | undefined;
  });

/** A generated directory. */
export interface SynthDir {
  /** Names of the entries now. */
  list(ctx: OpContext | undefined): string[];
  /** The entry called `name`, if any. */
  get(name: string, ctx: OpContext | undefined): SynthEntry | undefined;
  /** mkdir in this directory (cgroupfs). */
  mkdir?(name: string, ctx: OpContext): 0 | Errno;
  /** rmdir in this directory (cgroupfs). */
  rmdir?(name: string, ctx: OpContext): 0 | Errno;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** An inode of a generated file system. */
export class SynthNode implements Inode {
  readonly fs: SynthFs;
  readonly ino: number;
  /** What this node shows (refreshed on every lookup). */
  entry: SynthEntry;
  /** Parent (null for the root). */
  readonly up: SynthNode | null;
  #dir: SynthDir | null = null;
  readonly #kids = new Map<string, Inode>();

  /**
   * A node (made by lookups).
   *
   * @param fs The file system.
   * @param up Parent.
   * @param entry What it shows.
   */
  constructor(fs: SynthFs, up: SynthNode | null, entry: SynthEntry) {
    this.fs = fs;
    this.up = up;
    this.entry = entry;
    this.ino = fs.nextIno++;
  }

  #typeBits(): number {
    return this.entry.kind === "dir" ? 0o040000 : this.entry.kind === "link" ? 0o120000 : 0o100000;
  }

  stat(): Stat {
    const e = this.entry;
    const def = e.kind === "dir" ? 0o555 : e.kind === "link" ? 0o777 : e.write ? 0o644 : 0o444;
    const now = this.fs.mountedAt;
    const t = { sec: Math.floor(now / 1000), nsec: (now % 1000) * 1e6 };
    return {
      dev: this.fs.dev,
      ino: this.ino,
      mode: this.#typeBits() | (e.mode ?? def),
      nlink: e.kind === "dir" ? 2 : 1,
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      rdev: 0,
      size: 0,
      blksize: 1024,
      blocks: 0,
      atime: t,
      mtime: t,
      ctime: t,
    };
  }

  setattr(change: AttrChange): 0 | Errno {
    // Truncation before a write (`echo x > file`) is accepted on writable files.
    if (change.size !== undefined && this.entry.kind === "file" && this.entry.write) return 0;
    if (change.atimeMs !== undefined || change.mtimeMs !== undefined) return 0;
    return Errno.EPERM;
  }

  parent(): Inode {
    return this.up ?? this;
  }

  /** The directory provider of this node. */
  dir(): SynthDir | null {
    if (this.entry.kind !== "dir") return null;
    this.#dir ??= this.entry.dir();
    return this.#dir;
  }

  lookup(name: string, ctx?: OpContext): Inode | Errno {
    const d = this.dir();
    if (!d) return Errno.ENOTDIR;
    const e = d.get(name, ctx);
    const cached = this.#kids.get(name);
    if (!e) {
      this.#kids.delete(name);
      return Errno.ENOENT;
    }
    if (cached instanceof SynthNode && sameKind(cached.entry, e)) {
      cached.entry = e;
      return cached;
    }
    const n = new SynthNode(this.fs, this, e);
    this.#kids.set(name, n);
    return n;
  }

  readdir(): DirEntry[] | Errno {
    const d = this.dir();
    if (!d) return Errno.ENOTDIR;
    const out: DirEntry[] = [];
    const names = d.list(undefined);
    // Forget nodes of entries that are gone (exited processes, removed cgroups).
    if (this.#kids.size > 0) {
      const live = new Set(names);
      for (const k of this.#kids.keys()) if (!live.has(k)) this.#kids.delete(k);
    }
    for (const name of names) {
      const n = this.lookup(name);
      if (typeof n === "number") continue;
      const t = n.stat().mode & 0o170000;
      out.push({ name, ino: n.ino, type: t === 0o040000 ? 4 : t === 0o120000 ? 10 : 8 });
    }
    return out;
  }

  create(name: string, kind: string, _mode: number, ctx: OpContext): Inode | Errno {
    const d = this.dir();
    if (!d) return Errno.ENOTDIR;
    if (kind !== "dir" || !d.mkdir) return Errno.EACCES;
    const r = d.mkdir(name, ctx);
    if (r !== 0) return r;
    return this.lookup(name, ctx);
  }

  unlink(name: string, dir: boolean, ctx: OpContext): 0 | Errno {
    const d = this.dir();
    if (!d) return Errno.ENOTDIR;
    if (!dir || !d.rmdir) return Errno.EPERM;
    const r = d.rmdir(name, ctx);
    if (r === 0) this.#kids.delete(name);
    return r;
  }

  readlink(ctx?: OpContext): string | Errno {
    if (this.entry.kind !== "link") return Errno.EINVAL;
    return this.entry.target(ctx ?? { cred: { uid: 0, gid: 0, euid: 0, egid: 0, groups: [] } });
  }

  magic(ctx: OpContext): MagicTarget | Errno | undefined {
    return this.entry.kind === "link" ? this.entry.magic?.(ctx) : undefined;
  }

  open(flags: number, ctx: OpContext): FileHandle | Errno {
    const e = this.entry;
    if (e.kind !== "file") return Errno.ENXIO;
    // Like proc_sys_permission/kernfs: a file without a writer refuses writing, even root.
    if ((flags & 3) !== 0 && !e.write) return Errno.EACCES;
    let data: Uint8Array | null = null;
    const snapshot = (): Uint8Array | Errno => {
      if (data) return data;
      const r = e.read(ctx);
      if (typeof r === "number") return r;
      data = typeof r === "string" ? enc.encode(r) : r;
      return data;
    };
    return {
      stream: false,
      read: (buf, pos) => {
        const d = snapshot();
        if (typeof d === "number") return d;
        if (pos >= d.length) return 0;
        const n = Math.min(buf.length, d.length - pos);
        buf.set(d.subarray(pos, pos + n));
        return n;
      },
      write: (buf) => {
        if (!e.write) return Errno.EACCES;
        const r = e.write(dec.decode(buf), ctx);
        return r === 0 ? buf.length : r;
      },
      size: () => {
        const d = snapshot();
        return typeof d === "number" ? 0 : d.length;
      },
    };
  }
}

function sameKind(a: SynthEntry, b: SynthEntry): boolean {
  return a.kind === b.kind;
}

/** A generated file system. */
export class SynthFs implements FileSystem {
  readonly type: string;
  readonly dev: number = allocDev();
  readonly root: SynthNode;
  readonly #magic: number;
  /** Next inode number. */
  nextIno = 1;
  /** Creation time (the times every node shows). */
  readonly mountedAt: number = Date.now();

  /**
   * A generated file system rooted at `root`.
   *
   * @param type Type name ("proc", "cgroup2").
   * @param magic `statfs` magic.
   * @param root The root directory provider.
   * @param rootMeta Mode/owner of the root.
   * @example
   * ```ts ignore
   * const fs = new SynthFs("proc", 0x9fa0, procRoot(source));
   * ```
   */
  constructor(type: string, magic: number, root: SynthDir, rootMeta: SynthMeta = {}) {
    this.type = type;
    this.#magic = magic;
    this.root = new SynthNode(this, null, { kind: "dir", dir: () => root, ...rootMeta });
  }

  options(): string {
    return "rw,nosuid,nodev,noexec";
  }

  statfs(): StatFs {
    return pseudoStatFs(this.#magic);
  }
}

/**
 * A directory with a fixed set of entries.
 *
 * @param entries Name → entry.
 * @returns The directory provider.
 * @example
 * ```ts ignore
 * fixedDir({ version: { kind: "file", read: () => "Linux\n" } });
 * ```
 */
export function fixedDir(entries: Record<string, SynthEntry>): SynthDir {
  return {
    list: () => Object.keys(entries),
    get: (name) => Object.hasOwn(entries, name) ? entries[name] : undefined,
  };
}
