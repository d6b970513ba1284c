/**
 * Word expansion (POSIX 2.6): tilde, parameter, command substitution, arithmetic,
 * field splitting with `IFS`, pathname expansion and quote removal.
 *
 * The expander only knows the shell through {@link ExpandContext}, so it can be tested
 * without a kernel.
 *
 * @module
 */
import type { ParamExp, Script, Word, WordPart } from "./ast.ts";
import { codePointLength, hasMagic, trimPattern, unescapePattern } from "./pattern.ts";

/** What expansion needs from the shell. */
export interface ExpandContext {
  /** A variable or special parameter (`?`, `$`, `!`, `-`, `#`, `0`, `1`…); undefined when unset. */
  lookup(name: string): string | undefined;
  /** Assigns a variable (`${x:=w}`); throws when it is readonly. */
  assign(name: string, value: string): void;
  /** The positional parameters `$1…`. */
  positional(): readonly string[];
  /** Runs a command substitution and returns its output. */
  commandSubst(script: Script): Promise<string>;
  /** Evaluates arithmetic text. */
  arith(text: string): string;
  /** Pathname expansion of a pattern: sorted matches, empty when none. */
  glob(pattern: string): Promise<string[]>;
  /** Home directory of a user ("" = the current user's `$HOME`), undefined when unknown. */
  home(user: string): string | undefined;
  /** Whether `set -u` is on. */
  nounset(): boolean;
  /** Whether `set -f` is on. */
  noglob(): boolean;
  /** Reports an expansion error (`x: parameter not set`) and aborts the command. */
  fail(message: string): never;
}

/** A piece of expanded text: `q` quoted (no splitting or globbing), `s` subject to splitting. */
interface Chunk {
  s: string;
  q: boolean;
  split: boolean;
  brk?: boolean;
}

const BREAK: Chunk = { s: "", q: true, split: false, brk: true };

function ifsOf(ctx: ExpandContext): string {
  const v = ctx.lookup("IFS");
  return v === undefined ? " \t\n" : v;
}

async function expandParts(
  parts: WordPart[],
  ctx: ExpandContext,
  out: Chunk[],
  inDq: boolean,
): Promise<void> {
  for (const p of parts) {
    switch (p.type) {
      case "lit":
        out.push({ s: p.text, q: p.quoted || inDq, split: false });
        break;
      case "sq":
        out.push({ s: p.text, q: true, split: false });
        break;
      case "dq": {
        const hasAt = p.parts.some((x) =>
          x.type === "param" && x.param.name === "@" && x.param.op === ""
        );
        if (!hasAt) out.push({ s: "", q: true, split: false });
        await expandParts(p.parts, ctx, out, true);
        break;
      }
      case "tilde": {
        const h = ctx.home(p.user);
        out.push(
          h === undefined
            ? { s: "~" + p.user, q: false, split: false }
            : { s: h, q: true, split: false },
        );
        break;
      }
      case "param":
        await expandParam(p.param, ctx, out, inDq || p.quoted);
        break;
      case "cmdsub": {
        const text = (await ctx.commandSubst(p.script)).replace(/\n+$/, "");
        out.push({ s: text, q: inDq || p.quoted, split: !(inDq || p.quoted) });
        break;
      }
      case "arith": {
        const text = await expandString(p.expr, ctx);
        const v = ctx.arith(text);
        out.push({ s: v, q: inDq || p.quoted, split: !(inDq || p.quoted) });
        break;
      }
    }
  }
}

function paramValue(name: string, ctx: ExpandContext, quoted: boolean): string | undefined {
  if (name === "@" || name === "*") {
    const pos = ctx.positional();
    if (name === "*" && quoted) {
      const ifs = ifsOf(ctx);
      return pos.join(ifs === "" ? "" : ifs[0]);
    }
    return pos.join(" ");
  }
  return ctx.lookup(name);
}

async function expandParam(pe: ParamExp, ctx: ExpandContext, out: Chunk[], quoted: boolean) {
  const name = pe.name;
  const isList = name === "@" || name === "*";
  let value = paramValue(name, ctx, quoted);
  const isSet = isList ? ctx.positional().length > 0 : value !== undefined;
  if (pe.op === "#len") {
    if (value === undefined && ctx.nounset() && !isList) ctx.fail(`${name}: parameter not set`);
    out.push({ s: String(codePointLength(value ?? "")), q: quoted, split: !quoted });
    return;
  }
  const empty = !isSet || (pe.colon && (value ?? "") === "");
  switch (pe.op) {
    case "-":
      if (empty) {
        await expandArg(pe.arg, ctx, out, quoted);
        return;
      }
      break;
    case "=":
      if (empty) {
        if (isList || /^[0-9]/.test(name)) ctx.fail(`${name}: bad variable name`);
        const v = await expandString(pe.arg ?? { parts: [] }, ctx);
        ctx.assign(name, v);
        out.push({ s: v, q: quoted, split: !quoted });
        return;
      }
      break;
    case "?":
      if (empty) {
        const msg = pe.arg && pe.arg.parts.length > 0
          ? await expandString(pe.arg, ctx)
          : pe.colon
          ? "parameter not set or null"
          : "parameter not set";
        ctx.fail(`${name}: ${msg}`);
      }
      break;
    case "+":
      if (!empty) await expandArg(pe.arg, ctx, out, quoted);
      return;
    case "#":
    case "##":
    case "%":
    case "%%": {
      if (value === undefined && ctx.nounset() && !isList) ctx.fail(`${name}: parameter not set`);
      const pat = await expandPattern(pe.arg ?? { parts: [] }, ctx);
      value = trimPattern(value ?? "", pat, pe.op);
      out.push({ s: value, q: quoted, split: !quoted });
      return;
    }
  }
  if (!isSet && !isList && ctx.nounset()) ctx.fail(`${name}: parameter not set`);
  if (isList && (name === "@" || !quoted)) {
    const pos = ctx.positional();
    pos.forEach((v, i) => {
      if (i > 0) out.push(BREAK);
      out.push({ s: v, q: quoted, split: !quoted });
    });
    return;
  }
  out.push({ s: value ?? "", q: quoted, split: !quoted });
}

async function expandArg(arg: Word | undefined, ctx: ExpandContext, out: Chunk[], quoted: boolean) {
  if (!arg) return;
  await expandParts(arg.parts, ctx, out, quoted);
}

/** Splits chunks into fields by IFS; each field is a list of chunks. */
function splitFields(chunks: Chunk[], ifs: string): Chunk[][] {
  const fields: Chunk[][] = [];
  let cur: Chunk[] = [];
  let has = false;
  let wsPending = false;
  const push = () => {
    fields.push(cur);
    cur = [];
    has = false;
    wsPending = false;
  };
  for (const c of chunks) {
    if (c.brk) {
      push();
      continue;
    }
    if (!c.split || ifs === "") {
      if (wsPending) push();
      if (c.s !== "" || c.q) has = true;
      cur.push(c);
      continue;
    }
    const str = c.s;
    const n = str.length;
    let i = 0;
    while (i < n) {
      const ch = str[i]!;
      if (ifs.includes(ch)) {
        if (ch === " " || ch === "\t" || ch === "\n") {
          if (has) wsPending = true;
        } else push();
        i++;
        continue;
      }
      let j = i + 1;
      while (j < n && !ifs.includes(str[j]!)) j++;
      if (wsPending) push();
      cur.push({ s: str.slice(i, j), q: false, split: false });
      has = true;
      i = j;
    }
  }
  if (has) fields.push(cur);
  return fields;
}

/** {@link splitFields} for one unquoted string: the same rules, without chunk objects. */
function splitString(str: string, ifs: string): string[] {
  if (ifs === "") return str === "" ? [] : [str];
  const out: string[] = [];
  let cur = "";
  let has = false;
  let wsPending = false;
  const n = str.length;
  let i = 0;
  while (i < n) {
    const ch = str[i]!;
    if (ifs.includes(ch)) {
      if (ch === " " || ch === "\t" || ch === "\n") {
        if (has) wsPending = true;
      } else {
        out.push(cur);
        cur = "";
        has = false;
        wsPending = false;
      }
      i++;
      continue;
    }
    let j = i + 1;
    while (j < n && !ifs.includes(str[j]!)) j++;
    if (wsPending) {
      out.push(cur);
      cur = "";
      wsPending = false;
    }
    cur += str.slice(i, j);
    has = true;
    i = j;
  }
  if (has) out.push(cur);
  return out;
}

function escapeGlob(s: string): string {
  return s.replace(/[\\*?[\]]/g, "\\$&");
}

/**
 * Expands a word into fields: all expansions, field splitting and pathname expansion.
 *
 * @param word The word.
 * @param ctx The shell.
 * @returns The fields (possibly none).
 * @example
 * ```ts ignore
 * await expandWord(parseWord("$x*.ts"), ctx); // ["a.ts", "b.ts"]
 * ```
 */
export async function expandWord(word: Word, ctx: ExpandContext): Promise<string[]> {
  const parts = word.parts;
  if (parts.length === 1) {
    const p = parts[0]!;
    if (p.type === "lit" && (p.quoted || !hasGlobChar(p.text) || !hasMagic(p.text))) {
      return [p.text];
    }
    if (p.type === "sq") return [p.text];
  }
  const chunks: Chunk[] = [];
  await expandParts(parts, ctx, chunks, false);
  const out: string[] = [];
  const noglob = ctx.noglob();
  const only = chunks[0];
  if (chunks.length === 1 && only!.split) {
    // Fast path for a lone unquoted expansion (`for i in $(seq …)`): split to strings.
    for (const f of splitString(only!.s, ifsOf(ctx))) {
      if (noglob || !hasGlobChar(f) || !hasMagic(f)) out.push(f);
      else {
        const matches = await ctx.glob(f);
        if (matches.length === 0) out.push(f);
        else out.push(...matches);
      }
    }
    return out;
  }
  const fields = splitFields(chunks, ifsOf(ctx));
  for (const f of fields) {
    const magic = !noglob && f.some((c) => !c.q && hasGlobChar(c.s));
    if (!magic) {
      out.push(f.map((c) => c.s).join(""));
      continue;
    }
    const pat = f.map((c) => (c.q ? escapeGlob(c.s) : c.s)).join("");
    if (!hasMagic(pat)) {
      out.push(unescapePattern(pat));
      continue;
    }
    const matches = await ctx.glob(pat);
    if (matches.length === 0) out.push(f.map((c) => c.s).join(""));
    else out.push(...matches);
  }
  return out;
}

function hasGlobChar(s: string): boolean {
  return s.includes("*") || s.includes("?") || s.includes("[");
}

/**
 * Expands a word to one string, without field splitting or pathname expansion
 * (assignments, redirection targets, here-documents, `case` words).
 *
 * @param word The word.
 * @param ctx The shell.
 * @returns The text.
 * @example
 * ```ts ignore
 * await expandString(word, ctx); // "a b"
 * ```
 */
export async function expandString(word: Word, ctx: ExpandContext): Promise<string> {
  const parts = word.parts;
  if (parts.length === 1) {
    const p = parts[0]!;
    if (p.type === "lit" || p.type === "sq") return p.text;
  }
  const chunks: Chunk[] = [];
  await expandParts(parts, ctx, chunks, false);
  return chunks.map((c) => (c.brk ? " " : c.s)).join("");
}

/**
 * Expands a word to a pattern: expansion results and unquoted text keep their
 * special characters; quoted text is escaped (`case`, `${x#p}`).
 *
 * @param word The word.
 * @param ctx The shell.
 * @returns Pattern text for {@link matchPattern}.
 * @example
 * ```ts ignore
 * await expandPattern(word, ctx); // "\\*.ts" for '"*".ts'
 * ```
 */
export async function expandPattern(word: Word, ctx: ExpandContext): Promise<string> {
  const chunks: Chunk[] = [];
  await expandParts(word.parts, ctx, chunks, false);
  return chunks.map((c) => (c.brk ? " " : c.q ? escapeGlob(c.s) : c.s)).join("");
}
