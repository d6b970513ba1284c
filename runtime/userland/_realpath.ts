/**
 * Path canonicalization for `realpath` and `readlink -f/-e/-m`, resolving symlinks with
 * `readlinkat` (inside the process's root, like every other path).
 *
 * @module
 */
import { Errno, isErrno } from "../kernel/errno.ts";
import type { Syscalls } from "../kernel/syscalls/api.ts";
import { isDir, isLink, lstat } from "./_fs.ts";

/**
 * Canonicalize a path.
 *
 * @param sys System calls.
 * @param path The path.
 * @param mode `e`: every component must exist; `f`: all but the last; `m`: none need to.
 * @returns The absolute path without `.`, `..` or symlinks, or an errno.
 * @example
 * ```ts ignore
 * await canonicalize(sys, "/bin/../etc/./passwd", "e"); // "/etc/passwd"
 * ```
 */
export function canonicalize(sys: Syscalls, path: string, mode: "e" | "f" | "m"): string | Errno {
  let cwd = "/";
  if (!path.startsWith("/")) {
    const c = sys.getcwd();
    if (isErrno(c)) return c;
    cwd = c;
  }
  const pending = (path.startsWith("/") ? path : `${cwd}/${path}`).split("/").filter((p) =>
    p && p !== "."
  );
  pending.reverse();
  const done: string[] = [];
  let links = 0;
  let missing = false;
  while (pending.length) {
    const part = pending.pop()!;
    if (part === "..") {
      done.pop();
      continue;
    }
    const cur = "/" + [...done, part].join("/");
    const last = pending.length === 0;
    if (missing) {
      if (mode !== "m") return Errno.ENOENT;
      done.push(part);
      continue;
    }
    const st = lstat(sys, cur);
    if (isErrno(st)) {
      if (st !== Errno.ENOENT) return st;
      if (mode === "e" || (mode === "f" && !last)) return st;
      missing = true;
      done.push(part);
      continue;
    }
    if (isLink(st.mode)) {
      if (++links > 40) return Errno.ELOOP;
      const target = sys.readlinkat(-100, cur);
      if (isErrno(target)) return target;
      const parts = target.split("/").filter((p) => p && p !== ".");
      if (target.startsWith("/")) done.length = 0;
      for (let i = parts.length - 1; i >= 0; i--) pending.push(parts[i]!);
      continue;
    }
    if (!last && !isDir(st.mode) && mode !== "m") return Errno.ENOTDIR;
    done.push(part);
  }
  return "/" + done.join("/");
}
