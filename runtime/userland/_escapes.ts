/**
 * Backslash escapes as `echo -e` and `printf` interpret them.
 *
 * @module
 */

/**
 * Expand `\n \t \\ \0NNN \xHH \a \b \e \f \r \v`, and `\c` (stop all output).
 *
 * @param s Text with escapes.
 * @param octalNeedsZero true for `echo -e` (`\0NNN`), false for printf's `\NNN`.
 * @returns The expanded text and whether `\c` was seen.
 * @example
 * ```ts
 * import { expandEscapes } from "./_escapes.ts";
 * console.assert(expandEscapes("a\\tb", true).text === "a\tb");
 * ```
 */
export function expandEscapes(s: string, octalNeedsZero: boolean): { text: string; stop: boolean } {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== "\\" || i + 1 >= s.length) {
      out += c;
      continue;
    }
    const n = s[++i]!;
    switch (n) {
      case "n":
        out += "\n";
        break;
      case "t":
        out += "\t";
        break;
      case "\\":
        out += "\\";
        break;
      case "a":
        out += "\x07";
        break;
      case "b":
        out += "\b";
        break;
      case "e":
        out += "\x1b";
        break;
      case "f":
        out += "\f";
        break;
      case "r":
        out += "\r";
        break;
      case "v":
        out += "\v";
        break;
      case "c":
        return { text: out, stop: true };
      case "x": {
        const m = /^[0-9a-fA-F]{1,2}/.exec(s.slice(i + 1));
        if (!m) {
          out += "\\x";
          break;
        }
        out += String.fromCharCode(Number.parseInt(m[0], 16));
        i += m[0].length;
        break;
      }
      default: {
        if (n >= "0" && n <= "7" && (!octalNeedsZero || n === "0")) {
          const start = octalNeedsZero ? i + 1 : i;
          const digits = /^[0-7]{0,3}/.exec(s.slice(start))![0];
          out += String.fromCharCode(digits === "" ? 0 : Number.parseInt(digits, 8) & 0xff);
          i = start + digits.length - 1;
          break;
        }
        out += "\\" + n;
      }
    }
  }
  return { text: out, stop: false };
}
