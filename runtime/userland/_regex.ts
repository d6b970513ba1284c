/**
 * POSIX regular expressions (BRE and ERE, with GNU extensions) translated to JavaScript
 * `RegExp` source, for grep, sed, find -regex and expr.
 *
 * @module
 */

const CLASSES: Record<string, string> = {
  alpha: "a-zA-Z",
  digit: "0-9",
  alnum: "a-zA-Z0-9",
  upper: "A-Z",
  lower: "a-z",
  space: " \\t\\n\\r\\f\\v",
  blank: " \\t",
  punct: "!-\\/:-@\\[-`{-~",
  print: " -~",
  graph: "!-~",
  cntrl: "\\x00-\\x1f\\x7f",
  xdigit: "0-9A-Fa-f",
};

/**
 * Translate a POSIX bracket expression starting at `i` (the `[`).
 *
 * @returns The JS class and the index after the closing `]`, or null when unterminated.
 */
function bracket(p: string, i: number): { src: string; end: number } | null {
  let j = i + 1;
  let src = "[";
  if (p[j] === "^") {
    src += "^";
    j++;
  }
  let first = true;
  for (; j < p.length; j++) {
    const c = p[j]!;
    if (c === "]" && !first) return { src: src + "]", end: j + 1 };
    first = false;
    if (c === "[" && p[j + 1] === ":") {
      const close = p.indexOf(":]", j + 2);
      if (close < 0) return null;
      const name = p.slice(j + 2, close);
      const cls = CLASSES[name];
      if (cls === undefined) return null;
      src += cls;
      j = close + 1;
      continue;
    }
    if (c === "[" && (p[j + 1] === "." || p[j + 1] === "=")) {
      const endTok = p[j + 1] + "]";
      const close = p.indexOf(endTok, j + 2);
      if (close < 0) return null;
      src += escapeClassChar(p.slice(j + 2, close));
      j = close + 1;
      continue;
    }
    src += escapeClassChar(c);
  }
  return null;
}

function escapeClassChar(c: string): string {
  return c === "\\" || c === "]" || c === "[" || c === "^" ? "\\" + c : c;
}

/** A translation failure (grep prints it as `grep: Unmatched [`…). */
export class RegexError extends Error {}

/**
 * Translate a POSIX regex to JS source.
 *
 * @param p The pattern.
 * @param extended ERE (`grep -E`, `sed -E`) instead of BRE.
 * @returns The JS source (for the `u`-less, non-sticky engine).
 * @example
 * ```ts
 * import { posixToJs } from "./_regex.ts";
 * console.assert(posixToJs("a\\(b\\)*c", false) === "a(b)*c");
 * ```
 */
export function posixToJs(p: string, extended: boolean): string {
  let out = "";
  let depth = 0;
  let atStart = true;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    const startOfExpr = atStart;
    atStart = false;
    if (c === "[") {
      const b = bracket(p, i);
      if (!b) throw new RegexError("Unmatched [, [^, [:, [., or [=");
      out += b.src;
      i = b.end - 1;
      continue;
    }
    if (c === "\\") {
      const n = p[++i];
      if (n === undefined) throw new RegexError("Trailing backslash");
      if (
        !extended &&
        (n === "(" || n === ")" || n === "{" || n === "}" || n === "|" || n === "+" || n === "?")
      ) {
        if (n === "(") {
          depth++;
          atStart = true;
        }
        if (n === ")") depth--;
        if (n === "|") atStart = true;
        out += n;
        continue;
      }
      if (n === "<") out += "\\b(?=\\w)";
      else if (n === ">") out += "\\b(?<=\\w)";
      else if ("wWsSbB".includes(n)) out += "\\" + n;
      else if (/[1-9]/.test(n)) out += "\\" + n;
      else if (n === "n") out += "\\n";
      else if (n === "t") out += "\\t";
      else out += /[\w]/.test(n) ? n : "\\" + n;
      continue;
    }
    if (extended) {
      if (c === "(") {
        depth++;
        atStart = true;
        out += c;
        continue;
      }
      if (c === ")") {
        if (depth === 0) {
          out += "\\)";
          continue;
        }
        depth--;
        out += c;
        continue;
      }
      if (c === "|") {
        atStart = true;
        out += c;
        continue;
      }
      if (c === "{") {
        if (/^\{\d*(,\d*)?\}/.test(p.slice(i)) && !startOfExpr) out += c;
        else out += "\\{";
        continue;
      }
      if (c === "}") {
        out += /\{\d*(,\d*)?$/.test(out) ? c : "\\}";
        continue;
      }
      if ((c === "*" || c === "+" || c === "?") && startOfExpr) {
        out += "\\" + c;
        continue;
      }
      out += c === "/" ? "\\/" : c;
      continue;
    }
    // BRE: ( ) { } | + ? are literal.
    if ("(){}|+?".includes(c)) {
      out += "\\" + c;
      continue;
    }
    if (c === "*" && startOfExpr) {
      out += "\\*";
      continue;
    }
    if (c === "^" && !startOfExpr) {
      out += "\\^";
      continue;
    }
    if (
      c === "$" && i !== p.length - 1 &&
      !(p.slice(i + 1).startsWith("\\)") || p.slice(i + 1).startsWith("\\|"))
    ) {
      out += "\\$";
      continue;
    }
    if (c === "^") atStart = true;
    out += c === "/" ? "\\/" : c;
  }
  if (depth > 0) throw new RegexError("Unmatched ( or \\(");
  return out;
}

/**
 * Compile a POSIX regex.
 *
 * @param p Pattern.
 * @param opts `extended`, `ignoreCase`, `global`, `fixed` (a literal string).
 * @returns The RegExp; throws {@link RegexError} for invalid patterns.
 */
export function compileRegex(
  p: string,
  opts: { extended?: boolean; ignoreCase?: boolean; global?: boolean; fixed?: boolean } = {},
): RegExp {
  const src = opts.fixed
    ? p.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")
    : posixToJs(p, opts.extended ?? false);
  try {
    return new RegExp(src, (opts.ignoreCase ? "i" : "") + (opts.global ? "g" : "") + "m".slice(1));
  } catch (e) {
    throw new RegexError(
      e instanceof Error
        ? e.message.replace(/^Invalid regular expression: /, "")
        : "Invalid regular expression",
    );
  }
}
