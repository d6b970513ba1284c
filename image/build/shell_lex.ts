/**
 * The Dockerfile word lexer: quote handling and variable substitution as Docker applies
 * them to `ENV`, `ARG`, `COPY`, `ADD`, `WORKDIR`, `USER`, `LABEL`, `EXPOSE`, `VOLUME`,
 * `STOPSIGNAL` and `FROM` (never to `RUN`, `CMD` or `ENTRYPOINT`: the shell does that).
 *
 * Supported: `$VAR`, `${VAR}`, `${VAR:-word}`, `${VAR-word}`, `${VAR:+word}`,
 * `${VAR+word}`, `${VAR:?msg}`, `${VAR?msg}`; single quotes (literal), double quotes
 * (expansion, no splitting); the escape character (`\` or the `# escape=` one)
 * makes the next character literal.
 *
 * @module
 */

/** Variables visible to an expansion: name → value. Absent means unset. */
export type LexEnv = ReadonlyMap<string, string>;

/** An expansion that cannot be done (`${VAR:?msg}` on an unset variable, bad syntax). */
export class ExpansionError extends Error {
  /**
   * @param message What went wrong.
   */
  constructor(message: string) {
    super(message);
    this.name = "ExpansionError";
  }
}

class Lexer {
  #text: string;
  #pos = 0;
  #env: LexEnv;
  #escape: string;
  #words: boolean;
  /** Names of variables the text referenced (set or not). */
  readonly used = new Set<string>();
  /** Unset variables used without a default (`$X`, `${X}`): BuildKit's UndefinedVar. */
  readonly unmatched = new Set<string>();

  constructor(text: string, env: LexEnv, escape: string, words: boolean) {
    this.#text = text;
    this.#env = env;
    this.#escape = escape;
    this.#words = words;
  }

  /** Process until `stop` (not consumed... consumed if found) or the end. */
  process(stop?: string): string[] {
    const words: string[] = [];
    let current = "";
    let started = false;
    const flush = () => {
      if (started) words.push(current);
      current = "";
      started = false;
    };
    const text = this.#text;
    while (this.#pos < text.length) {
      const ch = text[this.#pos]!;
      if (stop !== undefined && ch === stop) {
        this.#pos++;
        flush();
        return words;
      }
      if (this.#words && (ch === " " || ch === "\t" || ch === "\n" || ch === "\r")) {
        this.#pos++;
        flush();
        continue;
      }
      if (ch === this.#escape) {
        this.#pos++;
        if (this.#pos >= text.length) {
          current += ch;
        } else {
          current += text[this.#pos]!;
          this.#pos++;
        }
        started = true;
        continue;
      }
      if (ch === "'") {
        this.#pos++;
        const end = text.indexOf("'", this.#pos);
        if (end < 0) {
          throw new ExpansionError(
            "unexpected end of statement while looking for matching single-quote",
          );
        }
        current += text.slice(this.#pos, end);
        this.#pos = end + 1;
        started = true;
        continue;
      }
      if (ch === '"') {
        this.#pos++;
        current += this.#doubleQuoted();
        started = true;
        continue;
      }
      if (ch === "$") {
        const value = this.#dollar();
        if (this.#words && value.expanded) {
          // Unquoted expansions split on whitespace in word mode, as a shell would.
          const parts = value.text.split(/[ \t\n]+/);
          for (let i = 0; i < parts.length; i++) {
            if (i > 0) flush();
            if (parts[i] !== "") {
              current += parts[i];
              started = true;
            }
          }
        } else {
          current += value.text;
          started = true;
        }
        continue;
      }
      current += ch;
      started = true;
      this.#pos++;
    }
    if (stop !== undefined) throw new ExpansionError(`missing '${stop}' in substitution`);
    flush();
    return words;
  }

  #doubleQuoted(): string {
    const text = this.#text;
    let out = "";
    while (this.#pos < text.length) {
      const ch = text[this.#pos]!;
      if (ch === '"') {
        this.#pos++;
        return out;
      }
      if (ch === this.#escape) {
        const next = text[this.#pos + 1];
        if (next === '"' || next === "$" || next === this.#escape) {
          out += next;
          this.#pos += 2;
          continue;
        }
        out += ch;
        this.#pos++;
        continue;
      }
      if (ch === "$") {
        out += this.#dollar().text;
        continue;
      }
      out += ch;
      this.#pos++;
    }
    throw new ExpansionError("unexpected end of statement while looking for matching double-quote");
  }

  /** At a `$`: returns the expansion (or a literal `$`). */
  #dollar(): { text: string; expanded: boolean } {
    const text = this.#text;
    this.#pos++; // the $
    const next = text[this.#pos];
    if (next === "{") {
      this.#pos++;
      const name = this.#name();
      if (name === "") throw new ExpansionError(`bad substitution: missing variable name`);
      this.used.add(name);
      const value = this.#env.get(name);
      const c = text[this.#pos];
      if (c === "}") {
        this.#pos++;
        if (value === undefined) this.unmatched.add(name);
        return { text: value ?? "", expanded: true };
      }
      let colon = false;
      if (c === ":") {
        colon = true;
        this.#pos++;
      }
      const op = text[this.#pos];
      if (op !== "-" && op !== "+" && op !== "?") {
        throw new ExpansionError(`unsupported modifier (${op ?? "end"}) in substitution`);
      }
      this.#pos++;
      const sub = new Lexer(text, this.#env, this.#escape, false);
      sub.#pos = this.#pos;
      const word = sub.process("}").join("");
      this.#pos = sub.#pos;
      for (const u of sub.used) this.used.add(u);
      for (const u of sub.unmatched) this.unmatched.add(u);
      const isSet = value !== undefined && (!colon || value !== "");
      if (op === "-") return { text: isSet ? value! : word, expanded: true };
      if (op === "+") return { text: isSet ? word : "", expanded: true };
      if (!isSet) throw new ExpansionError(`${name}: ${word || "is not allowed to be unset"}`);
      return { text: value!, expanded: true };
    }
    const name = this.#name();
    if (name === "") return { text: "$", expanded: false };
    this.used.add(name);
    const value = this.#env.get(name);
    if (value === undefined) this.unmatched.add(name);
    return { text: value ?? "", expanded: true };
  }

  #name(): string {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.#text.slice(this.#pos));
    if (!m) return "";
    this.#pos += m[0].length;
    return m[0];
  }
}

/**
 * Expand one word: quotes removed, variables substituted, no splitting.
 *
 * @param word The raw word (e.g. an `ENV` value, a `WORKDIR` path).
 * @param env The variables in scope.
 * @param escape The escape character (`\` unless `# escape=` said otherwise).
 * @param unmatched Collects unset variables used without a default.
 * @returns The expanded word.
 * @example
 * ```ts
 * import { expandWord } from "./shell_lex.ts";
 * const env = new Map([["HOME", "/root"]]);
 * console.assert(expandWord('"${HOME}/a b"', env) === "/root/a b");
 * console.assert(expandWord("'$HOME'", env) === "$HOME");
 * console.assert(expandWord("${NOPE:-x}", env) === "x");
 * ```
 */
export function expandWord(
  word: string,
  env: LexEnv,
  escape = "\\",
  unmatched?: Set<string>,
): string {
  const lexer = new Lexer(word, env, escape, false);
  const out = lexer.process().join("");
  if (unmatched) { for (const u of lexer.unmatched) unmatched.add(u); }
  return out;
}

/**
 * Split a line into words on unquoted whitespace, expanding each (unquoted expansions
 * split too, as a shell would), quotes removed.
 *
 * @param text The raw text (e.g. the arguments of `EXPOSE` or shell-form `COPY`).
 * @param env The variables in scope.
 * @param escape The escape character.
 * @param unmatched Collects unset variables used without a default.
 * @returns The words.
 * @example
 * ```ts
 * import { expandWords } from "./shell_lex.ts";
 * const env = new Map([["P", "80 443"]]);
 * console.assert(expandWords('$P "a b"', env).join("|") === "80|443|a b");
 * ```
 */
export function expandWords(
  text: string,
  env: LexEnv,
  escape = "\\",
  unmatched?: Set<string>,
): string[] {
  const lexer = new Lexer(text, env, escape, true);
  const out = lexer.process();
  if (unmatched) { for (const u of lexer.unmatched) unmatched.add(u); }
  return out;
}

/**
 * The variables a text references (used to key the build cache on the args a step uses).
 *
 * @param text The raw text.
 * @param escape The escape character.
 * @returns The referenced variable names.
 * @example
 * ```ts
 * import { referencedVariables } from "./shell_lex.ts";
 * console.assert([...referencedVariables("$A ${B:-$C}")].join() === "A,B,C");
 * ```
 */
export function referencedVariables(text: string, escape = "\\"): Set<string> {
  const lexer = new Lexer(text, new Map(), escape, false);
  try {
    lexer.process();
  } catch {
    // a malformed text references what it referenced so far
  }
  return lexer.used;
}

/**
 * Split on unquoted whitespace keeping quotes and escapes as written (Docker's
 * `parseWords`, used to find `key=value` pairs before expansion).
 *
 * @param text The raw text.
 * @param escape The escape character.
 * @returns The raw words.
 * @example
 * ```ts
 * import { splitRawWords } from "./shell_lex.ts";
 * console.assert(splitRawWords('a="x y" b=1').join("|") === 'a="x y"|b=1');
 * ```
 */
export function splitRawWords(text: string, escape = "\\"): string[] {
  const words: string[] = [];
  let current = "";
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote === undefined && (ch === " " || ch === "\t" || ch === "\n" || ch === "\r")) {
      if (current !== "") words.push(current);
      current = "";
      continue;
    }
    if (ch === escape && quote !== "'" && i + 1 < text.length) {
      current += ch + text[i + 1]!;
      i++;
      continue;
    }
    if (quote === undefined && (ch === '"' || ch === "'")) quote = ch;
    else if (quote === ch) quote = undefined;
    current += ch;
  }
  if (current !== "") words.push(current);
  return words;
}
