/**
 * Counts with the multiplier suffixes of head/tail (`b` 512, `k`/`K` 1024, `m`/`M`, `kB`…).
 *
 * @module
 */

/**
 * Parse a non-negative count with an optional suffix.
 *
 * @param s Text such as `10`, `2k`, `1M`.
 * @returns The count, or null when invalid.
 * @example
 * ```ts
 * import { parseCount } from "./_count.ts";
 * console.assert(parseCount("2k") === 2048);
 * ```
 */
export function parseCount(s: string): number | null {
  const m = /^(\d+)(b|kB|k|K|KiB|MB|M|m|MiB|GB|G|g|GiB)?$/.exec(s);
  if (!m) return null;
  const mult: Record<string, number> = {
    b: 512,
    kB: 1000,
    k: 1024,
    K: 1024,
    KiB: 1024,
    MB: 1e6,
    M: 1048576,
    m: 1048576,
    MiB: 1048576,
    GB: 1e9,
    G: 1073741824,
    g: 1073741824,
    GiB: 1073741824,
  };
  return Number(m[1]) * (m[2] ? mult[m[2]]! : 1);
}
