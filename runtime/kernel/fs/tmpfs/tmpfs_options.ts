/**
 * tmpfs mount options (`size=`, `mode=`), re-exported by `tmpfs.ts`.
 *
 * @module
 */
import { Errno } from "../../errno.ts";

/**
 * Parse tmpfs mount data (`size=64m,mode=1777`).
 *
 * @param data Comma-separated options.
 * @returns Size limit in bytes and root mode, or `EINVAL`.
 * @example
 * ```ts
 * import { parseTmpfsOptions } from "./tmpfs.ts";
 * console.assert((parseTmpfsOptions("size=1k") as { sizeLimit: number }).sizeLimit === 1024);
 * ```
 */
export function parseTmpfsOptions(
  data: string,
): { sizeLimit?: number; rootMode?: number } | Errno {
  const out: { sizeLimit?: number; rootMode?: number } = {};
  for (const opt of data.split(",")) {
    if (!opt) continue;
    const [k, v = ""] = opt.split("=", 2);
    if (k === "size") {
      const m = /^(\d+)([kmg]?)$/i.exec(v);
      if (!m) return Errno.EINVAL;
      const mult = { "": 1, k: 1024, m: 1 << 20, g: 1 << 30 }[(m[2] ?? "").toLowerCase()] ?? 1;
      out.sizeLimit = Number(m[1]) * mult;
    } else if (k === "mode") {
      if (!/^[0-7]+$/.test(v)) return Errno.EINVAL;
      out.rootMode = parseInt(v, 8);
    }
  }
  return out;
}
