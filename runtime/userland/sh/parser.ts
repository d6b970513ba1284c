/**
 * The shell grammar (POSIX 2.10): lists, and-or lists, pipelines, simple and compound
 * commands, function definitions, redirections and here-documents.
 *
 * @module
 */
import type { AndOr, Assign, CaseItem, Command, Pipeline, Redir, Script, Word } from "./ast.ts";
import { isName, Lexer, ShellSyntaxError, type Token } from "./lexer.ts";

export { ShellSyntaxError } from "./lexer.ts";

/** Reserved words of the shell language (recognised only as the first word of a command). */
export const RESERVED: ReadonlySet<string> = new Set([
  "if",
  "then",
  "else",
  "elif",
  "fi",
  "do",
  "done",
  "case",
  "esac",
  "while",
  "until",
  "for",
  "in",
  "{",
  "}",
  "!",
]);

const CLOSERS = new Set(["then", "do", "done", "fi", "elif", "else", "esac", "}"]);

const REDIR_OPS = new Set(["<", ">", ">>", ">|", "<>", "<&", ">&", "<<", "<<-"]);

/** The literal text of a word with no quotes or expansions, or undefined. */
function plainText(w: Word): string | undefined {
  if (w.parts.length === 0) return "";
  if (w.parts.length !== 1) return undefined;
  const p = w.parts[0]!;
  return p.type === "lit" && !p.quoted ? p.text : undefined;
}

/** Text of a word after quote removal (for here-doc delimiters). */
function unquotedText(raw: string): string {
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === "\\" && i + 1 < raw.length) out += raw[++i];
    else if (c !== "'" && c !== '"') out += c;
  }
  return out;
}

/** Turns a leading unquoted `~user` into a tilde part (also after `=` of assignments). */
function withTilde(w: Word, assignment: boolean): Word {
  const first = w.parts[0];
  if (!first || first.type !== "lit" || first.quoted || !first.text.startsWith("~")) return w;
  const slash = first.text.indexOf("/");
  const end = slash < 0 ? first.text.length : slash;
  let user = first.text.slice(1, end);
  if (assignment && user.includes(":")) user = user.slice(0, user.indexOf(":"));
  if (slash < 0 && w.parts.length > 1) return w; // ~"x" is not a tilde prefix
  const rest = first.text.slice(1 + user.length);
  const parts = [{ type: "tilde" as const, user }, ...w.parts.slice(1)];
  if (rest) parts.splice(1, 0, { type: "lit", text: rest, quoted: false });
  return { parts };
}

/**
 * Parses a whole script.
 *
 * @param src Shell source text.
 * @param aliases Aliases to expand in command position.
 * @returns The syntax tree.
 * @throws ShellSyntaxError on a syntax error (`incomplete` when input ended early).
 * @example
 * ```ts
 * import { parseScript } from "./parser.ts";
 * const s = parseScript("echo hi | wc -c");
 * console.log(s.items[0]?.first.cmds.length); // 2
 * ```
 */
export function parseScript(src: string, aliases?: Map<string, string>): Script {
  const p = new Parser(new Lexer(src, subParser));
  p.aliases = aliases;
  const script = p.parseList(new Set());
  const t = p.peek();
  if (t.kind !== "eof") throw p.unexpected(t);
  return script;
}

/**
 * Reads a script one complete command (one line's list, with its here-documents) at
 * a time, so that a shell runs each command before parsing the next, as dash does.
 *
 * @example
 * ```ts
 * import { ScriptReader } from "./parser.ts";
 * const r = new ScriptReader("echo a\necho b\n");
 * console.log(r.next()?.items.length, r.next()?.items.length, r.next()); // 1 1 undefined
 * ```
 */
export class ScriptReader {
  #p: Parser;
  /** Whether the last command read was ended by a newline (not by the end of the text). */
  endedWithNewline = false;

  /**
   * A reader over `src`.
   *
   * @param src Source text.
   * @param line Line number of its first line.
   * @param complete false when more text may follow (then an unfinished command or
   *   here-document throws an incomplete {@link ShellSyntaxError}).
   * @param aliases Aliases to expand in command position (the shell's live table).
   */
  constructor(src: string, line = 1, complete = true, aliases?: Map<string, string>) {
    const lexer = new Lexer(src, subParser, 0, line);
    lexer.complete = complete;
    this.#p = new Parser(lexer);
    this.#p.aliases = aliases;
  }

  /** Offset just after the last command read, in the original text. */
  get offset(): number {
    return this.#p.lexer.pos - this.#p.lexer.shift;
  }

  /** Line number after the last command read. */
  get line(): number {
    return this.#p.lexer.line;
  }

  /**
   * The next complete command.
   *
   * @returns The command's list, or undefined at the end.
   * @throws ShellSyntaxError on a syntax error.
   */
  next(): Script | undefined {
    const p = this.#p;
    p.skipNewlines();
    if (p.peek().kind === "eof") return undefined;
    const items: AndOr[] = [];
    for (;;) {
      const item = p.parseAndOr();
      items.push(item);
      const sep = p.peek();
      if (p.isOp(sep, ";") || p.isOp(sep, "&")) {
        p.next();
        if (sep.kind === "op" && sep.op === "&") item.background = true;
        const after = p.peek();
        if (after.kind === "newline" || after.kind === "eof") {
          this.endedWithNewline = after.kind === "newline";
          p.next();
          break;
        }
        continue;
      }
      if (sep.kind === "newline") {
        p.next();
        this.endedWithNewline = true;
        break;
      }
      if (sep.kind === "eof") {
        this.endedWithNewline = false;
        break;
      }
      throw p.unexpected(sep);
    }
    return { items };
  }
}

function subParser(src: string, pos: number, line: number) {
  const p = new Parser(new Lexer(src, subParser, pos, line));
  const script = p.parseList(new Set(), true);
  const t = p.next();
  if (t.kind !== "op" || t.op !== ")") {
    if (t.kind === "eof") {
      throw new ShellSyntaxError('end of file unexpected (expecting ")")', t.line, true);
    }
    throw p.unexpected(t);
  }
  return { script, end: p.lexer.pos, line: p.lexer.line };
}

class Parser {
  lexer: Lexer;
  #tok: Token | undefined;
  aliases: Map<string, string> | undefined;
  /** Aliases being expanded, up to where their text ends (no recursion into themselves). */
  #active: { name: string; end: number }[] = [];

  constructor(lexer: Lexer) {
    this.lexer = lexer;
  }

  peek(): Token {
    if (!this.#tok) this.#tok = this.lexer.next();
    return this.#tok;
  }

  next(): Token {
    const t = this.peek();
    this.#tok = undefined;
    return t;
  }

  unexpected(t: Token, expecting?: string): ShellSyntaxError {
    const what = t.kind === "eof"
      ? "end of file"
      : t.kind === "newline"
      ? "newline"
      : t.kind === "op"
      ? `"${t.op}"`
      : `"${t.raw}"`;
    // dash quotes the words it expects, but not the word class "word".
    const exp = !expecting
      ? ""
      : expecting === "word"
      ? " (expecting word)"
      : ` (expecting "${expecting}")`;
    return new ShellSyntaxError(`${what} unexpected${exp}`, t.line, t.kind === "eof");
  }

  reserved(t: Token): string | undefined {
    if (t.kind !== "word") return undefined;
    const text = plainText(t.word);
    return text !== undefined && RESERVED.has(text) && text === t.raw ? text : undefined;
  }

  isOp(t: Token, op: string): boolean {
    return t.kind === "op" && t.op === op && t.fd === undefined;
  }

  skipNewlines(): void {
    while (this.peek().kind === "newline") this.next();
  }

  expectReserved(word: string): void {
    const t = this.next();
    if (this.reserved(t) !== word) throw this.unexpected(t, word);
  }

  /** Parses a list up to a terminator word, `)` (when `paren`), `;;` or end of file. */
  parseList(terms: Set<string>, paren = false): Script {
    const items: AndOr[] = [];
    for (;;) {
      this.skipNewlines();
      const t = this.peek();
      if (t.kind === "eof") break;
      const r = this.reserved(t);
      // Any closing word ends a list; the caller says what it expected instead.
      if (r && (terms.has(r) || CLOSERS.has(r))) break;
      if (t.kind === "op" && (t.op === ")" && paren || t.op === ";;")) break;
      if (t.kind === "op" && t.op === ")" && terms.has(")")) break;
      const item = this.parseAndOr();
      items.push(item);
      const sep = this.peek();
      if (this.isOp(sep, ";")) this.next();
      else if (this.isOp(sep, "&")) {
        this.next();
        item.background = true;
      } else if (sep.kind === "newline") this.next();
      else break;
    }
    return { items };
  }

  parseAndOr(): AndOr {
    const first = this.parsePipeline();
    const rest: AndOr["rest"] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === "op" && (t.op === "&&" || t.op === "||") && t.fd === undefined) {
        this.next();
        this.skipNewlines();
        rest.push({ op: t.op, pipeline: this.parsePipeline() });
      } else break;
    }
    return { first, rest, background: false };
  }

  parsePipeline(): Pipeline {
    let bang = false;
    if (this.reserved(this.peek()) === "!") {
      this.next();
      bang = true;
    }
    const cmds: Command[] = [this.parseCommand()];
    while (this.isOp(this.peek(), "|")) {
      this.next();
      this.skipNewlines();
      cmds.push(this.parseCommand());
    }
    return { bang, cmds };
  }

  /** Expands an alias in command position (POSIX 2.3.1), as often as it chains. */
  expandAlias(): void {
    this.#checkNext = false;
    const aliases = this.aliases;
    if (!aliases || aliases.size === 0) return;
    for (let guard = 0; guard < 100; guard++) {
      const t = this.peek();
      if (t.kind !== "word") return;
      const text = plainText(t.word);
      if (text === undefined || text !== t.raw) return;
      const value = aliases.get(text);
      if (value === undefined) return;
      if (this.#active.some((a) => a.name === text && t.start < a.end)) return;
      const delta = value.length - t.raw.length;
      for (const a of this.#active) if (a.end > t.start) a.end += delta;
      this.lexer.splice(t.start, t.start + t.raw.length, value);
      this.#active.push({ name: text, end: t.start + value.length });
      this.#tok = undefined;
      // A value ending in a blank makes the next word a candidate too.
      this.#checkNext = value.endsWith(" ") || value.endsWith("\t");
    }
  }

  #checkNext = false;

  parseCommand(): Command {
    this.expandAlias();
    const t = this.peek();
    const r = this.reserved(t);
    let cmd: Command;
    if (r === "if") cmd = this.parseIf();
    else if (r === "while" || r === "until") cmd = this.parseWhile(r === "until");
    else if (r === "for") cmd = this.parseFor();
    else if (r === "case") cmd = this.parseCase();
    else if (r === "{") {
      this.next();
      const body = this.nonEmpty(this.parseList(new Set(["}"])));
      this.expectReserved("}");
      cmd = { type: "group", body, redirs: [] };
    } else if (r !== undefined) {
      throw this.unexpected(t);
    } else if (this.isOp(t, "(")) {
      this.next();
      const body = this.parseList(new Set(), true);
      const close = this.next();
      if (!this.isOp(close, ")")) throw this.unexpected(close, ")");
      cmd = { type: "subshell", body, redirs: [] };
    } else {
      return this.parseSimple();
    }
    this.parseRedirs(cmd.type === "func" ? [] : cmd.redirs);
    return cmd;
  }

  parseRedirs(into: Redir[]): void {
    for (;;) {
      const t = this.peek();
      if (t.kind === "op" && REDIR_OPS.has(t.op)) {
        this.next();
        into.push(this.parseRedir(t));
      } else break;
    }
  }

  parseRedir(t: Token & { kind: "op" }): Redir {
    const op = t.op as Redir["op"];
    const target = this.next();
    if (target.kind !== "word") throw this.unexpected(target);
    const fd = t.fd ?? (op[0] === "<" ? 0 : 1);
    const redir: Redir = { fd, op, target: target.word };
    if (op === "<<" || op === "<<-") {
      const quoted = /['"\\]/.test(target.raw);
      redir.hereQuoted = quoted;
      redir.here = { parts: [] };
      this.lexer.addHereDoc(unquotedText(target.raw), op === "<<-", quoted, (body) => {
        redir.here = body;
      });
    } else {
      redir.target = withTilde(target.word, false);
    }
    return redir;
  }

  parseSimple(): Command {
    const assigns: Assign[] = [];
    const words: Word[] = [];
    const redirs: Redir[] = [];
    const line = this.peek().line;
    for (;;) {
      const t = this.peek();
      if (t.kind === "op" && REDIR_OPS.has(t.op)) {
        this.next();
        redirs.push(this.parseRedir(t));
        continue;
      }
      if (t.kind !== "word") break;
      if (words.length === 1 && this.#checkNext) {
        this.#checkNext = false;
        this.expandAlias();
        continue;
      }
      if (words.length === 0) {
        const a = this.asAssignment(t.word);
        if (a) {
          this.next();
          assigns.push(a);
          continue;
        }
      }
      this.next();
      if (words.length === 0 && assigns.length === 0 && redirs.length === 0) {
        const name = plainText(t.word);
        if (name !== undefined && isName(name) && this.isOp(this.peek(), "(")) {
          this.next();
          const close = this.next();
          if (!this.isOp(close, ")")) throw this.unexpected(close, ")");
          this.skipNewlines();
          const body = this.parseCommand();
          if (body.type === "simple") throw this.unexpected(this.peek());
          return { type: "func", name, body };
        }
      }
      words.push(withTilde(t.word, false));
    }
    if (words.length === 0 && assigns.length === 0 && redirs.length === 0) {
      throw this.unexpected(this.peek());
    }
    return { type: "simple", assigns, words, redirs, line };
  }

  asAssignment(w: Word): Assign | undefined {
    const first = w.parts[0];
    if (!first || first.type !== "lit" || first.quoted) return undefined;
    const eq = first.text.indexOf("=");
    if (eq <= 0 || !isName(first.text.slice(0, eq))) return undefined;
    const rest = first.text.slice(eq + 1);
    const parts = rest ? [{ ...first, text: rest }, ...w.parts.slice(1)] : w.parts.slice(1);
    return { name: first.text.slice(0, eq), value: withTilde({ parts }, true) };
  }

  /** A compound command's list must not be empty: the next token is then unexpected. */
  nonEmpty(list: Script, expecting?: string): Script {
    if (list.items.length === 0) {
      const t = this.peek();
      throw this.unexpected(t, t.kind === "eof" ? expecting : undefined);
    }
    return list;
  }

  parseIf(): Command {
    this.next();
    const clauses: { cond: Script; body: Script }[] = [];
    let elseBody: Script | undefined;
    for (;;) {
      const cond = this.nonEmpty(this.parseList(new Set(["then"])), "then");
      this.expectReserved("then");
      const body = this.nonEmpty(this.parseList(new Set(["elif", "else", "fi"])), "fi");
      clauses.push({ cond, body });
      const t = this.next();
      const r = this.reserved(t);
      if (r === "elif") continue;
      if (r === "else") {
        elseBody = this.nonEmpty(this.parseList(new Set(["fi"])), "fi");
        this.expectReserved("fi");
        break;
      }
      if (r === "fi") break;
      throw this.unexpected(t, "fi");
    }
    return { type: "if", clauses, elseBody, redirs: [] };
  }

  parseDoGroup(): Script {
    this.skipNewlines();
    this.expectReserved("do");
    const body = this.nonEmpty(this.parseList(new Set(["done"])), "done");
    this.expectReserved("done");
    return body;
  }

  parseWhile(until: boolean): Command {
    this.next();
    const cond = this.nonEmpty(this.parseList(new Set(["do"])), "do");
    const body = this.parseDoGroup();
    return { type: "while", until, cond, body, redirs: [] };
  }

  parseFor(): Command {
    this.next();
    const nameTok = this.next();
    const name = nameTok.kind === "word" ? plainText(nameTok.word) : undefined;
    if (name === undefined || !isName(name)) {
      throw new ShellSyntaxError("Bad for loop variable", nameTok.line);
    }
    let items: Word[] | undefined;
    this.skipNewlines();
    if (this.reserved(this.peek()) === "in") {
      this.next();
      items = [];
      for (;;) {
        const t = this.peek();
        if (t.kind !== "word") break;
        this.next();
        items.push(withTilde(t.word, false));
      }
      const sep = this.next();
      if (!this.isOp(sep, ";") && sep.kind !== "newline") throw this.unexpected(sep, "do");
    } else if (this.isOp(this.peek(), ";")) {
      this.next();
    }
    const body = this.parseDoGroup();
    return { type: "for", name, items, body, redirs: [] };
  }

  parseCase(): Command {
    this.next();
    const wt = this.next();
    if (wt.kind !== "word") throw this.unexpected(wt, "word");
    this.skipNewlines();
    this.expectReserved("in");
    const items: CaseItem[] = [];
    for (;;) {
      this.skipNewlines();
      let t = this.peek();
      if (this.reserved(t) === "esac") {
        this.next();
        break;
      }
      if (this.isOp(t, "(")) {
        this.next();
        t = this.peek();
      }
      const patterns: Word[] = [];
      for (;;) {
        const pt = this.next();
        if (pt.kind !== "word") throw this.unexpected(pt);
        patterns.push(withTilde(pt.word, false));
        const sep = this.next();
        if (this.isOp(sep, "|")) continue;
        if (this.isOp(sep, ")")) break;
        throw this.unexpected(sep, ")");
      }
      const body = this.parseList(new Set(["esac"]));
      items.push({ patterns, body });
      const end = this.peek();
      if (this.isOp(end, ";;")) {
        this.next();
        continue;
      }
      if (this.reserved(end) === "esac") {
        this.next();
        break;
      }
      throw this.unexpected(end, "esac");
    }
    return { type: "case", word: wt.word, items, redirs: [] };
  }
}
