/**
 * The lifetime of mount namespaces and of the file systems mounted in them.
 *
 * A mount namespace lives while a process uses it (its `FsState.mountNs`) or an open
 * `/proc/PID/ns/mnt` descriptor names it, as on Linux. When the last process leaves it
 * (exit, `unshare(CLONE_NEWNS)`, `setns`), its mounts are released: every file system
 * that the kernel made for a mount ({@link MountNsLifetimes.own}: the kernel's `tmpfs`,
 * `proc`, `cgroup2`, `mqueue`… factories) and that no live namespace still mounts and no
 * open file still uses is destroyed (`destroy()`: a tmpfs frees its data and gives its
 * memory charge back) and detached. File systems made by their owner (a container's
 * overlay root, its volumes) are left to that owner.
 *
 * `umount2` releases the same way the kernel-made file systems it detached. A namespace
 * kept by an open ns descriptor, or a file system kept by an open file, is checked again
 * at the next process exit.
 *
 * @module
 */
import type { Process } from "./process.ts";
import { FsState } from "./vfs/fs_state.ts";
import type { Mount, MountNamespace } from "./vfs/mount.ts";
import type { FileSystem } from "./vfs/types.ts";

/** An open file as the descriptor table shows it (the parts looked at here). */
interface OpenFileView {
  loc?: { mount?: Mount; inode?: unknown } | null;
}

/** A descriptor table as seen here. */
interface FdsView {
  fds(): number[];
  get?(fd: number): OpenFileView | undefined;
}

/**
 * The mount namespace of a process's file-system state.
 *
 * @param p The process.
 * @returns Its namespace, or null when it has no VFS state (descriptors only).
 */
function nsOf(p: Process): MountNamespace | null {
  return p.fs instanceof FsState ? p.fs.mountNs : null;
}

/** Counts the users of mount namespaces and releases a namespace's mounts when it dies. */
export class MountNsLifetimes {
  readonly #users = new Map<MountNamespace, number>();
  readonly #held = new WeakMap<Process, MountNamespace>();
  readonly #owned = new WeakSet<FileSystem>();
  readonly #destroyed = new WeakSet<FileSystem>();
  /** Dead namespaces whose release waits for an ns descriptor or an open file. */
  readonly #pending = new Set<MountNamespace>();
  /** Unmounted mounts whose file system waits for its open files to close. */
  readonly #pendingMounts = new Set<Mount>();
  readonly #live: () => Iterable<Process>;

  /**
   * A registry for one kernel.
   *
   * @param live The kernel's live processes.
   * @example
   * ```ts ignore
   * const lifetimes = new MountNsLifetimes(() => kernel.procs.values());
   * ```
   */
  constructor(live: () => Iterable<Process>) {
    this.#live = live;
  }

  /**
   * Mark `fs` as the kernel's: destroyed once no live namespace mounts it.
   *
   * @param fs A file system made for a mount.
   * @returns `fs`.
   */
  own<T extends FileSystem>(fs: T): T {
    this.#owned.add(fs);
    return fs;
  }

  /**
   * Whether `fs` was destroyed by a namespace teardown.
   *
   * @param fs A file system.
   * @returns true once destroyed.
   */
  isDestroyed(fs: FileSystem): boolean {
    return this.#destroyed.has(fs);
  }

  /**
   * Processes using `ns`.
   *
   * @param ns A mount namespace.
   * @returns The count (0 for a dead or never used one).
   */
  users(ns: MountNamespace): number {
    return this.#users.get(ns) ?? 0;
  }

  /**
   * Count `p` in the namespace its file-system state is in now (after spawn, `unshare`,
   * `setns`); the namespace it leaves dies when it was the last user.
   *
   * @param p A live process.
   */
  track(p: Process): void {
    const now = nsOf(p);
    const before = this.#held.get(p) ?? null;
    if (now === before) return;
    if (now) {
      this.#users.set(now, (this.#users.get(now) ?? 0) + 1);
      this.#held.set(p, now);
      this.#pending.delete(now);
    } else this.#held.delete(p);
    if (before) this.#leave(before);
  }

  /**
   * `p` exited (its descriptors are closed): it leaves its namespace, and what waited for
   * a descriptor to close is checked again.
   *
   * @param p The exiting process.
   */
  untrack(p: Process): void {
    const before = this.#held.get(p);
    this.#held.delete(p);
    if (before) this.#leave(before);
    if (this.#pending.size > 0) {
      for (const ns of [...this.#pending]) {
        this.#pending.delete(ns);
        this.#release(ns);
      }
    }
    if (this.#pendingMounts.size > 0) {
      const mounts = [...this.#pendingMounts];
      this.#pendingMounts.clear();
      this.#releaseMounts(mounts, null);
    }
  }

  /**
   * `umount2` by `p` succeeded: the kernel-made file systems of the mounts it detached
   * (`before` minus what its namespace still has) are destroyed unless mounted elsewhere
   * or still open.
   *
   * @param p The caller.
   * @param before Its namespace's mounts before the call.
   */
  unmounted(p: Process, before: Mount[]): void {
    const ns = nsOf(p);
    if (!ns) return;
    const still = new Set(ns.list());
    const gone = before.filter((m) => !still.has(m) && this.#mine(m));
    if (gone.length > 0) this.#releaseMounts(gone, null);
  }

  /**
   * The mounts of the caller's namespace, for {@link unmounted}.
   *
   * @param p The caller.
   * @returns Its namespace's mounts, or an empty list.
   */
  mountsOf(p: Process): Mount[] {
    return nsOf(p)?.list() ?? [];
  }

  #mine(m: Mount): boolean {
    return this.#owned.has(m.fs) && !this.#destroyed.has(m.fs);
  }

  #leave(ns: MountNamespace): void {
    const n = (this.#users.get(ns) ?? 1) - 1;
    if (n > 0) {
      this.#users.set(ns, n);
      return;
    }
    this.#users.delete(ns);
    this.#release(ns);
  }

  /** Release the kernel-made file systems of a namespace nobody uses. */
  #release(ns: MountNamespace): void {
    if (this.#users.has(ns)) return;
    const mine = ns.list().filter((m) => this.#mine(m));
    if (mine.length === 0) return;
    if (this.#releaseMounts(mine, ns)) this.#pending.add(ns);
  }

  /**
   * Destroy the file systems of `mounts` that no live namespace mounts and no open file
   * uses, detaching their mounts from `dead` (a dead namespace) when given.
   *
   * @returns true when some must wait (an open file, or an ns descriptor naming `dead`).
   */
  #releaseMounts(mounts: Mount[], dead: MountNamespace | null): boolean {
    const { nsHeld, busy, mounted } = this.#inUse(dead);
    if (nsHeld) return true;
    let waiting = false;
    for (const m of [...mounts].reverse()) {
      if (mounted.has(m.fs)) continue;
      if (busy.has(m.fs)) {
        if (dead) waiting = true;
        else this.#pendingMounts.add(m);
        continue;
      }
      if (!this.#destroyed.has(m.fs)) {
        this.#destroyed.add(m.fs);
        (m.fs as { destroy?(): void }).destroy?.();
      }
      if (dead && m.parent) dead.detach(m);
    }
    return waiting;
  }

  /**
   * What live processes hold: an ns descriptor naming `dead`, open files (by file
   * system), and the file systems mounted in the namespaces in use.
   */
  #inUse(dead: MountNamespace | null): {
    nsHeld: boolean;
    busy: Set<FileSystem>;
    mounted: Set<FileSystem>;
  } {
    const busy = new Set<FileSystem>();
    const mounted = new Set<FileSystem>();
    let nsHeld = false;
    for (const ns of [...this.#users.keys(), ...this.#pending]) {
      if (ns === dead) continue;
      for (const m of ns.list()) mounted.add(m.fs);
    }
    for (const p of this.#live()) {
      if (!p.alive) continue;
      const fds = (p.fs as { fds?: FdsView }).fds;
      if (!fds?.get) continue;
      for (const fd of fds.fds()) {
        const loc = fds.get(fd)?.loc;
        if (!loc) continue;
        if (loc.mount) busy.add(loc.mount.fs);
        const node = loc.inode as { kind?: string; ns?: unknown } | undefined;
        if (dead && node?.kind === "mnt" && node.ns === dead) nsHeld = true;
      }
    }
    return { nsHeld, busy, mounted };
  }
}
