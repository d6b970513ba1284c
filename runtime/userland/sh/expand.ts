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

/**
 * Expands parts into chunks. Synchronous (returns undefined) until a part must wait — a
 * command substitution — then the rest continues in the promise it returns, in order.
 */
function expandParts(
  parts: WordPart[],
  ctx: ExpandContext,
  out: Chunk[],
  inDq: boolean,
  from = 0,
): Promise<void> | undefined {
  for (let i = from; i < parts.length; i++) {
    const p = parts[i]!;
    let pending: Promise<void> | undefined;
    switch (p.type) {
      case "lit":
        out.push({ s: p.text, q: p.quoted || inDq, split: false });
        break;
      case "sq":
        out.push({ s: p.text, q: true, split: false });
        break;
      case "dq":
        if (!hasQuotedAt(p.parts)) out.push({ s: "", q: true, split: false });
        pending = expandParts(p.parts, ctx, out, true);
        break;
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
        pending = expandParam(p.param, ctx, out, inDq || p.quoted);
        break;
      case "cmdsub":
        pending = expandCommandSubst(p.script, ctx, out, inDq || p.quoted);
        break;
      case "arith": {
        const q = inDq || p.quoted;
        const text = expandString(p.expr, ctx);
        if (typeof text === "string") out.push({ s: ctx.arith(text), q, split: !q });
        else pending = text.then((t) => void out.push({ s: ctx.arith(t), q, split: !q }));
        break;
      }
    }
    if (pending) return pending.then(() => expandParts(parts, ctx, out, inDq, i + 1));
  }
  return undefined;
}

/** Whether double-quoted parts hold a plain `$@` (`"$@"` with no params gives no field). */
function hasQuotedAt(parts: WordPart[]): boolean {
  for (const x of parts) {
    if (x.type === "param" && x.param.name === "@" && x.param.op === "") return true;
  }
  return false;
}

async function expandCommandSubst(
  script: Script,
  ctx: ExpandContext,
  out: Chunk[],
  q: boolean,
): Promise<void> {
  const text = (await ctx.commandSubst(script)).replace(/\n+$/, "");
  out.push({ s: text, q, split: !q });
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

function expandParam(
  pe: ParamExp,
  ctx: ExpandContext,
  out: Chunk[],
  quoted: boolean,
): Promise<void> | undefined {
  const name = pe.name;
  const isList = name === "@" || name === "*";
  const value = paramValue(name, ctx, quoted);
  const isSet = isList ? ctx.positional().length > 0 : value !== undefined;
  if (pe.op === "#len") {
    if (value === undefined && ctx.nounset() && !isList) ctx.fail(`${name}: parameter not set`);
    out.push({ s: String(codePointLength(value ?? "")), q: quoted, split: !quoted });
    return;
  }
  const empty = !isSet || (pe.colon && (value ?? "") === "");
  switch (pe.op) {
    case "-":
      if (empty) return expandArg(pe.arg, ctx, out, quoted);
      break;
    case "=":
      if (empty) {
        if (isList || /^[0-9]/.test(name)) ctx.fail(`${name}: bad variable name`);
        const assign = (v: string) => {
          ctx.assign(name, v);
          out.push({ s: v, q: quoted, split: !quoted });
        };
        const v = expandString(pe.arg ?? { parts: [] }, ctx);
        if (typeof v !== "string") return v.then(assign);
        assign(v);
        return;
      }
      break;
    case "?":
      if (empty) {
        if (pe.arg && pe.arg.parts.length > 0) {
          const msg = expandString(pe.arg, ctx);
          if (typeof msg !== "string") return msg.then((m) => ctx.fail(`${name}: ${m}`));
          ctx.fail(`${name}: ${msg}`);
        }
        ctx.fail(`${name}: ${pe.colon ? "parameter not set or null" : "parameter not set"}`);
      }
      break;
    case "+":
      if (!empty) return expandArg(pe.arg, ctx, out, quoted);
      return;
    case "#":
    case "##":
    case "%":
    case "%%": {
      if (value === undefined && ctx.nounset() && !isList) ctx.fail(`${name}: parameter not set`);
      const op = pe.op;
      const trim = (pat: string) => {
        out.push({ s: trimPattern(value ?? "", pat, op), q: quoted, split: !quoted });
      };
      const pat = expandPattern(pe.arg ?? { parts: [] }, ctx);
      if (typeof pat !== "string") return pat.then(trim);
      trim(pat);
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

function expandArg(
  arg: Word | undefined,
  ctx: ExpandContext,
  out: Chunk[],
  quoted: boolean,
): Promise<void> | undefined {
  return arg ? expandParts(arg.parts, ctx, out, quoted) : undefined;
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
  if (ifs === "" || !hasAny(str, ifs)) return str === "" ? [] : [str];
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

/** Whether `str` has any of the characters of `set`. */
function hasAny(str: string, set: string): boolean {
  for (let i = 0; i < set.length; i++) if (str.includes(set[i]!)) return true;
  return false;
}

function escapeGlob(s: string): string {
  return s.replace(/[\\*?[\]]/g, "\\$&");
}

/**
 * Expands a word into fields: all expansions, field splitting and pathname expansion.
 * Synchronous when nothing in it waits (no command substitution, no pathname matches to
 * read).
 *
 * @param word The word.
 * @param ctx The shell.
 * @returns The fields (possibly none), or a promise of them.
 * @example
 * ```ts ignore
 * await expandWord(parseWord("$x*.ts"), ctx); // ["a.ts", "b.ts"]
 * ```
 */
export function expandWord(word: Word, ctx: ExpandContext): string[] | Promise<string[]> {
  const parts = word.parts;
  if (parts.length === 1) {
    const p = parts[0]!;
    if (p.type === "lit" && (p.quoted || !hasGlobChar(p.text) || !hasMagic(p.text))) {
      return [p.text];
    }
    if (p.type === "sq") return [p.text];
    if (p.type === "param" && p.param.op === "" && !p.quoted) {
      // A lone unquoted `$x` (`[ $i -lt 9 ]`): its value split, with no chunks.
      const name = p.param.name;
      if (name !== "@" && name !== "*") {
        const v = ctx.lookup(name);
        if (v === undefined && ctx.nounset()) ctx.fail(`${name}: parameter not set`);
        return globFields(splitString(v ?? "", ifsOf(ctx)), ctx);
      }
    }
  }
  const chunks: Chunk[] = [];
  const r = expandParts(parts, ctx, chunks, false);
  return r ? r.then(() => fieldsOf(chunks, ctx)) : fieldsOf(chunks, ctx);
}

/** Pathname expansion of split fields that are all unquoted text. */
function globFields(fields: string[], ctx: ExpandContext): string[] | Promise<string[]> {
  if (ctx.noglob()) return fields;
  let i = 0;
  while (i < fields.length && (!hasGlobChar(fields[i]!) || !hasMagic(fields[i]!))) i++;
  if (i === fields.length) return fields;
  return (async () => {
    const out = fields.slice(0, i);
    for (; i < fields.length; i++) {
      const f = fields[i]!;
      if (!hasGlobChar(f) || !hasMagic(f)) out.push(f);
      else {
        const matches = await ctx.glob(f);
        if (matches.length === 0) out.push(f);
        else out.push(...matches);
      }
    }
    return out;
  })();
}

/** Field splitting and pathname expansion of expanded chunks. */
function fieldsOf(chunks: Chunk[], ctx: ExpandContext): string[] | Promise<string[]> {
  const only = chunks[0];
  if (chunks.length === 1 && only!.split) {
    // Fast path for a lone unquoted expansion (`for i in $(seq …)`): split to strings.
    return globFields(splitString(only!.s, ifsOf(ctx)), ctx);
  }
  const noglob = ctx.noglob();
  const out: string[] = [];
  // A field with pattern characters: [pattern, its text when nothing matches].
  let globs: [number, string, string][] | undefined;
  for (const f of splitFields(chunks, ifsOf(ctx))) {
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
    (globs ??= []).push([out.length, pat, f.map((c) => c.s).join("")]);
    out.push("");
  }
  if (!globs) return out;
  const todo = globs;
  return (async () => {
    const matched: string[][] = [];
    for (const [, pat, text] of todo) {
      const m = await ctx.glob(pat);
      matched.push(m.length === 0 ? [text] : m);
    }
    // Splice the matches in, from the last so the indexes stay right.
    for (let j = todo.length - 1; j >= 0; j--) out.splice(todo[j]![0], 1, ...matched[j]!);
    return out;
  })();
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
export function expandString(word: Word, ctx: ExpandContext): string | Promise<string> {
  const parts = word.parts;
  if (parts.length === 1) {
    const p = parts[0]!;
    if (p.type === "lit" || p.type === "sq") return p.text;
  }
  const chunks: Chunk[] = [];
  const r = expandParts(parts, ctx, chunks, false);
  return r ? r.then(() => joinChunks(chunks)) : joinChunks(chunks);
}

function joinChunks(chunks: Chunk[]): string {
  if (chunks.length === 1) return chunks[0]!.brk ? " " : chunks[0]!.s;
  let s = "";
  for (const c of chunks) s += c.brk ? " " : c.s;
  return s;
}

/**
 * Expands a word to a pattern: expansion results and unquoted text keep their
 * special characters; quoted text is escaped (`case`, `${x#p}`).
 *
 * @param word The word.
 * @param ctx The shell.
 * @returns Pattern text for {@link matchPattern} (or a promise of it).
 * @example
 * ```ts ignore
 * await expandPattern(word, ctx); // "\\*.ts" for '"*".ts'
 * ```
 */
export function expandPattern(word: Word, ctx: ExpandContext): string | Promise<string> {
  const parts = word.parts;
  if (parts.length === 1) {
    const p = parts[0]!;
    if (p.type === "lit" && !p.quoted) return p.text;
  }
  const chunks: Chunk[] = [];
  const r = expandParts(parts, ctx, chunks, false);
  return r ? r.then(() => patternOf(chunks)) : patternOf(chunks);
}

function patternOf(chunks: Chunk[]): string {
  let s = "";
  for (const c of chunks) s += c.brk ? " " : c.q ? escapeGlob(c.s) : c.s;
  return s;
}
