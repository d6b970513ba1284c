/**
 * Mounts and mount namespaces. A {@link Mount} shows a subtree of a {@link FileSystem}
 * (its whole tree, or a directory of it for a bind mount) at a mount point of its parent
 * mount. A {@link MountNamespace} owns one tree of mounts; `unshare(CLONE_NEWNS)` copies
 * it (propagation is private: later mounts are never shared between namespaces).
 *
 * @module
 */
import type { Errno } from "../errno.ts";
import type { Task } from "../task.ts";
import type { FileSystem, Inode } from "./types.ts";

/**
 * Makes a file system for `mount(2)`: `source` and `data` as the call gave them, `task` the
 * caller (its memory cgroup is charged for memory file systems).
 */
export type FsFactory = (task: Task, source: string, data: string) => FileSystem | Errno;

/** `MS_*` mount flags, Linux values. */
export const MS = {
  RDONLY: 1,
  NOSUID: 2,
  NODEV: 4,
  NOEXEC: 8,
  REMOUNT: 32,
  BIND: 4096,
  MOVE: 8192,
  REC: 16384,
  PRIVATE: 1 << 18,
} as const;

/** `umount2` flags. */
export const MNT = { FORCE: 1, DETACH: 2, EXPIRE: 4 } as const;

let nextMountId = 20;

/** One mount: a file system subtree attached at a point of its parent mount. */
const NO_CHILDREN: ReadonlyMap<Inode, Mount> = new Map<Inode, Mount>();

export class Mount {
  /** Mount id as `/proc/PID/mountinfo` shows it. */
  readonly id: number = nextMountId++;
  /** The mounted file system. */
  readonly fs: FileSystem;
  /** The directory of `fs` shown at the mount point (fs root, or a bind's source). */
  readonly root: Inode;
  /** Parent mount; null for the namespace root. */
  parent: Mount | null = null;
  /** Directory of the parent mount this mount covers. */
  mountpoint: Inode | null = null;
  /** Mounts attached to directories of this mount (allocated on first use: most have none). */
  #children: Map<Inode, Mount> | null = null;
  /** `MS_RDONLY` and friends. */
  flags: number;
  /** Source as `/proc/mounts` shows it. */
  readonly source: string;
  /** Open file descriptions on this mount (`umount2` without `MNT_DETACH` is `EBUSY` while > 0). */
  openFiles = 0;

  /** Mounts attached to directories of this mount, by covered inode. */
  get children(): ReadonlyMap<Inode, Mount> {
    return this.#children ?? NO_CHILDREN;
  }

  /**
   * Record `m` as attached over `inode` (callers set `m.parent` and `m.mountpoint`).
   *
   * @param inode The covered directory.
   * @param m The child mount.
   */
  addChild(inode: Inode, m: Mount): void {
    (this.#children ??= new Map()).set(inode, m);
  }

  /**
   * Forget the mount attached over `inode`.
   *
   * @param inode The covered directory.
   */
  removeChild(inode: Inode): void {
    this.#children?.delete(inode);
  }

  /**
   * A detached mount of `fs` showing `root`.
   *
   * @param fs The file system.
   * @param root The directory shown (fs.root unless a bind of a subdirectory).
   * @param flags `MS_*` flags.
   * @param source Source text for `/proc/mounts`.
   */
  constructor(fs: FileSystem, root: Inode, flags: number, source: string) {
    this.fs = fs;
    this.root = root;
    this.flags = flags;
    this.source = source;
  }

  /** Whether writes through this mount are refused with `EROFS`. */
  get readonly(): boolean {
    return (this.flags & MS.RDONLY) !== 0 || this.fs.readonly === true;
  }
}

/** A place in the tree: a mount plus a directory or file of it. */
export interface Loc {
  /** The mount the inode is seen through. */
  mount: Mount;
  /** The inode. */
  inode: Inode;
}

/** A tree of mounts, the unit `CLONE_NEWNS` copies. */
export class MountNamespace {
  /** The root mount. */
  root: Mount;
  /**
   * File-system types `mount(2)` can make, by name ("tmpfs", "proc", …). Shared by every
   * namespace cloned from this one; the kernel registers procfs/cgroupfs with their sources.
   */
  readonly fsTypes: Map<string, FsFactory>;

  /**
   * A namespace with `rootMount` as its root.
   *
   * @param rootMount The root mount (detached).
   * @param fsTypes Mountable types (default: none; share the kernel's map).
   * @example
   * ```ts ignore
   * const ns = new MountNamespace(new Mount(fs, fs.root, 0, "rootfs"), fsTypes);
   * ```
   */
  constructor(rootMount: Mount, fsTypes: Map<string, FsFactory> = new Map()) {
    this.root = rootMount;
    this.fsTypes = fsTypes;
  }

  /**
   * Attach `m` over directory `at` (the walk already stepped onto the top mount there).
   *
   * @param m A detached mount.
   * @param at Where to attach it.
   */
  attach(m: Mount, at: Loc): void {
    m.parent = at.mount;
    m.mountpoint = at.inode;
    at.mount.addChild(at.inode, m);
  }

  /**
   * Detach `m` from its parent (its children stay attached to it).
   *
   * @param m An attached, non-root mount.
   */
  detach(m: Mount): void {
    if (m.parent && m.mountpoint) m.parent.removeChild(m.mountpoint);
    m.parent = null;
    m.mountpoint = null;
  }

  /** Every mount, parents before children (the order of `/proc/mounts`). */
  list(): Mount[] {
    const out: Mount[] = [];
    const visit = (m: Mount) => {
      out.push(m);
      for (const c of [...m.children.values()].sort((a, b) => a.id - b.id)) visit(c);
    };
    visit(this.root);
    return out;
  }

  /**
   * A private copy of this namespace (`unshare(CLONE_NEWNS)`).
   *
   * @returns The new namespace and a map from each old mount to its copy.
   */
  clone(): { ns: MountNamespace; map: Map<Mount, Mount> } {
    const map = new Map<Mount, Mount>();
    const copy = (m: Mount): Mount => {
      const c = new Mount(m.fs, m.root, m.flags, m.source);
      map.set(m, c);
      for (const [inode, child] of m.children) {
        const cc = copy(child);
        cc.parent = c;
        cc.mountpoint = inode;
        c.addChild(inode, cc);
      }
      return c;
    };
    const ns = new MountNamespace(copy(this.root), this.fsTypes);
    return { ns, map };
  }
}

/**
 * Step down through the mounts stacked on `loc`, as the walk does on entering a directory.
 *
 * @param loc A place.
 * @returns The top-most mount root there, or `loc` when nothing is mounted on it.
 * @example
 * ```ts ignore
 * const top = followMounts({ mount, inode });
 * ```
 */
export function followMounts(loc: Loc): Loc {
  let cur = loc;
  for (;;) {
    const m = cur.mount.children.get(cur.inode);
    if (!m) return cur;
    cur = { mount: m, inode: m.root };
  }
}
