/**
 * Bind mounts of host directories (volumes, `-v /host/dir:/path[:ro]`) and of single host
 * files (`-v /host/file:/etc/x[:ro]`), through Deno's synchronous file APIs, confined to
 * the host directory (or to the one file).
 *
 * Confinement: the kernel's own path walk resolves every component, so a host symlink is
 * only ever *read* (`readlink`) and its target resolved inside the container's root, never
 * followed by the host. Before each host operation the directory chain of the path is
 * checked with `realpath` (it must equal the path itself under the real host root: no
 * symlink anywhere on the way), and the last component is `lstat`ed, so a symlink planted
 * by another process of the container between two calls cannot redirect an operation out
 * of the directory (a system call runs without interruption, so no container process can
 * act between the check and the operation). Device nodes, FIFOs and sockets cannot be
 * created (`EPERM`). With `readonly` (`:ro`) every write is `EROFS`.
 *
 * A file source is resolved with `realpath` once, when mounted (as Docker resolves a bind
 * source); afterwards its directory chain is checked before each operation as above, and a
 * file replaced by a symlink on the host is only read as a link (resolved inside the
 * container), never followed on the host.
 *
 * @module
 */
import { Errno } from "../../errno.ts";
import type { Stat, StatFs } from "../../syscalls/api.ts";
import { AT, O } from "../../syscalls/api.ts";
import { type Loc, Mount, MS } from "../../vfs/mount.ts";
import { type FileTask, resolveAt } from "../../vfs/resolve.ts";
import { hostAt, splitHostPath } from "./host_at.ts";
import {
  allocDev,
  type AttrChange,
  type DirEntry,
  type FileHandle,
  type FileSystem,
  type Inode,
  type NodeKind,
  type OpContext,
} from "../../vfs/types.ts";

/** Options of {@link BindFs}. */
export interface BindOptions {
  /** Refuse every write with `EROFS` (`:ro`). */
  readonly?: boolean;
  /** Test hook: called with every host path the file system touches. */
  onHostPath?: (path: string) => void;
}

/** `S_IFLNK`. */
const S_IFLNK = 0o120000;

function errnoOf(e: unknown): Errno {
  const code = (e as { code?: string }).code;
  const v = code ? (Errno as unknown as Record<string, number>)[code] : undefined;
  return (v ?? Errno.EIO) as Errno;
}

function ts(d: Date | null): { sec: number; nsec: number } {
  const ms = d?.getTime() ?? 0;
  const sec = Math.floor(ms / 1000);
  return { sec, nsec: Math.round((ms - sec * 1000) * 1e6) };
}

/** An inode of a bound host directory. */
export class BindNode implements Inode {
  readonly fs: BindFs;
  /** Parent (null for the root). */
  up: BindNode | null;
  /** Name in the parent. */
  name: string;
  readonly #kids = new Map<string, BindNode>();
  #ino = 0;

  /**
   * A node (made by lookups).
   *
   * @param fs The bind file system.
   * @param up Parent node.
   * @param name Name in the parent.
   */
  constructor(fs: BindFs, up: BindNode | null, name: string) {
    this.fs = fs;
    this.up = up;
    this.name = name;
  }

  /** Inode number on the host. */
  get ino(): number {
    if (!this.#ino) {
      const st = this.#lstat();
      this.#ino = typeof st === "number" ? 0 : st.ino ?? 0;
    }
    return this.#ino;
  }

  /** Path relative to the host root ("" for the root). */
  rel(): string {
    if (!this.up) return "";
    const names: string[] = [this.name];
    for (let n = this.up; n.up; n = n.up) names.push(n.name);
    return names.reverse().join("/");
  }

  /** Absolute host path of this node, as named (not checked). */
  #logical(): string {
    const rel = this.rel();
    return rel ? `${this.fs.hostRoot}/${rel}` : this.fs.hostRoot;
  }

  /**
   * Host path of this node that no symlink of its directory chain can redirect: under a
   * pinned directory (`/proc/self/fd/N/name`, host_at.ts), or without FFI the path itself
   * after checking the chain with `realpath`.
   */
  hostPath(): string | Errno {
    const full = this.#logical();
    this.fs.touch(full);
    const at = hostAt();
    if (at) {
      if (full === "/") return full;
      const [parent, name] = splitHostPath(full);
      const dir = at.dir(parent);
      return typeof dir === "number" ? dir : `${dir}/${name}`;
    }
    if (this.up || this.fs.isFile) {
      const dir = this.up?.rel();
      const dirFull = this.up
        ? (dir ? `${this.fs.hostRoot}/${dir}` : this.fs.hostRoot)
        : this.fs.hostRoot.slice(0, this.fs.hostRoot.lastIndexOf("/")) || "/";
      try {
        if (Deno.realPathSync(dirFull) !== dirFull) return Errno.ENOENT;
      } catch (e) {
        return errnoOf(e);
      }
    }
    return full;
  }

  /** Host path of this directory itself, pinned (see {@link hostPath}). */
  #dirPath(): string | Errno {
    const at = hostAt();
    if (at) {
      const full = this.#logical();
      const dir = at.dir(full);
      this.fs.touch(full);
      return dir;
    }
    const dir = this.hostPath();
    if (typeof dir === "number") return dir;
    try {
      if (!Deno.lstatSync(dir).isDirectory) return Errno.ENOTDIR;
    } catch (e) {
      return errnoOf(e);
    }
    return dir;
  }

  #childPath(name: string): string | Errno {
    const dir = this.#dirPath();
    if (typeof dir === "number") return dir;
    this.fs.touch(`${this.#logical()}/${name}`);
    return `${dir}/${name}`;
  }

  /**
   * This node itself opened without following it (`O_PATH | O_NOFOLLOW`), as a path that
   * names exactly it (`/proc/self/fd/M`) and its type; null without FFI.
   */
  #pinSelf(): { path: string; type: number } | Errno | null {
    const at = hostAt();
    if (!at) return null;
    const full = this.#logical();
    if (full === "/") return Errno.EPERM;
    const node = at.node(...splitHostPath(full));
    this.fs.touch(full);
    return node;
  }

  #lstat(): Deno.FileInfo | Errno {
    const p = this.hostPath();
    if (typeof p === "number") return p;
    try {
      return Deno.lstatSync(p);
    } catch (e) {
      return errnoOf(e);
    }
  }

  stat(): Stat {
    const st = this.#lstat();
    if (typeof st === "number") {
      // Removed behind our back: show an empty, unlinked file.
      const z = { sec: 0, nsec: 0 };
      return {
        dev: this.fs.dev,
        ino: this.#ino,
        mode: 0o100000,
        nlink: 0,
        uid: 0,
        gid: 0,
        rdev: 0,
        size: 0,
        blksize: 4096,
        blocks: 0,
        atime: z,
        mtime: z,
        ctime: z,
      };
    }
    let mode = st.mode ?? 0;
    if (st.isSymlink) mode = 0o120000 | (mode & 0o7777);
    return {
      dev: this.fs.dev,
      ino: st.ino ?? 0,
      mode,
      nlink: st.nlink ?? 1,
      uid: st.uid ?? 0,
      gid: st.gid ?? 0,
      rdev: st.rdev ?? 0,
      size: st.size,
      blksize: st.blksize ?? 4096,
      blocks: st.blocks ?? 0,
      atime: ts(st.atime),
      mtime: ts(st.mtime),
      ctime: ts(st.ctime ?? st.mtime),
    };
  }

  setattr(c: AttrChange): 0 | Errno {
    if (this.fs.readonly) return Errno.EROFS;
    // Pinned, the node itself is changed (its path names it whatever happens to its name);
    // without FFI, the path after a check that it is not a symlink.
    const pin = this.#pinSelf();
    if (typeof pin === "number") return pin;
    if (pin && pin.type === S_IFLNK) return c.mode !== undefined ? Errno.EOPNOTSUPP : 0;
    const p = pin ? pin.path : this.hostPath();
    if (typeof p === "number") return p;
    try {
      const st = pin ? Deno.statSync(p) : Deno.lstatSync(p);
      if (st.isSymlink) return c.mode !== undefined ? Errno.EOPNOTSUPP : 0;
      if (c.size !== undefined) Deno.truncateSync(p, c.size);
      if (c.mode !== undefined) Deno.chmodSync(p, c.mode & 0o7777);
      if (c.uid !== undefined || c.gid !== undefined) {
        Deno.chownSync(p, c.uid ?? null, c.gid ?? null);
      }
      if (c.atimeMs !== undefined || c.mtimeMs !== undefined) {
        const a = c.atimeMs ?? st.atime?.getTime() ?? Date.now();
        const m = c.mtimeMs ?? st.mtime?.getTime() ?? Date.now();
        Deno.utimeSync(p, new Date(a), new Date(m));
      }
      return 0;
    } catch (e) {
      return errnoOf(e);
    }
  }

  parent(): Inode {
    return this.up ?? this;
  }

  nameInParent(): string | undefined {
    return this.up ? this.name : undefined;
  }

  lookup(name: string): Inode | Errno {
    const p = this.#childPath(name);
    if (typeof p === "number") return p;
    let st: Deno.FileInfo;
    try {
      st = Deno.lstatSync(p);
    } catch (e) {
      this.#kids.delete(name);
      return errnoOf(e);
    }
    const cached = this.#kids.get(name);
    if (cached && cached.#ino === (st.ino ?? 0)) return cached;
    const n = new BindNode(this.fs, this, name);
    n.#ino = st.ino ?? 0;
    this.#kids.set(name, n);
    return n;
  }

  readdir(): DirEntry[] | Errno {
    const p = this.#dirPath();
    if (typeof p === "number") return p;
    try {
      const out: DirEntry[] = [];
      for (const e of Deno.readDirSync(p)) {
        const n = this.lookup(e.name);
        if (typeof n === "number") continue;
        out.push({
          name: e.name,
          ino: n.ino,
          type: e.isDirectory ? 4 : e.isSymlink ? 10 : e.isFile ? 8 : 0,
        });
      }
      return out;
    } catch (e) {
      return errnoOf(e);
    }
  }

  create(
    name: string,
    kind: NodeKind,
    mode: number,
    _ctx: OpContext,
    extra?: { target?: string },
  ): Inode | Errno {
    if (this.fs.readonly) return Errno.EROFS;
    const p = this.#childPath(name);
    if (typeof p === "number") return p;
    // The mode beyond the umask is set on the node made (pinned: a name swapped for a
    // symlink in between is not followed).
    const chmodMade = (want: number) => {
      const made = this.#childNode(name);
      if (typeof made === "number") throw Object.assign(new Error(), { code: Errno[made] });
      if (made && made.type !== want) throw Object.assign(new Error(), { code: "ENOENT" });
      Deno.chmodSync(made ? made.path : p, mode & 0o7777);
    };
    try {
      if (kind === "file") {
        Deno.openSync(p, { write: true, createNew: true, mode: mode & 0o777 }).close();
        chmodMade(0o100000);
      } else if (kind === "dir") {
        Deno.mkdirSync(p, { mode: mode & 0o777 });
        chmodMade(0o040000);
      } else if (kind === "symlink") {
        Deno.symlinkSync(extra?.target ?? "", p);
      } else {
        return Errno.EPERM;
      }
    } catch (e) {
      return errnoOf(e);
    }
    return this.lookup(name);
  }

  /** The child `name` opened without following it (see {@link #pinSelf}); null without FFI. */
  #childNode(name: string): { path: string; type: number } | Errno | null {
    const at = hostAt();
    return at ? at.node(this.#logical(), name) : null;
  }

  link(name: string, target: Inode): 0 | Errno {
    if (this.fs.readonly) return Errno.EROFS;
    if (!(target instanceof BindNode) || target.fs !== this.fs) return Errno.EXDEV;
    const from = target.hostPath();
    if (typeof from === "number") return from;
    const to = this.#childPath(name);
    if (typeof to === "number") return to;
    try {
      Deno.linkSync(from, to);
      return 0;
    } catch (e) {
      return errnoOf(e);
    }
  }

  unlink(name: string, dir: boolean): 0 | Errno {
    if (this.fs.readonly) return Errno.EROFS;
    const p = this.#childPath(name);
    if (typeof p === "number") return p;
    try {
      const st = Deno.lstatSync(p);
      if (dir && !st.isDirectory) return Errno.ENOTDIR;
      if (!dir && st.isDirectory) return Errno.EISDIR;
      Deno.removeSync(p);
      this.#kids.delete(name);
      return 0;
    } catch (e) {
      return errnoOf(e);
    }
  }

  rename(oldName: string, newDir: Inode, newName: string, flags: number): 0 | Errno {
    if (this.fs.readonly) return Errno.EROFS;
    if (!(newDir instanceof BindNode) || newDir.fs !== this.fs) return Errno.EXDEV;
    if (flags & 2) return Errno.EINVAL;
    const from = this.#childPath(oldName);
    if (typeof from === "number") return from;
    const to = newDir.#childPath(newName);
    if (typeof to === "number") return to;
    try {
      Deno.renameSync(from, to);
    } catch (e) {
      return errnoOf(e);
    }
    const node = this.#kids.get(oldName);
    this.#kids.delete(oldName);
    newDir.#kids.delete(newName);
    if (node) {
      node.up = newDir;
      node.name = newName;
      newDir.#kids.set(newName, node);
    }
    return 0;
  }

  readlink(): string | Errno {
    const p = this.hostPath();
    if (typeof p === "number") return p;
    try {
      return Deno.readLinkSync(p);
    } catch (e) {
      return errnoOf(e);
    }
  }

  /** Whether `file` (opened by this node's host path) is what the confined path names now. */
  #stillHere(file: Deno.FsFile): boolean {
    try {
      const opened = file.statSync();
      const p = this.hostPath();
      if (typeof p === "number") return false;
      const now = Deno.lstatSync(p);
      return now.isFile && now.ino === opened.ino && now.dev === opened.dev;
    } catch {
      return false;
    }
  }

  open(flags: number): FileHandle | Errno {
    const acc = flags & O.ACCMODE;
    const writeAccess = acc !== O.RDONLY;
    if (writeAccess && this.fs.readonly) return Errno.EROFS;
    // Pinned: the node itself, opened without following it, is checked to be a regular
    // file and reopened through its descriptor (no name is looked up again).
    const pin = this.#pinSelf();
    if (typeof pin === "number") return pin;
    if (pin && pin.type !== 0o100000) return Errno.ENXIO;
    const p = pin ? pin.path : this.hostPath();
    if (typeof p === "number") return p;
    let file: Deno.FsFile;
    try {
      if (!pin && !Deno.lstatSync(p).isFile) return Errno.ENXIO;
      this.fs.touch(this.#logical());
      file = Deno.openSync(p, { read: acc !== O.WRONLY, write: writeAccess });
    } catch (e) {
      return errnoOf(e);
    }
    // Without FFI the checks above and the open are separate host calls: a directory of
    // the chain swapped for a symlink in between would have the open follow it out of the
    // bind. Prove afterwards that the open file is the one now at the confined path.
    if (!pin && !this.#stillHere(file)) {
      file.close();
      return Errno.ENOENT;
    }
    if (writeAccess && (flags & O.TRUNC) !== 0) {
      // Truncated only once proven to be the confined file.
      try {
        file.truncateSync(0);
      } catch (e) {
        file.close();
        return errnoOf(e);
      }
    }
    const wrap = (f: () => number): number | Errno => {
      try {
        return f();
      } catch (e) {
        return errnoOf(e);
      }
    };
    return {
      stream: false,
      read: (buf, pos) =>
        wrap(() => {
          file.seekSync(pos, Deno.SeekMode.Start);
          let n = 0;
          while (n < buf.length) {
            const k = file.readSync(buf.subarray(n));
            if (k === null || k === 0) break;
            n += k;
          }
          return n;
        }),
      write: (buf, pos) =>
        wrap(() => {
          file.seekSync(pos, Deno.SeekMode.Start);
          let n = 0;
          while (n < buf.length) n += file.writeSync(buf.subarray(n));
          return n;
        }),
      size: () => {
        try {
          return file.statSync().size;
        } catch {
          return 0;
        }
      },
      fsync: () => wrap(() => (file.syncSync(), 0)) as 0 | Errno,
      release: () => {
        try {
          file.close();
        } catch { /* closed */ }
      },
    };
  }
}

/** A bound host directory, or a single bound host file (its root is then that file). */
export class BindFs implements FileSystem {
  readonly type = "bind";
  readonly dev: number = allocDev();
  readonly root: BindNode;
  /** The real path of the host directory (or file). */
  readonly hostRoot: string;
  /** Whether the source is a regular file rather than a directory. */
  readonly isFile: boolean;
  readonly readonly: boolean;
  readonly #onHostPath?: (path: string) => void;

  /**
   * Bind `hostDir`.
   *
   * @param hostDir A host directory or regular file (resolved with realpath once, here).
   * @param opts `readonly` for `:ro`.
   * @throws Deno.errors.NotFound when `hostDir` does not exist (a caller's mistake, not a guest's).
   * @example
   * ```ts ignore
   * const vol = new BindFs("/srv/data", { readonly: true });
   * ```
   */
  constructor(hostDir: string, opts: BindOptions = {}) {
    this.hostRoot = Deno.realPathSync(hostDir);
    const st = Deno.statSync(this.hostRoot);
    if (!st.isDirectory && !st.isFile) {
      throw new Error(`Cannot bind ${hostDir}: not a directory or a regular file`);
    }
    this.isFile = st.isFile;
    this.readonly = opts.readonly ?? false;
    this.#onHostPath = opts.onHostPath;
    this.root = new BindNode(this, null, "");
  }

  /** Report a host path to the test hook. */
  touch(path: string): void {
    this.#onHostPath?.(path);
  }

  options(): string {
    return this.readonly ? "ro" : "rw";
  }

  statfs(): StatFs {
    return {
      type: 0xef53,
      bsize: 4096,
      blocks: 1 << 20,
      bfree: 1 << 19,
      bavail: 1 << 19,
      files: 1 << 20,
      ffree: 1 << 19,
      namelen: 255,
    };
  }
}

/**
 * Mount host directory (or regular file) `hostDir` at `target` (resolved in `task`'s
 * view): what the container runtime calls for `-v hostDir:target[:ro]`. Not a system call:
 * guests never name host paths.
 *
 * @param task A task of the container (its mount namespace gets the mount).
 * @param hostDir Host directory or regular file.
 * @param target Directory inside the container (a regular file for a file source).
 * @param opts `readonly` for `:ro`.
 * @returns The new file system, or `ENOTDIR` when the target's kind is not the source's.
 * @example
 * ```ts ignore
 * bindHostDir(initTask, "/srv/data", "/data", { readonly: true });
 * ```
 */
export function bindHostDir(
  task: FileTask,
  hostDir: string,
  target: string,
  opts: BindOptions = {},
): BindFs | Errno {
  const r = resolveAt(task, AT.FDCWD, target, { follow: true });
  if (typeof r === "number") return r;
  const at = r.loc as Loc;
  const fs = new BindFs(hostDir, opts);
  const want = fs.isFile ? 0o100000 : 0o040000;
  if ((at.inode.stat().mode & 0o170000) !== want) return Errno.ENOTDIR;
  task.fs.mountNs.attach(new Mount(fs, fs.root, opts.readonly ? MS.RDONLY : 0, hostDir), at);
  return fs;
}
