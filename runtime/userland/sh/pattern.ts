/**
 * Shell pattern matching (POSIX 2.13): `*`, `?`, bracket expressions with `!`/`^`
 * negation, ranges and `[:class:]`, and backslash-escaped characters. Used by `case`,
 * `${x#pattern}` and pathname expansion.
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

const cache = new Map<string, RegExp>();

/** Escapes a character for a `u`-mode regex; `-` only needs it inside a class. */
function escapeRe(c: string, inClass = false): string {
  if (/[\\^$.*+?()[\]{}|\/]/.test(c)) return "\\" + c;
  return inClass && c === "-" ? "\\-" : c;
}

/**
 * Whether a pattern has unescaped special characters (needs matching at all).
 *
 * @param pat Pattern text (backslash escapes literal characters).
 * @returns true when `*`, `?` or `[` appear unescaped.
 * @example
 * ```ts
 * import { hasMagic } from "./pattern.ts";
 * console.assert(hasMagic("*.ts") && !hasMagic("a\\*b"));
 * ```
 */
export function hasMagic(pat: string): boolean {
  for (let i = 0; i < pat.length; i++) {
    const c = pat[i];
    if (c === "\\") i++;
    else if (c === "*" || c === "?") return true;
    else if (c === "[" && bracket(pat, i + 1) !== undefined) return true;
  }
  return false;
}

/**
 * Removes the backslashes of a pattern (the text a non-matching glob stands for).
 *
 * @param pat Pattern text.
 * @returns The literal text.
 * @example
 * ```ts
 * import { unescapePattern } from "./pattern.ts";
 * console.assert(unescapePattern("a\\*") === "a*");
 * ```
 */
export function unescapePattern(pat: string): string {
  let out = "";
  for (let i = 0; i < pat.length; i++) {
    if (pat[i] === "\\" && i + 1 < pat.length) i++;
    out += pat[i];
  }
  return out;
}

/** Converts a bracket expression starting at `i` (after `[`); returns [regex, end] or undefined. */
function bracket(pat: string, i: number): [string, number] | undefined {
  let j = i;
  let neg = false;
  if (pat[j] === "!" || pat[j] === "^") {
    neg = true;
    j++;
  }
  let body = "";
  let first = true;
  while (j < pat.length) {
    const c = pat[j]!;
    if (c === "]" && !first) {
      return [`[${neg ? "^" : ""}${body}]`, j + 1];
    }
    first = false;
    if (c === "[" && pat[j + 1] === ":") {
      const end = pat.indexOf(":]", j + 2);
      if (end > 0) {
        const cls = CLASSES[pat.slice(j + 2, end)];
        if (cls !== undefined) {
          body += cls;
          j = end + 2;
          continue;
        }
      }
    }
    if (c === "\\" && j + 1 < pat.length) {
      body += escapeRe(pat[j + 1]!, true);
      j += 2;
      continue;
    }
    if (c === "-" && body !== "" && pat[j + 1] !== "]" && pat[j + 1] !== undefined) {
      body += "-";
      j++;
      continue;
    }
    body += escapeRe(c, true);
    j++;
  }
  return undefined;
}

/**
 * Compiles a shell pattern to an anchored regular expression.
 *
 * @param pat Pattern text.
 * @param pathname When true, `*`, `?` and brackets never match `/` (pathname expansion).
 * @returns The regex.
 * @example
 * ```ts
 * import { patternToRegExp } from "./pattern.ts";
 * console.assert(patternToRegExp("a*[0-9]", false).test("abc7"));
 * ```
 */
export function patternToRegExp(pat: string, pathname: boolean): RegExp {
  const key = (pathname ? "p" : "s") + pat;
  const hit = cache.get(key);
  if (hit) return hit;
  let re = "";
  const any = pathname ? "[^/]" : "[\\s\\S]";
  for (let i = 0; i < pat.length; i++) {
    const c = pat[i]!;
    if (c === "\\") {
      if (i + 1 < pat.length) re += escapeRe(pat[++i]!);
      else re += "\\\\";
    } else if (c === "*") re += any + "*";
    else if (c === "?") re += any;
    else if (c === "[") {
      const b = bracket(pat, i + 1);
      if (b) {
        re += pathname ? `(?!/)${b[0]}` : b[0];
        i = b[1] - 1;
      } else re += "\\[";
    } else re += escapeRe(c);
  }
  const rx = new RegExp(`^${re}$`, "u");
  if (cache.size > 2000) cache.clear();
  cache.set(key, rx);
  return rx;
}

/**
 * Whether `text` matches the shell pattern `pat` entirely.
 *
 * @param pat Pattern.
 * @param text Text.
 * @returns true on a match.
 * @example
 * ```ts
 * import { matchPattern } from "./pattern.ts";
 * console.assert(matchPattern("*.t[sx]", "mod.ts"));
 * ```
 */
export function matchPattern(pat: string, text: string): boolean {
  return patternMatcher(pat).test(text);
}

/** Something that tests whole strings against one pattern. */
interface Matcher {
  test(text: string): boolean;
}

const matchers = new Map<string, Matcher>();

/**
 * The matcher of a pattern (not for pathnames), cached: a literal compares strings; a
 * pattern of literal text and `*` only (`*.txt`, `abc*`, `*abab`) is matched with
 * `startsWith`/`indexOf`/`endsWith`, because leftmost-first placement of each literal
 * is a match whenever one exists; anything else uses {@link patternToRegExp}.
 */
function patternMatcher(pat: string): Matcher {
  let m = matchers.get(pat);
  if (m) return m;
  m = compileMatcher(pat);
  if (matchers.size > 2000) matchers.clear();
  matchers.set(pat, m);
  return m;
}

function compileMatcher(pat: string): Matcher {
  if (!hasMagic(pat)) {
    const lit = unescapePattern(pat);
    return { test: (text) => text === lit };
  }
  // Literal segments between stars, or a regex when there is more than `*`.
  // A pattern with surrogates keeps the regex: its code-point semantics then matter.
  const segs: string[] = [];
  let cur = "";
  for (let i = 0; i < pat.length; i++) {
    const c = pat[i]!;
    const code = pat.charCodeAt(i);
    if (c === "?" || c === "[" || (code >= 0xd800 && code <= 0xdfff)) {
      return patternToRegExp(pat, false);
    }
    if (c === "\\") {
      if (i + 1 < pat.length) {
        const next = pat.charCodeAt(i + 1);
        if (next >= 0xd800 && next <= 0xdfff) return patternToRegExp(pat, false);
        cur += pat[++i];
      } else cur += "\\";
    } else if (c === "*") {
      segs.push(cur);
      cur = "";
    } else cur += c;
  }
  segs.push(cur);
  return starMatcher(segs);
}

/** `segs[0]*segs[1]*…*segs[n-1]` (at least two segments: there is a star). */
function starMatcher(segs: string[]): Matcher {
  const head = segs[0]!;
  const tail = segs[segs.length - 1]!;
  const middle = segs.slice(1, -1).filter((s) => s !== "");
  const min = head.length + tail.length;
  return {
    test(text: string): boolean {
      if (text.length < min || !text.startsWith(head) || !text.endsWith(tail)) return false;
      let at = head.length;
      const end = text.length - tail.length;
      for (const seg of middle) {
        const i = text.indexOf(seg, at);
        if (i < 0 || i + seg.length > end) return false;
        at = i + seg.length;
      }
      return true;
    },
  };
}

/**
 * Removes the shortest or longest prefix or suffix matching `pat`, as
 * `${x#p} ${x##p} ${x%p} ${x%%p}` do.
 *
 * @param text The value.
 * @param pat The pattern.
 * @param op Which end and how much.
 * @returns The value with the match removed (unchanged when nothing matches).
 * @example
 * ```ts
 * import { trimPattern } from "./pattern.ts";
 * console.assert(trimPattern("a/b/c.tar.gz", "*.", "##") === "gz");
 * ```
 */
export function trimPattern(text: string, pat: string, op: "#" | "##" | "%" | "%%"): string {
  const n = text.length;
  // Cut only between code points, as if the text were an array of them.
  const split = hasSurrogates(text);
  const cut = (i: number) => !split || i === 0 || i === n || !pairAt(text, i - 1);
  if (!hasMagic(pat)) {
    // A literal: only one candidate can match.
    const lit = unescapePattern(pat);
    if (op === "#" || op === "##") {
      return text.startsWith(lit) && cut(lit.length) ? text.slice(lit.length) : text;
    }
    const at = n - lit.length;
    return at >= 0 && text.endsWith(lit) && cut(at) ? text.slice(0, at) : text;
  }
  const rx = patternMatcher(pat);
  if (op === "#") {
    for (let i = 0; i <= n; i++) {
      if (cut(i) && rx.test(text.slice(0, i))) return text.slice(i);
    }
  } else if (op === "##") {
    for (let i = n; i >= 0; i--) {
      if (cut(i) && rx.test(text.slice(0, i))) return text.slice(i);
    }
  } else if (op === "%") {
    for (let i = n; i >= 0; i--) {
      if (cut(i) && rx.test(text.slice(i))) return text.slice(0, i);
    }
  } else {
    for (let i = 0; i <= n; i++) {
      if (cut(i) && rx.test(text.slice(i))) return text.slice(0, i);
    }
  }
  return text;
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** Whether a string has UTF-16 surrogates (code points above U+FFFF, or lone halves). */
function hasSurrogates(text: string): boolean {
  return SURROGATE.test(text);
}

/** Whether `text[i]` and `text[i + 1]` are one code point (a surrogate pair). */
function pairAt(text: string, i: number): boolean {
  const hi = text.charCodeAt(i);
  if (hi < 0xd800 || hi > 0xdbff) return false;
  const lo = text.charCodeAt(i + 1);
  return lo >= 0xdc00 && lo <= 0xdfff;
}

/**
 * The length of a string in code points (what `${#x}` counts), without building an
 * array of them.
 *
 * @param text The string.
 * @returns Its number of code points (a lone surrogate counts as one).
 * @example
 * ```ts
 * import { codePointLength } from "./pattern.ts";
 * console.assert(codePointLength("a\u{1F600}b") === 3);
 * ```
 */
export function codePointLength(text: string): number {
  if (!hasSurrogates(text)) return text.length;
  let n = 0;
  for (let i = 0; i < text.length; i++, n++) if (pairAt(text, i)) i++;
  return n;
}
