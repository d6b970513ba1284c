/**
 * `.dockerignore` / `.containerignore` matching with Docker's semantics: Go
 * `filepath.Match` patterns (`*`, `?`, `[…]`, `\` escapes) plus `**` for any number of
 * directories, `!` exceptions, the last matching line wins, and a path is excluded when
 * it or any of its parent directories matches.
 *
 * @module
 */

/** One compiled line of an ignore file. */
interface IgnorePattern {
  /** The cleaned pattern text. */
  text: string;
  /** `!pattern`: re-include what matches. */
  exclusion: boolean;
  regex: RegExp;
}

function cleanPath(p: string): string {
  const parts: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.length > 0 && parts[parts.length - 1] !== "..") parts.pop();
      else parts.push("..");
      continue;
    }
    parts.push(part);
  }
  return parts.join("/") || ".";
}

const REGEX_SPECIAL = new Set([".", "+", "(", ")", "|", "{", "}", "$", "^"]);

function compile(pattern: string): RegExp {
  let re = "^";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "*") {
      if (pattern[i + 1] === "*") {
        i++;
        if (pattern[i + 1] === "/") i++;
        re += i + 1 >= pattern.length ? ".*" : "(?:.*/)?";
      } else {
        re += "[^/]*";
      }
    } else if (ch === "?") {
      re += "[^/]";
    } else if (ch === "\\") {
      i++;
      const next = pattern[i];
      if (next === undefined) throw new Error(`bad pattern "${pattern}": trailing escape`);
      re += next.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    } else if (ch === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end < 0) throw new Error(`bad pattern "${pattern}": unterminated character class`);
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith("^") || cls.startsWith("!")) cls = "^" + cls.slice(1);
      re += `[${cls.replace(/\\/g, "\\\\")}]`;
      i = end;
    } else if (REGEX_SPECIAL.has(ch)) {
      re += "\\" + ch;
    } else {
      re += ch;
    }
  }
  return new RegExp(re + "$", "s");
}

/**
 * Decides which context paths are excluded by an ignore file.
 *
 * @example
 * ```ts
 * import { IgnoreMatcher } from "./dockerignore.ts";
 * const m = IgnoreMatcher.parse("*.md\n!README.md\nnode_modules\n**\/*.tmp\n");
 * console.assert(m.excludes("CHANGES.md"));
 * console.assert(!m.excludes("README.md"));
 * console.assert(m.excludes("node_modules/x/y.js"));
 * console.assert(m.excludes("a/b/c.tmp"));
 * ```
 */
export class IgnoreMatcher {
  readonly #patterns: IgnorePattern[];

  /**
   * Compile pattern lines.
   *
   * @param patterns Pattern lines (`!` prefix for exceptions), already without comments.
   */
  constructor(patterns: readonly string[]) {
    this.#patterns = [];
    for (let line of patterns) {
      line = line.trim();
      if (line === "") continue;
      let exclusion = false;
      if (line.startsWith("!")) {
        exclusion = true;
        line = line.slice(1).trim();
      }
      let text = cleanPath(line);
      if (text.startsWith("/")) text = text.slice(1);
      if (text === "." || text === "") continue;
      this.#patterns.push({ text, exclusion, regex: compile(text) });
    }
  }

  /**
   * Parse the text of a `.dockerignore`: one pattern per line, `#` comments, blank
   * lines skipped, leading/trailing whitespace trimmed, a leading `/` ignored.
   *
   * @param text The file's contents.
   * @returns The matcher.
   * @example
   * ```ts
   * import { IgnoreMatcher } from "./dockerignore.ts";
   * console.assert(IgnoreMatcher.parse("# c\n/build\n").excludes("build/x"));
   * ```
   */
  static parse(text: string): IgnoreMatcher {
    const lines = text.split(/\r?\n/).filter((l) => !l.trimStart().startsWith("#"));
    return new IgnoreMatcher(lines);
  }

  /** Whether any pattern is an `!` exception (then excluded directories must still be walked). */
  get hasExceptions(): boolean {
    return this.#patterns.some((p) => p.exclusion);
  }

  /** Whether there are no patterns at all. */
  get empty(): boolean {
    return this.#patterns.length === 0;
  }

  /**
   * Whether a context-relative path is excluded: the last pattern matching the path or
   * one of its parents decides.
   *
   * @param path Slash-separated path relative to the context root ("src/a.ts").
   * @returns True if excluded.
   * @example
   * ```ts
   * import { IgnoreMatcher } from "./dockerignore.ts";
   * console.assert(new IgnoreMatcher(["docs"]).excludes("docs/a/b"));
   * ```
   */
  excludes(path: string): boolean {
    const clean = cleanPath(path);
    const parents: string[] = [];
    const parts = clean.split("/");
    for (let i = 1; i < parts.length; i++) parents.push(parts.slice(0, i).join("/"));
    let excluded = false;
    for (const p of this.#patterns) {
      let match = p.regex.test(clean);
      if (!match) match = parents.some((parent) => p.regex.test(parent));
      if (match) excluded = !p.exclusion;
    }
    return excluded;
  }

  /**
   * Whether a directory can be skipped entirely while walking (it is excluded and no
   * exception could re-include something below it).
   *
   * @param dir Context-relative directory path.
   * @returns True if nothing under it can be included.
   * @example
   * ```ts
   * import { IgnoreMatcher } from "./dockerignore.ts";
   * console.assert(new IgnoreMatcher(["out"]).canSkipDir("out"));
   * console.assert(!new IgnoreMatcher(["out", "!out/keep"]).canSkipDir("out"));
   * ```
   */
  canSkipDir(dir: string): boolean {
    if (!this.excludes(dir)) return false;
    const clean = cleanPath(dir);
    for (const p of this.#patterns) {
      if (!p.exclusion) continue;
      // An exception whose literal prefix could lie under dir (or that starts with a wildcard).
      const literal = p.text.split(/[*?[\\]/)[0] ?? "";
      if (literal === "" || literal.startsWith(clean + "/") || (clean + "/").startsWith(literal)) {
        return false;
      }
    }
    return true;
  }
}
