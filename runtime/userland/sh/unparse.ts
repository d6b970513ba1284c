/**
 * Turns syntax trees back into shell text, so that a part of a script can run in a new
 * `sh` process with the state of this one (see `fork.ts`): the emulation of `fork` for
 * background lists and pipelines, since a Berth process has one thread.
 *
 * @module
 */
import type { AndOr, Command, ParamExp, Redir, Script, Word, WordPart } from "./ast.ts";
import { LINE_DIRECTIVE } from "./lexer.ts";
import { RESERVED } from "./parser.ts";

/** Single-quotes a string for the shell. */
export function quote(s: string): string {
  if (s === "") return "''";
  return s.split("'").map((seg) => (seg === "" ? "" : `'${seg}'`)).join("\\'");
}

class Writer {
  out = "";
  pending: string[] = [];
  #n = 0;

  /** Ends a line; here-document bodies queued on it follow. */
  nl(): void {
    this.out += "\n";
    for (const body of this.pending) this.out += body;
    this.pending = [];
  }

  hereDelimiter(body: string): string {
    let d: string;
    do d = `BERTH_EOF_${this.#n++}`; while (body.split("\n").includes(d));
    return d;
  }
}

function inDq(text: string): string {
  return text.replace(/[\\$`"]/g, "\\$&");
}

function inHere(text: string): string {
  return text.replace(/[\\$`]/g, "\\$&");
}

/** Backslash-escapes every character (a newline, which a backslash would join, is quoted). */
function escapeEach(text: string): string {
  return text.replace(/[^\n]/g, "\\$&").replace(/\n/g, '"\n"');
}

/**
 * A `${…}` expansion; inside double quotes or a here-document its word is read with
 * single quotes taken literally (`dqbrace`).
 */
function param(p: ParamExp, inDq: boolean, w: Writer): string {
  if (p.op === "") return `\${${p.name}}`;
  if (p.op === "#len") return `\${#${p.name}}`;
  const arg = p.arg ? parts(p.arg.parts, inDq ? "dqbrace" : "brace", w) : "";
  return `\${${p.name}${p.colon ? ":" : ""}${p.op}${arg}}`;
}

function parts(
  ps: WordPart[],
  ctx: "plain" | "dq" | "here" | "brace" | "dqbrace" | "arith",
  w: Writer,
): string {
  let s = "";
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i]!;
    switch (p.type) {
      case "lit": {
        // A literal `$` could start an expansion once joined with what follows it.
        s += ctx === "dq"
          ? inDq(p.text)
          : ctx === "here" || ctx === "arith"
          ? inHere(p.text)
          : p.text.replace(/\$/g, "\\$");
        break;
      }
      case "sq":
        s += ctx === "dq" || ctx === "here"
          ? inDq(p.text)
          : ctx === "dqbrace"
          ? escapeEach(p.text)
          : quote(p.text);
        break;
      case "dq":
        s += ctx === "dq" || ctx === "here"
          ? parts(p.parts, ctx, w)
          : `"${parts(p.parts, "dq", w)}"`;
        break;
      case "tilde":
        s += "~" + p.user;
        break;
      case "param":
        s += param(p.param, ctx === "dq" || ctx === "here" || ctx === "dqbrace", w);
        break;
      case "cmdsub": {
        const inner = new Writer();
        script(p.script, inner);
        s += `$( ${inner.out} )`;
        break;
      }
      case "arith":
        s += `$((${parts(p.expr.parts, "arith", w)}))`;
        break;
    }
  }
  return s;
}

function word(wd: Word, w: Writer): string {
  return parts(wd.parts, "plain", w);
}

function redirs(rs: Redir[], w: Writer): string {
  let s = "";
  for (const r of rs) {
    if (r.op === "<<" || r.op === "<<-") {
      const body = r.hereQuoted
        ? (r.here?.parts[0]?.type === "lit" ? r.here.parts[0].text : "")
        : parts(r.here?.parts ?? [], "here", w);
      // A body ending without a newline (a continuation at end of file) keeps it so.
      const text = body === "" || body.endsWith("\n") ? body : body + "\\\n";
      const d = w.hereDelimiter(text);
      s += ` ${r.fd}<<${r.hereQuoted ? `'${d}'` : d}`;
      w.pending.push(text + d + "\n");
    } else s += ` ${r.fd}${r.op}${word(r.target, w)}`;
  }
  return s;
}

function command(c: Command, w: Writer): void {
  switch (c.type) {
    case "simple": {
      const items = [
        ...c.assigns.map((a) => `${a.name}=${word(a.value, w)}`),
        ...c.words.map((x) => word(x, w)),
      ];
      // A command named like a reserved word (`\!`, `"if"`) must stay a plain word.
      if (c.assigns.length === 0 && c.redirs.length === 0 && RESERVED.has(items[0] ?? "")) {
        items[0] = quote(items[0]!);
      }
      // Redirections first: a word like `in` after `>f` must not land in command position.
      w.out += (redirs(c.redirs, w).trimStart() + " " + items.join(" ")).trim();
      return;
    }
    case "subshell":
      w.out += "(";
      w.nl();
      script(c.body, w);
      w.out += ")" + redirs(c.redirs, w);
      return;
    case "group":
      w.out += "{";
      w.nl();
      script(c.body, w);
      w.out += "}" + redirs(c.redirs, w);
      return;
    case "if":
      c.clauses.forEach((cl, i) => {
        w.out += i === 0 ? "if" : "elif";
        w.nl();
        script(cl.cond, w);
        w.out += "then";
        w.nl();
        script(cl.body, w);
      });
      if (c.elseBody) {
        w.out += "else";
        w.nl();
        script(c.elseBody, w);
      }
      w.out += "fi" + redirs(c.redirs, w);
      return;
    case "while":
      w.out += c.until ? "until" : "while";
      w.nl();
      script(c.cond, w);
      w.out += "do";
      w.nl();
      script(c.body, w);
      w.out += "done" + redirs(c.redirs, w);
      return;
    case "for":
      w.out += `for ${c.name}`;
      if (c.items) w.out += " in " + c.items.map((x) => word(x, w)).join(" ");
      w.nl();
      w.out += "do";
      w.nl();
      script(c.body, w);
      w.out += "done" + redirs(c.redirs, w);
      return;
    case "case":
      w.out += `case ${word(c.word, w)} in`;
      w.nl();
      for (const item of c.items) {
        w.out += `${item.patterns.map((p) => word(p, w)).join("|")})`;
        w.nl();
        script(item.body, w);
        w.out += ";;";
        w.nl();
      }
      w.out += "esac" + redirs(c.redirs, w);
      return;
    case "func":
      w.out += `${c.name}() `;
      command(c.body, w);
      return;
  }
}

function andOr(a: AndOr, w: Writer): void {
  const pipeline = (p: AndOr["first"]) => {
    if (p.bang) w.out += "! ";
    p.cmds.forEach((c, i) => {
      if (i > 0) w.out += " | ";
      command(c, w);
    });
  };
  pipeline(a.first);
  for (const r of a.rest) {
    w.out += ` ${r.op} `;
    pipeline(r.pipeline);
  }
  if (a.background) w.out += " &";
}

/** The source line of the first simple command in a tree, if any. */
function firstLine(v: unknown): number | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (o.type === "simple" && typeof o.line === "number") return o.line;
  for (const x of Object.values(o)) {
    const n = Array.isArray(x) ? x.map(firstLine).find((l) => l !== undefined) : firstLine(x);
    if (n !== undefined) return n;
  }
  return undefined;
}

function script(s: Script, w: Writer): void {
  for (const item of s.items) {
    const line = firstLine(item);
    if (line !== undefined) {
      w.out += LINE_DIRECTIVE + line;
      w.nl();
    }
    andOr(item, w);
    w.nl();
  }
}

/**
 * Shell text for a list.
 *
 * @param s The list.
 * @returns Text that parses back to the same tree.
 * @example
 * ```ts
 * import { parseScript } from "./parser.ts";
 * import { unparseScript } from "./unparse.ts";
 * console.log(unparseScript(parseScript("a && b | c")));
 * ```
 */
export function unparseScript(s: Script): string {
  const w = new Writer();
  script(s, w);
  return w.out;
}

/**
 * Shell text for one command (a function definition, a pipeline part).
 *
 * @param c The command.
 * @returns Its text, with any here-document bodies after it.
 */
export function unparseCommand(c: Command): string {
  const w = new Writer();
  command(c, w);
  w.nl();
  return w.out;
}
