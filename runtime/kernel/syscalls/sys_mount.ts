/**
 * `mount`, `umount2` and `pivot_root` on the caller's mount namespace.
 *
 * File systems are made by the factories registered in `MountNamespace.fsTypes`
 * (`tmpfs` is always available through {@link defaultFsTypes}). `MS_BIND` binds a
 * directory of the caller's own tree (host directories are bound by the container
 * runtime through `fs/bind`, never by a guest naming a host path). Propagation flags
 * are accepted and ignored: every mount is private.
 *
 * Differences from Linux: `umount2` is `EBUSY` when files are open on the mount, other
 * mounts sit on it, or the caller's cwd is inside it — but another process's cwd inside
 * it does not count (the kernel has no list of cwds per mount); `pivot_root` moves
 * the root and cwd of the calling process only (runc and Berth's container setup call it
 * from the container's only process).
 *
 * @module
 */
import { Errno } from "../errno.ts";
import { AT } from "./api.ts";
import { parseTmpfsOptions, TmpFs } from "../fs/tmpfs/tmpfs.ts";
import { createDevfs } from "../fs/devfs/devfs.ts";
import { DevptsFs, parseDevptsOptions } from "../fs/devpts/devpts.ts";
import { processJobControl } from "./sys_tty.ts";
import { followMounts, type FsFactory, type Loc, MNT, Mount, MS } from "../vfs/mount.ts";
import { isBeneath, sameLoc } from "../vfs/path_walk.ts";
import { type FileTask, resolveAt } from "../vfs/resolve.ts";
import { type Inode, isDir } from "../vfs/types.ts";

/**
 * The file-system types every kernel has: `tmpfs` (options `size=`, `mode=`),
 * `devtmpfs` (a fresh devfs without a terminal) and `devpts` (a fresh pseudo-terminal
 * instance; options `gid= mode= ptmxmode= max=`).
 *
 * @returns A new map; add procfs, cgroup2, devtmpfs factories to it.
 * @example
 * ```ts
 * import { defaultFsTypes } from "./sys_mount.ts";
 * console.assert(defaultFsTypes().has("tmpfs"));
 * ```
 */
export function defaultFsTypes(): Map<string, FsFactory> {
  const m = new Map<string, FsFactory>();
  m.set("tmpfs", (task, _source, data) => {
    const o = parseTmpfsOptions(data);
    if (typeof o === "number") return o;
    return new TmpFs({ memory: task.memory, ...o });
  });
  m.set("devtmpfs", (task) => createDevfs({ memory: task.memory }));
  // Every devpts mount is a new instance (Linux's newinstance), numbering its pairs from 0.
  m.set("devpts", (_task, _source, data) => {
    const o = parseDevptsOptions(data);
    return typeof o === "number" ? o : new DevptsFs(processJobControl, o);
  });
  return m;
}

/** Whether `inode` is `top` or beneath it inside one file system (parent chain). */
function inodeBeneath(inode: Inode, top: Inode): boolean {
  for (let n = inode, guard = 0; guard < 10_000; guard++) {
    if (n === top) return true;
    const p = n.parent?.();
    if (!p || p === n) return false;
    n = p;
  }
  return false;
}

/** `MS_REC`: copy the mounts below `top` in `from` onto `to` (same file system), recursively. */
function copySubmounts(from: Mount, top: Inode, to: Mount): void {
  for (const [point, child] of from.children) {
    if (!inodeBeneath(point, top)) continue;
    const c = new Mount(child.fs, child.root, child.flags, child.source);
    copySubmounts(child, child.root, c);
    c.parent = to;
    c.mountpoint = point;
    to.addChild(point, c);
  }
}

function resolveDir(task: FileTask, path: string): Loc | Errno {
  const r = resolveAt(task, AT.FDCWD, path, { follow: true });
  if (typeof r === "number") return r;
  const loc = r.loc as Loc;
  return isDir(loc.inode.stat().mode) ? loc : Errno.ENOTDIR;
}

/**
 * `mount(2)`.
 *
 * @param task Caller (must be root).
 * @param source Source (a path for `MS_BIND`/`MS_MOVE`; free text otherwise).
 * @param target Mount point (a directory, or a file for a bind of a file).
 * @param fstype Registered type name (ignored for bind, move, remount, propagation).
 * @param flags `MS_*`.
 * @param data Type options ("size=1m").
 * @returns 0 or `EPERM ENODEV ENOENT ENOTDIR EINVAL EBUSY`.
 */
export function mount(
  task: FileTask,
  source: string,
  target: string,
  fstype: string,
  flags: number,
  data: string,
): 0 | Errno {
  if (task.cred.euid !== 0) return Errno.EPERM;
  const tr = resolveAt(task, AT.FDCWD, target, { follow: true });
  if (typeof tr === "number") return tr;
  const at = tr.loc as Loc;
  const ns = task.fs.mountNs;
  if (flags & MS.REMOUNT) {
    if (at.inode !== at.mount.root) return Errno.EINVAL;
    at.mount.flags = (at.mount.flags & ~MS.RDONLY) | (flags & MS.RDONLY);
    return 0;
  }
  if (flags & MS.BIND) {
    const sr = resolveAt(task, AT.FDCWD, source, { follow: true });
    if (typeof sr === "number") return sr;
    const src = sr.loc as Loc;
    if (isDir(src.inode.stat().mode) !== isDir(at.inode.stat().mode)) return Errno.ENOTDIR;
    const m = new Mount(
      src.mount.fs,
      src.inode,
      flags & (MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC),
      source,
    );
    if (flags & MS.REC) copySubmounts(src.mount, src.inode, m);
    ns.attach(m, at);
    return 0;
  }
  if (flags & MS.MOVE) {
    const sr = resolveAt(task, AT.FDCWD, source, { follow: true });
    if (typeof sr === "number") return sr;
    const src = sr.loc as Loc;
    if (src.inode !== src.mount.root || !src.mount.parent) return Errno.EINVAL;
    if (isBeneath(at, src)) return Errno.ELOOP;
    ns.detach(src.mount);
    ns.attach(src.mount, at);
    return 0;
  }
  if (fstype === "" && (flags & (MS.PRIVATE | (1 << 17) | (1 << 19) | (1 << 20)))) return 0;
  if (!isDir(at.inode.stat().mode)) return Errno.ENOTDIR;
  const factory = ns.fsTypes.get(fstype);
  if (!factory) return Errno.ENODEV;
  const fs = factory(task, source, data);
  if (typeof fs === "number") return fs;
  const m = new Mount(
    fs,
    fs.root,
    flags & (MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC),
    source || fstype,
  );
  ns.attach(m, at);
  return 0;
}

/**
 * `umount2(2)`.
 *
 * @param task Caller (must be root).
 * @param target The mount point (the top-most mount there is removed).
 * @param flags `MNT_DETACH` removes a mount that others are mounted on, with them.
 * @returns 0 or `EPERM EINVAL EBUSY ENOENT`.
 */
export function umount2(task: FileTask, target: string, flags: number): 0 | Errno {
  if (task.cred.euid !== 0) return Errno.EPERM;
  if (flags & ~(MNT.FORCE | MNT.DETACH | MNT.EXPIRE | 8)) return Errno.EINVAL;
  const r = resolveAt(task, AT.FDCWD, target, { follow: (flags & 8) === 0 });
  if (typeof r === "number") return r;
  // Like LOOKUP_MOUNTPOINT: the top-most mount at the final place.
  const loc = followMounts(r.loc as Loc);
  const m = loc.mount;
  if (loc.inode !== m.root) return Errno.EINVAL;
  if (!m.parent) return Errno.EINVAL;
  if (m.children.size > 0 && (flags & MNT.DETACH) === 0) return Errno.EBUSY;
  const fs = task.fs;
  if ((flags & MNT.DETACH) === 0) {
    if (m.openFiles > 0 || isBeneath(fs.cwd, { mount: m, inode: m.root })) return Errno.EBUSY;
  }
  fs.mountNs.detach(m);
  return 0;
}

/**
 * `pivot_root(2)`: `newRoot` becomes the namespace's root mount and the old root is
 * attached at `putOld` (which must be at or beneath `newRoot`).
 *
 * @param task Caller (must be root).
 * @param newRoot A mount point other than the current root.
 * @param putOld Where to put the old root.
 * @returns 0 or `EPERM EINVAL EBUSY ENOTDIR`.
 */
export function pivot_root(task: FileTask, newRoot: string, putOld: string): 0 | Errno {
  if (task.cred.euid !== 0) return Errno.EPERM;
  const fs = task.fs;
  const nl = resolveDir(task, newRoot);
  if (typeof nl === "number") return nl;
  const ol = resolveDir(task, putOld);
  if (typeof ol === "number") return ol;
  const oldRoot = fs.root;
  if (oldRoot.inode !== oldRoot.mount.root) return Errno.EINVAL;
  if (nl.inode !== nl.mount.root) return Errno.EINVAL;
  if (sameLoc(nl, oldRoot) || nl.mount === oldRoot.mount) return Errno.EBUSY;
  if (!isBeneath(ol, nl)) return Errno.EINVAL;
  if (!isBeneath(nl, oldRoot)) return Errno.EINVAL;
  const ns = fs.mountNs;
  const oldMount = oldRoot.mount;
  const newMount = nl.mount;
  const oldParent = oldMount.parent;
  const oldPoint = oldMount.mountpoint;
  ns.detach(newMount);
  if (oldParent && oldPoint) {
    // The current root is not the namespace root (after chroot): it moves alone.
    ns.detach(oldMount);
    ns.attach(newMount, { mount: oldParent, inode: oldPoint });
  } else {
    ns.root = newMount;
  }
  // putOld was resolved before the move; it still names a directory of the new tree.
  ns.attach(oldMount, ol);
  const newLoc = { mount: newMount, inode: newMount.root };
  if (sameLoc(fs.cwd, oldRoot)) fs.cwd = newLoc;
  fs.root = newLoc;
  return 0;
}
