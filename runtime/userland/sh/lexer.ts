/**
 * Tokens of the shell language: words (with their quoting structure), operators,
 * newlines. The lexer reads here-document bodies when it reaches the newline after
 * their `<<` operators, and hands `$(…)` bodies back to the parser through a callback,
 * so that nested scripts (with their own `case … )` arms and quotes) are read by the
 * same grammar, as POSIX 2.3 asks.
 *
 * @module
 */
import type { ParamExp, Script, Word, WordPart } from "./ast.ts";

/** A token of the shell grammar. */
export type Token =
  | { kind: "word"; word: Word; raw: string; line: number; start: number }
  | { kind: "op"; op: string; fd?: number; line: number }
  | { kind: "newline"; line: number }
  | { kind: "eof"; line: number };

/** A syntax error; `incomplete` when more input could complete the script. */
export class ShellSyntaxError extends Error {
  /** Line of the error. */
  line: number;
  /** Whether the input ended too early (an interactive shell reads more). */
  incomplete: boolean;
  /**
   * A syntax error.
   *
   * @param message Text after "Syntax error: ".
   * @param line Line number.
   * @param incomplete Whether more input could fix it.
   */
  constructor(message: string, line: number, incomplete = false) {
    super(message);
    this.name = "ShellSyntaxError";
    this.line = line;
    this.incomplete = incomplete;
  }
}

/** A here-document waiting for its body. */
interface PendingHere {
  delim: string;
  strip: boolean;
  quoted: boolean;
  done: (body: Word) => void;
}

const OPERATORS = [
  "&&",
  "||",
  ";;",
  "<<-",
  "<<",
  ">>",
  "<&",
  ">&",
  "<>",
  ">|",
  ";",
  "&",
  "|",
  "(",
  ")",
  "<",
  ">",
];

const SPECIAL_PARAMS = "@*#?-$!0123456789";

/** Comment text that sets the line number of the next line (written by `unparse.ts`). */
export const LINE_DIRECTIVE = "#\u0001line ";

/** Whether `c` ends an unquoted word. */
function isMeta(c: string | undefined): boolean {
  return c === undefined || c === " " || c === "\t" || c === "\n" || c === ";" ||
    c === "&" || c === "|" || c === "<" || c === ">" || c === "(" || c === ")";
}

/** Whether `s` is a valid variable name. */
export function isName(s: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(s);
}

/** Parses a nested script starting at `pos` up to a closing `)`; returns it and the end. */
export type SubParser = (src: string, pos: number, line: number) => {
  script: Script;
  end: number;
  line: number;
};

/**
 * Splits shell source into tokens on demand.
 *
 * @example
 * ```ts ignore
 * const lx = new Lexer("echo hi", subParser);
 * lx.next(); // { kind: "word", raw: "echo", … }
 * ```
 */
export class Lexer {
  /** The source text. */
  src: string;
  /** Current offset. */
  pos: number;
  /** Current line (1-based). */
  line: number;
  #sub: SubParser;
  #pending: PendingHere[] = [];
  /** false while more source may follow (an unfinished here-document is then incomplete). */
  complete = true;

  /**
   * @param src Source text.
   * @param sub Parser for `$(…)` bodies.
   * @param pos Start offset.
   * @param line Start line.
   */
  constructor(src: string, sub: SubParser, pos = 0, line = 1) {
    this.src = src;
    this.#sub = sub;
    this.pos = pos;
    this.line = line;
  }

  /**
   * Replaces `src[start, end)` with `text` and reads on from `start` (alias expansion).
   *
   * @param start Offset of the replaced word.
   * @param end Offset after it.
   * @param text The alias value.
   */
  splice(start: number, end: number, text: string): void {
    this.src = this.src.slice(0, start) + text + this.src.slice(end);
    this.pos = start;
    this.shift += text.length - (end - start);
  }

  /** How much longer the text is than the original because of {@link splice}. */
  shift = 0;

  /** Registers a here-document whose body follows the next newline. */
  addHereDoc(delim: string, strip: boolean, quoted: boolean, done: (body: Word) => void): void {
    this.#pending.push({ delim, strip, quoted, done });
  }

  /** Whether here-documents are still waiting for their bodies. */
  hasPendingHereDocs(): boolean {
    return this.#pending.length > 0;
  }

  /** Reads the next token. */
  next(): Token {
    const s = this.src;
    for (;;) {
      const c = s[this.pos];
      if (c === " " || c === "\t") {
        this.pos++;
      } else if (c === "\\" && s[this.pos + 1] === "\n") {
        this.pos += 2;
        this.line++;
      } else if (c === "#") {
        const start = this.pos;
        while (this.pos < s.length && s[this.pos] !== "\n") this.pos++;
        // A line directive left by the unparser (fork.ts) keeps the original numbers.
        if (s.startsWith(LINE_DIRECTIVE, start)) {
          const n = Number(s.slice(start + LINE_DIRECTIVE.length, this.pos));
          if (Number.isInteger(n) && n > 0) this.line = n - 1;
        }
      } else break;
    }
    const line = this.line;
    const c = s[this.pos];
    if (c === undefined) {
      if (this.#pending.length > 0) {
        const p = this.#pending[0]!;
        throw new ShellSyntaxError(`end of file unexpected (expecting "${p.delim}")`, line, true);
      }
      return { kind: "eof", line };
    }
    if (c === "\n") {
      this.pos++;
      this.line++;
      this.#readHereDocs();
      return { kind: "newline", line };
    }
    // IO_NUMBER: digits directly followed by < or >.
    const m = /^[0-9]+(?=[<>])/.exec(s.slice(this.pos, this.pos + 12));
    if (m) {
      this.pos += m[0].length;
      const op = this.#readOp()!;
      return { kind: "op", op, fd: Number(m[0]), line };
    }
    const op = this.#readOp();
    if (op) return { kind: "op", op, line };
    const start = this.pos;
    const word = this.readWord("normal");
    return { kind: "word", word, raw: s.slice(start, this.pos), line, start };
  }

  #readOp(): string | undefined {
    for (const op of OPERATORS) {
      if (this.src.startsWith(op, this.pos)) {
        this.pos += op.length;
        return op;
      }
    }
    return undefined;
  }

  #readHereDocs(): void {
    const pending = this.#pending;
    this.#pending = [];
    for (const h of pending) {
      let body = "";
      for (;;) {
        if (this.pos >= this.src.length) {
          if (!this.complete) {
            throw new ShellSyntaxError(
              `end of file unexpected (expecting "${h.delim}")`,
              this.line,
              true,
            );
          }
          // dash accepts a here-document ended by end of file.
          break;
        }
        let end = this.src.indexOf("\n", this.pos);
        if (end < 0) end = this.src.length;
        let lineText = this.src.slice(this.pos, end);
        this.pos = Math.min(end + 1, this.src.length);
        this.line++;
        if (h.strip) lineText = lineText.replace(/^\t+/, "");
        if (lineText === h.delim) break;
        body += lineText + "\n";
      }
      if (h.quoted) h.done({ parts: [{ type: "lit", text: body, quoted: true }] });
      else {
        const lx = new Lexer(body, this.#sub, 0, 1);
        h.done(lx.readWord("heredoc"));
      }
    }
  }

  /**
   * Reads one word from the current position.
   *
   * @param mode "normal" stops at metacharacters; "brace" at an unmatched `}` (the
   *   argument of `${x:-…}`); "heredoc" reads to the end with only `\ $ \`` special;
   *   "dq" is the inside of double quotes and stops at `"`.
   * @returns The word.
   */
  readWord(mode: "normal" | "brace" | "dqbrace" | "heredoc" | "dq" | "arith"): Word {
    const s = this.src;
    const parts: WordPart[] = [];
    const quoted = mode === "dq" || mode === "heredoc";
    let lit = "";
    const flush = () => {
      if (lit) parts.push({ type: "lit", text: lit, quoted });
      lit = "";
    };
    for (;;) {
      const c = s[this.pos];
      if (c === undefined) {
        if (mode === "dq") {
          throw new ShellSyntaxError("Unterminated quoted string", this.line, true);
        }
        if (mode === "brace" || mode === "dqbrace") {
          throw new ShellSyntaxError("Missing '}'", this.line, true);
        }
        break;
      }
      if (mode === "normal" && isMeta(c)) break;
      if ((mode === "brace" || mode === "dqbrace") && c === "}") break;
      if (mode === "dq" && c === '"') break;
      if (c === "\n") this.line++;
      if (c === "\\") {
        const d = s[this.pos + 1];
        if (d === "\n") {
          this.pos += 2;
          this.line++;
          continue;
        }
        if (quoted || mode === "arith") {
          if (
            d !== undefined &&
            (d === "$" || d === "`" || d === "\\" || (mode === "dq" && d === '"'))
          ) {
            lit += d;
            this.pos += 2;
          } else {
            lit += "\\";
            this.pos++;
          }
          continue;
        }
        flush();
        if (d === undefined) {
          this.pos++;
          parts.push({ type: "sq", text: "\\" });
        } else {
          this.pos += 2;
          parts.push({ type: "sq", text: d });
        }
        continue;
      }
      if (c === "'" && !quoted && mode !== "dqbrace") {
        const end = s.indexOf("'", this.pos + 1);
        if (end < 0) throw new ShellSyntaxError("Unterminated quoted string", this.line, true);
        flush();
        const text = s.slice(this.pos + 1, end);
        for (const ch of text) if (ch === "\n") this.line++;
        parts.push({ type: "sq", text });
        this.pos = end + 1;
        continue;
      }
      if (c === '"' && !quoted) {
        flush();
        this.pos++;
        const inner = this.readWord("dq");
        this.pos++; // closing quote
        parts.push({ type: "dq", parts: inner.parts });
        continue;
      }
      if (c === "$") {
        const part = this.#readDollar(quoted);
        if (part) {
          flush();
          parts.push(part);
        } else {
          lit += "$";
          this.pos++;
        }
        continue;
      }
      if (c === "`") {
        flush();
        parts.push(this.#readBackquote(quoted));
        continue;
      }
      if ((mode === "brace" || mode === "dqbrace") && c === "{") {
        // A nested brace inside ${…} (rare): keep it literal.
        lit += c;
        this.pos++;
        continue;
      }
      lit += c;
      this.pos++;
    }
    flush();
    return { parts };
  }

  #readDollar(quoted: boolean): WordPart | undefined {
    const s = this.src;
    const d = s[this.pos + 1];
    if (d === "(") {
      if (s[this.pos + 2] === "(") {
        const end = this.#arithEnd(this.pos + 3);
        if (end >= 0) {
          const text = s.slice(this.pos + 3, end);
          const lx = new Lexer(text, this.#sub, 0, this.line);
          const expr = lx.readWord("arith");
          this.pos = end + 2;
          return { type: "arith", expr, quoted };
        }
      }
      const r = this.#sub(s, this.pos + 2, this.line);
      this.pos = r.end;
      this.line = r.line;
      return { type: "cmdsub", script: r.script, quoted };
    }
    if (d === "{") {
      this.pos += 2;
      const param = this.#readBraceParam(quoted);
      return { type: "param", param, quoted };
    }
    if (d !== undefined && SPECIAL_PARAMS.includes(d)) {
      this.pos += 2;
      return { type: "param", param: { name: d, op: "", colon: false }, quoted };
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(this.pos + 1, this.pos + 200));
    if (m) {
      this.pos += 1 + m[0].length;
      return { type: "param", param: { name: m[0], op: "", colon: false }, quoted };
    }
    return undefined;
  }

  /** Finds the `))` that ends `$((…`; -1 when it is `$( (…) )` instead. */
  #arithEnd(from: number): number {
    const s = this.src;
    let depth = 0;
    for (let i = from; i < s.length; i++) {
      const c = s[i];
      if (c === "(") depth++;
      else if (c === ")") {
        if (depth === 0) return s[i + 1] === ")" ? i : -1;
        depth--;
      }
    }
    return -1;
  }

  #readBraceParam(inDq: boolean): ParamExp {
    const s = this.src;
    let name = "";
    let lenOp = false;
    if (
      s[this.pos] === "#" && s[this.pos + 1] !== "}" && !"-=?+:%#".includes(s[this.pos + 1] ?? "")
    ) {
      lenOp = true;
      this.pos++;
    } else if (s[this.pos] === "#" && s[this.pos + 1] === "#" && s[this.pos + 2] === "}") {
      // ${##} is the length of $#.
      lenOp = true;
      this.pos++;
    }
    const m = /^([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!0-])/.exec(s.slice(this.pos, this.pos + 200));
    if (!m) throw new ShellSyntaxError("Bad substitution", this.line);
    name = m[0];
    this.pos += name.length;
    if (lenOp) {
      if (s[this.pos] !== "}") throw new ShellSyntaxError("Bad substitution", this.line);
      this.pos++;
      return { name, op: "#len", colon: false };
    }
    if (s[this.pos] === "}") {
      this.pos++;
      return { name, op: "", colon: false };
    }
    if (this.pos >= s.length) throw new ShellSyntaxError("Missing '}'", this.line, true);
    let colon = false;
    if (s[this.pos] === ":") {
      colon = true;
      this.pos++;
    }
    let op: ParamExp["op"];
    const two = s.slice(this.pos, this.pos + 2);
    if (!colon && (two === "##" || two === "%%")) {
      op = two;
      this.pos += 2;
    } else {
      const c = s[this.pos] ?? "";
      if ((c !== "" && "-=?+".includes(c)) || (!colon && (c === "#" || c === "%"))) {
        op = c as ParamExp["op"];
        this.pos++;
      } else throw new ShellSyntaxError("Bad substitution", this.line);
    }
    // Inside double quotes, single quotes in the word of `- = ? +` are plain characters
    // (dash); pattern words (`# ## % %%`) still honour them.
    const literalQuotes = inDq && (op === "-" || op === "=" || op === "?" || op === "+");
    const arg = this.readWord(literalQuotes ? "dqbrace" : "brace");
    this.pos++; // }
    return { name, op, colon, arg };
  }

  #readBackquote(quoted: boolean): WordPart {
    const s = this.src;
    let i = this.pos + 1;
    let text = "";
    for (;;) {
      const c = s[i];
      if (c === undefined) {
        throw new ShellSyntaxError("EOF in backquote substitution", this.line, true);
      }
      if (c === "`") break;
      if (c === "\\") {
        const d = s[i + 1];
        if (d === "$" || d === "`" || d === "\\" || (quoted && d === '"')) {
          text += d;
          i += 2;
          continue;
        }
        if (d === "\n") {
          i += 2;
          continue;
        }
      }
      if (c === "\n") this.line++;
      text += c;
      i++;
    }
    this.pos = i + 1;
    const r = this.#sub(text + "\n)", 0, this.line);
    return { type: "cmdsub", script: r.script, quoted };
  }
}
