/**
 * Checks the state root's path before the daemon uses it: a component that is a symlink
 * into a directory another user owns (or a root owned by someone else) could hand that
 * user the daemon's state and socket, so the daemon says so in its log.
 *
 * @module
 */
import { dirname, isAbsolute, join, resolve } from "node:path";

/**
 * Warnings about the path of `root`: every component that is a symlink resolving into a
 * directory owned by another user (neither the daemon's uid nor root), and a root
 * directory owned by another user.
 *
 * @param root The state root (need not exist yet).
 * @param uid The daemon's uid (default: the process's).
 * @returns One sentence per finding; empty when the path is safe.
 * @example
 * ```ts ignore
 * for (const w of rootPathWarnings("/tmp/link/berth")) console.error(`warning: ${w}`);
 * ```
 */
export function rootPathWarnings(root: string, uid: number | null = Deno.uid()): string[] {
  if (uid === null) return []; // Windows: no uids to compare
  const warnings: string[] = [];
  const abs = resolve(root);
  const parts = abs.split("/").filter((p) => p !== "");
  let at = "/";
  for (const part of parts) {
    const path = join(at, part);
    let st: Deno.FileInfo;
    try {
      st = Deno.lstatSync(path);
    } catch {
      break; // the rest is created by the daemon itself
    }
    if (st.isSymlink) {
      const link = Deno.readLinkSync(path);
      const target = isAbsolute(link) ? link : resolve(dirname(path), link);
      try {
        const real = Deno.realPathSync(target);
        const owner = Deno.statSync(real).uid;
        if (owner !== null && owner !== uid && owner !== 0) {
          warnings.push(
            `${path} is a symlink to ${real}, owned by uid ${owner}: that user can read and ` +
              `replace Berth's state and socket under it`,
          );
        }
      } catch { /* dangling: mkdir will fail with its own message */ }
    }
    at = path;
  }
  try {
    const owner = Deno.statSync(abs).uid;
    if (owner !== null && owner !== uid) {
      warnings.push(
        `the state root ${abs} is owned by uid ${owner}, not by this daemon (uid ${uid})`,
      );
    }
  } catch { /* not created yet */ }
  return warnings;
}
