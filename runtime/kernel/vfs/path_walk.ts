/**
 * The one path walk of the kernel. Every path a process gives is resolved here:
 * relative to its cwd or a dirfd, symlinks followed (at most {@link MAX_SYMLINKS},
 * then `ELOOP`), absolute symlink targets restarting at the *process's* root, `..` at that
 * root staying there, mount points crossed both ways.
 *
 * Security model: the walk starts at the root or at a location the caller holds (cwd or a
 * dirfd), and only moves by `lookup` (down), mounts (down) and {@link dotdot} (up). `dotdot`
 * stops at the root, and never returns a place that is not beneath the root (it returns
 * the root instead): a directory renamed out from under a process cannot take `..` above
 * the root. A relative walk whose start (cwd or dirfd) is not beneath the root fails with
 * `ENOENT` — stricter than Linux, where `chroot` without `chdir` or an fd opened before
 * `chroot` are classic escapes. The walk is synchronous, so no other process runs in the
 * middle of it.
 *
 * @module
 */
import { Errno } from "../errno.ts";
import { checkAccess, MAY } from "./permission.ts";
import { followMounts, type Loc } from "./mount.ts";
import { isDir, isLnk, MAX_SYMLINKS, NAME_MAX, type OpContext, PATH_MAX, permOf } from "./types.ts";
import type { Mount } from "./mount.ts";

/** How to treat the last component. */
export interface WalkOptions {
  /** Follow a symlink in the last component (not for `AT_SYMLINK_NOFOLLOW`, `O_NOFOLLOW`). */
  follow: boolean;
  /**
   * The caller creates, removes or renames the last component: a missing last component is
   * not an error, the result then has `loc: null` and the parent to create it in.
   */
  parent?: boolean;
}

/** What a walk found. */
export interface WalkResult {
  /** Directory holding the last component (null when the path names the root, "/"). */
  parent: Loc | null;
  /** Last component ("" for "/"; may be "." or ".."). */
  name: string;
  /** The last component, or null when it does not exist (only with `parent`). */
  loc: Loc | null;
  /** The path ended with "/": the result must be a directory. */
  trailingSlash: boolean;
}

const encoder = new TextEncoder();
// deno-lint-ignore no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;

/** Byte length of `s` in UTF-8. */
function byteLength(s: string): number {
  return NON_ASCII.test(s) ? encoder.encode(s).length : s.length;
}

/** Whether two places are the same. */
export function sameLoc(a: Loc, b: Loc): boolean {
  return a.mount === b.mount && a.inode === b.inode;
}

/**
 * Whether `loc` lies at or beneath `root`, going up through parents and mount points.
 *
 * @param loc A place.
 * @param root The process root.
 * @returns True when `root` is an ancestor of (or is) `loc`.
 */
export function isBeneath(loc: Loc, root: Loc): boolean {
  let cur = loc;
  for (let guard = 0; guard < 100_000; guard++) {
    if (sameLoc(cur, root)) return true;
    if (cur.inode !== cur.mount.root) {
      const p = cur.inode.parent?.();
      if (!p || p === cur.inode) return false;
      cur = { mount: cur.mount, inode: p };
    } else {
      if (!cur.mount.parent || !cur.mount.mountpoint) return false;
      cur = { mount: cur.mount.parent, inode: cur.mount.mountpoint };
    }
  }
  return false;
}

/**
 * The place `..` leads to from `cur`, never above `root`.
 *
 * @param cur A directory.
 * @param root The process root.
 * @returns The parent place (or `root`/`cur` when there is none).
 * @example
 * ```ts ignore
 * const up = dotdot(fs.cwd, fs.root);
 * ```
 */
export function dotdot(cur: Loc, root: Loc): Loc {
  let here = cur;
  for (;;) {
    if (sameLoc(here, root)) return root;
    if (here.inode !== here.mount.root) {
      const p = here.inode.parent?.() ?? here.inode;
      const next = followMounts({ mount: here.mount, inode: p });
      // A rename may have moved `cur` out from under the root: never step out.
      return isBeneath(next, root) ? next : root;
    }
    if (!here.mount.parent || !here.mount.mountpoint) return root;
    here = { mount: here.mount.parent, inode: here.mount.mountpoint };
  }
}

/**
 * Resolve `path` from `start` inside `root`.
 *
 * @param root The process root (absolute paths and absolute symlinks start here).
 * @param start Where a relative path starts (cwd or dirfd).
 * @param ctx Caller (search permission on every directory walked; procfs's `self`).
 * @param path The path.
 * @param opts Last-component handling.
 * @returns What was found, or `ENOENT ENOTDIR EACCES ELOOP ENAMETOOLONG EINVAL`.
 * @example
 * ```ts ignore
 * const r = walk(fs.root, fs.cwd, task.cred, "/etc/passwd", { follow: true });
 * ```
 */
export function walk(
  root: Loc,
  start: Loc,
  ctx: OpContext,
  path: string,
  opts: WalkOptions,
): WalkResult | Errno {
  const cred = ctx.cred;
  if (path.length === 0) return Errno.ENOENT;
  if (path.includes("\0")) return Errno.EINVAL;
  if (path.length >= PATH_MAX && byteLength(path) >= PATH_MAX) return Errno.ENAMETOOLONG;
  const trailingSlash = path.endsWith("/");
  let cur: Loc = path.charCodeAt(0) === 47 ? root : start;
  if (cur !== root && !sameLoc(cur, root)) {
    if (!isDir(permOf(cur.inode).mode)) return Errno.ENOTDIR;
    if (!isBeneath(cur, root)) return Errno.ENOENT;
  }
  // Components still to walk, last one first (so pop() gives the next one).
  const todo: string[] = [];
  pushComponents(todo, path);
  if (todo.length === 0) {
    return { parent: null, name: "", loc: cur, trailingSlash };
  }
  let links = 0;
  for (;;) {
    const name = todo.pop() as string;
    const last = todo.length === 0;
    const st = permOf(cur.inode);
    if (!isDir(st.mode)) return Errno.ENOTDIR;
    if (name.length > NAME_MAX && byteLength(name) > NAME_MAX) return Errno.ENAMETOOLONG;
    const denied = checkAccess(st, cred, MAY.EXEC);
    if (denied !== 0) return denied;
    let next: Loc;
    if (name === ".") {
      next = cur;
    } else if (name === "..") {
      next = dotdot(cur, root);
    } else {
      const child = cur.inode.lookup ? cur.inode.lookup(name, ctx) : Errno.ENOTDIR;
      if (typeof child === "number") {
        if (child === Errno.ENOENT && last && opts.parent) {
          return { parent: cur, name, loc: null, trailingSlash };
        }
        return child;
      }
      next = followMounts({ mount: cur.mount, inode: child });
      if (
        (!last || opts.follow || (trailingSlash && !opts.parent)) &&
        isLnk(permOf(next.inode).mode)
      ) {
        if (++links > MAX_SYMLINKS) return Errno.ELOOP;
        const jump = next.inode.magic?.(ctx);
        if (typeof jump === "number") return jump;
        if (jump) {
          const to = followMounts({ mount: jump.mount as Mount, inode: jump.inode });
          if (!isBeneath(to, root)) return Errno.ENOENT;
          if (last) return finish(cur, name, to, trailingSlash, opts);
          cur = to;
          continue;
        }
        const target = next.inode.readlink?.(ctx);
        if (typeof target !== "string") return target ?? Errno.EINVAL;
        if (target.length === 0) return Errno.ENOENT;
        if (target.charCodeAt(0) === 47) cur = root;
        const before = todo.length;
        pushComponents(todo, target);
        if (todo.length === before) {
          // The target names a directory itself ("/" or "."): it is the result.
          if (last) return finish(cur, ".", cur, trailingSlash, opts);
        }
        continue;
      }
    }
    if (last) return finish(cur, name, next, trailingSlash, opts);
    cur = next;
  }
}

function finish(
  parent: Loc,
  name: string,
  loc: Loc,
  trailingSlash: boolean,
  opts: WalkOptions,
): WalkResult | Errno {
  if (trailingSlash && !opts.parent && !isDir(permOf(loc.inode).mode)) return Errno.ENOTDIR;
  return { parent, name, loc, trailingSlash };
}

function pushComponents(todo: string[], path: string): void {
  const parts = path.split("/");
  for (let i = parts.length - 1; i >= 0; i--) {
    const p = parts[i] as string;
    if (p.length > 0) todo.push(p);
  }
}

/**
 * The path of `loc` as seen from `root` (getcwd, `/proc/PID/cwd`).
 *
 * @param loc A directory (or any inode reachable by name).
 * @param root The process root.
 * @returns "/a/b", or "(unreachable)" when `loc` is not beneath `root`.
 */
export function pathOf(loc: Loc, root: Loc): string {
  const names: string[] = [];
  let cur = loc;
  for (let guard = 0; guard < 10_000; guard++) {
    if (sameLoc(cur, root)) return "/" + names.reverse().join("/");
    if (cur.inode === cur.mount.root) {
      if (!cur.mount.parent || !cur.mount.mountpoint) break;
      cur = { mount: cur.mount.parent, inode: cur.mount.mountpoint };
      continue;
    }
    const p = cur.inode.parent?.();
    if (!p || p === cur.inode) break;
    const name = nameIn(p, cur.inode);
    if (name === undefined) break;
    names.push(name);
    cur = { mount: cur.mount, inode: p };
  }
  return "(unreachable)/" + names.reverse().join("/");
}

function nameIn(dir: Loc["inode"], child: Loc["inode"]): string | undefined {
  const own = child.nameInParent?.();
  if (own !== undefined) return dir.lookup?.(own) === child ? own : undefined;
  const list = dir.readdir?.();
  if (!Array.isArray(list)) return undefined;
  for (const e of list) {
    if (e.ino === child.ino && dir.lookup?.(e.name) === child) return e.name;
  }
  return undefined;
}
