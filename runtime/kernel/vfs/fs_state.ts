/**
 * Per-process file-system state: root, cwd, umask, descriptor table and mount namespace.
 * The process side stores one in `Task.fs`; the file system calls read and change it.
 *
 * @module
 */
import { FdTable } from "./fd_table.ts";
import type { Loc, MountNamespace } from "./mount.ts";

/** Root, cwd, umask, fd table and mount namespace of one process (Linux `fs_struct` + `files`). */
export class FsState {
  /** The mount namespace. */
  mountNs: MountNamespace;
  /** The process's root directory (`chroot`, `pivot_root`). */
  root: Loc;
  /** The current directory. */
  cwd: Loc;
  /** File-creation mask. */
  umask: number;
  /** Descriptor table. */
  fds: FdTable;

  /**
   * State rooted at the namespace's root mount.
   *
   * @param ns Mount namespace.
   * @param fds Descriptor table (default empty, limit 1024).
   * @param umask File-creation mask (default 0o022).
   * @example
   * ```ts ignore
   * const fs = new FsState(ns);
   * ```
   */
  constructor(ns: MountNamespace, fds: FdTable = new FdTable(), umask = 0o022) {
    this.mountNs = ns;
    this.root = { mount: ns.root, inode: ns.root.root };
    this.cwd = this.root;
    this.umask = umask;
    this.fds = fds;
  }

  /**
   * The child's state on fork/spawn: same namespace, root, cwd, umask; a copy of the
   * fd table sharing open files.
   *
   * @returns A new state.
   */
  fork(): FsState {
    const s = new FsState(this.mountNs, this.fds.fork(), this.umask);
    s.root = this.root;
    s.cwd = this.cwd;
    return s;
  }

  /**
   * `unshare(CLONE_NEWNS)`: move into a private copy of the mount namespace; root and cwd
   * are translated to the copies of their mounts.
   */
  unshareMounts(): void {
    const { ns, map } = this.mountNs.clone();
    this.mountNs = ns;
    this.root = { mount: map.get(this.root.mount) ?? ns.root, inode: this.root.inode };
    this.cwd = { mount: map.get(this.cwd.mount) ?? ns.root, inode: this.cwd.inode };
  }

  /**
   * Join another mount namespace (`setns`): root and cwd become its root.
   *
   * @param ns The namespace.
   */
  enterMounts(ns: MountNamespace): void {
    this.mountNs = ns;
    this.root = { mount: ns.root, inode: ns.root.root };
    this.cwd = this.root;
  }
}
