/**
 * Pathname expansion (POSIX 2.13.3) through `getdents64`: each pattern component is
 * matched against directory entries; a leading `.` must be matched explicitly;
 * results are sorted.
 *
 * @module
 */
import type { Syscalls } from "../../kernel/syscalls/api.ts";
import { O } from "../../kernel/syscalls/api.ts";
import { hasMagic, patternToRegExp, unescapePattern } from "./pattern.ts";

const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
const DT_DIR = 4;
const DT_LNK = 10;
const DT_UNKNOWN = 0;

async function listDir(sys: Syscalls, dir: string): Promise<{ name: string; type: number }[]> {
  let fd = sys.openat(AT_FDCWD, dir === "" ? "." : dir, O.RDONLY | O.DIRECTORY | O.CLOEXEC, 0);
  if (fd instanceof Promise) fd = await fd;
  if (fd < 0) return [];
  const out: { name: string; type: number }[] = [];
  try {
    for (;;) {
      const ents = sys.getdents64(fd, 1024);
      if (typeof ents === "number" || ents.length === 0) break;
      for (const e of ents) if (e.name !== "." && e.name !== "..") out.push(e);
    }
  } finally {
    sys.close(fd);
  }
  return out;
}

function isDir(sys: Syscalls, path: string, type: number): boolean {
  if (type === DT_DIR) return true;
  if (type !== DT_UNKNOWN && type !== DT_LNK) return false;
  const st = sys.fstatat(AT_FDCWD, path, 0);
  return typeof st === "object" && (st.mode & 0o170000) === 0o040000;
}

function exists(sys: Syscalls, path: string): boolean {
  return typeof sys.fstatat(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW) === "object";
}

/**
 * Expands a pathname pattern.
 *
 * @param sys System calls of the shell.
 * @param pattern Pattern (backslash escapes literal characters).
 * @returns Matching paths, sorted; empty when nothing matches.
 * @example
 * ```ts ignore
 * await glob(sys, "/etc/*.conf"); // ["/etc/a.conf", "/etc/b.conf"]
 * ```
 */
export async function glob(sys: Syscalls, pattern: string): Promise<string[]> {
  const absolute = pattern.startsWith("/");
  const comps = pattern.split("/").filter((c, i) => c !== "" || i === 0);
  if (absolute) comps.shift();
  const needDir = pattern.endsWith("/");
  let paths: string[] = [absolute ? "/" : ""];
  for (let i = 0; i < comps.length; i++) {
    const comp = comps[i]!;
    const last = i === comps.length - 1;
    const next: string[] = [];
    for (const base of paths) {
      const join = (
        name: string,
      ) => (base === "" ? name : base.endsWith("/") ? base + name : `${base}/${name}`);
      if (!hasMagic(comp)) {
        const p = join(unescapePattern(comp));
        if (last ? exists(sys, p) : isDir(sys, p, DT_UNKNOWN)) next.push(p);
        continue;
      }
      const re = patternToRegExp(comp, true);
      const dotOk = comp.startsWith(".") || comp.startsWith("\\.");
      for (const e of await listDir(sys, base)) {
        if (e.name.startsWith(".") && !dotOk) continue;
        if (!re.test(e.name)) continue;
        const p = join(e.name);
        if ((!last || needDir) && !isDir(sys, p, e.type)) continue;
        next.push(p);
      }
    }
    paths = next;
    if (paths.length === 0) break;
  }
  if (needDir) paths = paths.map((p) => p + "/");
  paths.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return paths;
}
