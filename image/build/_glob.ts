/**
 * Go `filepath.Match` for one path component (`*`, `?`, `[…]`, `[^…]`, `\` escapes),
 * used to expand `COPY`/`ADD` source wildcards.
 *
 * @module
 */

const cache = new Map<string, RegExp>();

/**
 * Whether a pattern contains wildcard characters.
 *
 * @param pattern A path or pattern.
 * @returns True when it has `*`, `?` or `[`.
 */
export function hasWildcards(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

/**
 * Match one name against one component pattern, like Go's `filepath.Match`.
 *
 * @param pattern The pattern (no slashes).
 * @param name The name.
 * @returns True when it matches.
 */
export function matchComponent(pattern: string, name: string): boolean {
  let re = cache.get(pattern);
  if (!re) {
    let src = "^";
    for (let i = 0; i < pattern.length; i++) {
      const ch = pattern[i]!;
      if (ch === "*") src += "[^/]*";
      else if (ch === "?") src += "[^/]";
      else if (ch === "\\" && i + 1 < pattern.length) {
        i++;
        src += pattern[i]!.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
      } else if (ch === "[") {
        const end = pattern.indexOf("]", i + 2);
        if (end < 0) {
          src += "\\[";
          continue;
        }
        let cls = pattern.slice(i + 1, end);
        if (cls.startsWith("^") || cls.startsWith("!")) cls = "^" + cls.slice(1);
        src += `[${cls.replace(/\\/g, "\\\\")}]`;
        i = end;
      } else src += ch.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    }
    re = new RegExp(src + "$", "s");
    cache.set(pattern, re);
  }
  return re.test(name);
}
