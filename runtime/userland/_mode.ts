/**
 * chmod-style mode expressions: octal (`755`) and symbolic (`u+x,go-w`, `a=r`, `+X`).
 *
 * @module
 */

/**
 * Apply a mode expression to a mode.
 *
 * @param expr Octal or symbolic expression.
 * @param old The current permission bits (`st_mode & 0o7777`).
 * @param isDir Whether the file is a directory (for `X`).
 * @param umask Umask for operations without a who part (`+x`).
 * @returns The new permission bits, or null when the expression is invalid.
 * @example
 * ```ts
 * import { applyMode } from "./_mode.ts";
 * console.assert(applyMode("u+x,go-w", 0o666, false, 0o022) === 0o744);
 * ```
 */
export function applyMode(expr: string, old: number, isDir: boolean, umask: number): number | null {
  if (/^[0-7]{1,4}$/.test(expr)) return Number.parseInt(expr, 8);
  let mode = old & 0o7777;
  for (const clause of expr.split(",")) {
    const m = /^([ugoa]*)((?:[-+=][rwxXstugo]*)+)$/.exec(clause);
    if (!m) return null;
    let who = 0;
    for (const c of m[1]!) {
      if (c === "u") who |= 0o4700;
      else if (c === "g") who |= 0o2070;
      else if (c === "o") who |= 0o1007;
      else who |= 0o7777;
    }
    const masked = who === 0;
    if (masked) who = 0o7777 & ~umask;
    const ops = m[2]!.match(/[-+=][rwxXstugo]*/g) ?? [];
    for (const op of ops) {
      const kind = op[0]!;
      let bits = 0;
      for (const c of op.slice(1)) {
        if (c === "r") bits |= 0o444;
        else if (c === "w") bits |= 0o222;
        else if (c === "x") bits |= 0o111;
        else if (c === "X") bits |= isDir || (old & 0o111) ? 0o111 : 0;
        else if (c === "s") bits |= 0o6000;
        else if (c === "t") bits |= 0o1000;
        else {
          const src = c === "u" ? (mode >> 6) & 7 : c === "g" ? (mode >> 3) & 7 : mode & 7;
          bits |= src * 0o111;
        }
      }
      bits &= who;
      if (kind === "+") mode |= bits;
      else if (kind === "-") mode &= ~bits;
      else {
        const clear = masked ? 0o7777 : who;
        mode = (mode & ~(clear & 0o7777)) | bits;
      }
    }
  }
  return mode & 0o7777;
}
