/**
 * fnmatch(3)-style shell patterns (`*`, `?`, `[a-z]`, `[!x]`, `\\x`) for find -name,
 * grep --include and pkill-free matching.
 *
 * @module
 */

const cache = new Map<string, RegExp>();

/**
 * Translate a shell pattern to a RegExp matching whole strings.
 *
 * @param pattern The pattern.
 * @param ignoreCase Case-insensitive (`-iname`).
 * @returns The RegExp.
 */
export function globToRegExp(pattern: string, ignoreCase = false): RegExp {
  const key = (ignoreCase ? "i:" : "s:") + pattern;
  const hit = cache.get(key);
  if (hit) return hit;
  let src = "^";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") src += "[^]*";
    else if (c === "?") src += "[^]";
    else if (c === "\\" && i + 1 < pattern.length) {
      src += "\\" + escapeChar(pattern[++i]!).replace(/^\\/, "");
    } else if (c === "[") {
      let j = i + 1;
      let cls = "[";
      if (pattern[j] === "!" || pattern[j] === "^") {
        cls += "^";
        j++;
      }
      if (pattern[j] === "]") {
        cls += "\\]";
        j++;
      }
      while (j < pattern.length && pattern[j] !== "]") {
        const d = pattern[j]!;
        if (d === "[" && pattern[j + 1] === ":") {
          const end = pattern.indexOf(":]", j);
          if (end > 0) {
            const name = pattern.slice(j + 2, end);
            const map: Record<string, string> = {
              alpha: "a-zA-Z",
              digit: "0-9",
              alnum: "a-zA-Z0-9",
              upper: "A-Z",
              lower: "a-z",
              space: "\\s",
            };
            cls += map[name] ?? "";
            j = end + 2;
            continue;
          }
        }
        cls += d === "\\" ? "\\\\" : d === "^" ? "\\^" : d;
        j++;
      }
      if (j >= pattern.length) src += "\\[";
      else {
        src += cls + "]";
        i = j;
      }
    } else src += escapeChar(c);
  }
  const re = new RegExp(src + "$", ignoreCase ? "i" : "");
  cache.set(key, re);
  return re;
}

function escapeChar(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? "\\" + c : c;
}

/**
 * Whether `name` matches the shell pattern.
 *
 * @param pattern Pattern.
 * @param name Text.
 * @param ignoreCase Case-insensitive.
 * @returns true on a match.
 * @example
 * ```ts
 * import { matchGlob } from "./_glob.ts";
 * console.assert(matchGlob("*.ts", "mod.ts") && !matchGlob("[!m]*", "mod"));
 * ```
 */
export function matchGlob(pattern: string, name: string, ignoreCase = false): boolean {
  return globToRegExp(pattern, ignoreCase).test(name);
}
