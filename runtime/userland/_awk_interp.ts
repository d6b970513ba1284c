/**
 * The awk-lite interpreter: values (numbers, strings, input strnums), fields and records,
 * variables and arrays, statements and built-in functions. The `awk` applet drives it.
 *
 * @module
 */
import type { Ctx } from "./_applet.ts";
import { compileRegex, RegexError } from "./_regex.ts";
import { formatPrintf } from "./_printf.ts";
import type { Expr, Program, Stmt } from "./_awk_parse.ts";
import { HeapMeter, PIECE_BYTES, piecesAfter, textBytes } from "./_heap.ts";

/** A string that came from input: numeric when it looks like a number. */
export class StrNum {
  constructor(readonly s: string) {}
}
export type Value = number | string | StrNum | undefined;

const NUMERIC = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

export function num(v: Value): number {
  if (typeof v === "number") return v;
  const s = v === undefined ? "" : v instanceof StrNum ? v.s : v;
  const m = /^\s*[-+]?(0[xX][0-9a-fA-F]+|(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)/.exec(s);
  return m ? Number(m[0]) || 0 : 0;
}

function fmtNum(n: number, convfmt: string): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return String(n);
  if (Number.isNaN(n)) return "nan";
  if (!Number.isFinite(n)) return n > 0 ? "inf" : "-inf";
  return formatPrintf(convfmt, [String(n)]).text;
}

function looksNumeric(v: Value): boolean {
  return typeof v === "number" || v === undefined || (v instanceof StrNum && NUMERIC.test(v.s));
}

export class Next {}
export class Exit {
  constructor(readonly code: number) {}
}
class Return {
  constructor(readonly v: Value) {}
}
class Break {}
class Continue {}
/** A run-time error (printed as `awk: ...`, exit 2). */
export class AwkError extends Error {}

type Arr = Map<string, Value>;

/** What an array element costs beyond its key and value (map entry, key string header). */
const ENTRY_BYTES = 64;

/** The bytes a value holds (see `textBytes`). */
function sizeOf(v: Value): number {
  return typeof v === "string" ? textBytes(v) : v instanceof StrNum ? textBytes(v.s) : 0;
}

export class Interp {
  globals = new Map<string, Value>();
  arrays = new Map<string, Arr>();
  fields: string[] = [""];
  nf = 0;
  record = "";
  files = new Map<string, string>();
  reCache = new Map<string, RegExp>();
  locals: Map<string, Value | Arr>[] = [];
  input: { lines: string[]; i: number } | null = null;
  rangeOn = new WeakSet<object>();
  randSeed = 0;
  prevSeed = 0;
  /**
   * What the program's variables and arrays hold, declared to the kernel (see `_heap.ts`):
   * `a[i++] = $0` over an endless input, or `s = s s`, then meets the container's
   * memory.max instead of growing the daemon.
   */
  readonly #heap: HeapMeter;
  /** Rope pieces of values grown by appending, by where they are and key (see `PIECE_BYTES`). */
  readonly #pieces = new WeakMap<Map<string, unknown>, Map<string, number>>();

  constructor(readonly ctx: Ctx, readonly prog: Program) {
    this.#heap = new HeapMeter(ctx.sys);
    for (
      const [k, v] of Object.entries({
        FS: " ",
        OFS: " ",
        ORS: "\n",
        RS: "\n",
        SUBSEP: "\x1c",
        CONVFMT: "%.6g",
        OFMT: "%.6g",
        NR: 0,
        NF: 0,
        FNR: 0,
        FILENAME: "",
        RSTART: 0,
        RLENGTH: -1,
      })
    ) {
      this.globals.set(k, v);
    }
    const env = new Map<string, Value>();
    for (const e of ctx.sys.environ()) {
      const i = e.indexOf("=");
      if (i > 0) env.set(e.slice(0, i), new StrNum(e.slice(i + 1)));
    }
    this.arrays.set("ENVIRON", env);
  }

  str(v: Value): string {
    if (v === undefined) return "";
    if (typeof v === "number") return fmtNum(v, String(this.globals.get("CONVFMT")));
    return v instanceof StrNum ? v.s : v;
  }

  outStr(v: Value): string {
    return typeof v === "number" ? fmtNum(v, String(this.globals.get("OFMT"))) : this.str(v);
  }

  regex(v: Expr | Value, fromExpr = true): RegExp {
    let src: string;
    if (
      fromExpr && v !== undefined && typeof v === "object" && !(v instanceof StrNum) && "k" in v
    ) {
      src = v.k === "re" ? v.src : this.str(this.eval(v));
    } else src = this.str(v as Value);
    let re = this.reCache.get(src);
    if (!re) {
      try {
        re = compileRegex(src, { extended: true });
      } catch (e) {
        if (e instanceof RegexError) {
          throw new AwkError(`regular expression error: ${e.message}: /${src}/`);
        }
        throw e;
      }
      this.reCache.set(src, re);
    }
    return re;
  }

  setRecord(text: string): void {
    this.record = text;
    this.splitRecord();
  }

  splitRecord(): void {
    const fs = this.str(this.globals.get("FS"));
    this.fields = [this.record, ...this.split(this.record, fs)];
    this.nf = this.fields.length - 1;
    this.globals.set("NF", this.nf);
  }

  split(text: string, fs: string): string[] {
    if (text === "") return [];
    if (fs === " ") return text.split(/[ \t\n]+/).filter((x) => x !== "");
    if (fs.length === 1 && fs !== "\\") return text.split(fs);
    return text.split(this.regex(fs, false));
  }

  rebuild(): void {
    const ofs = this.str(this.globals.get("OFS"));
    this.record = this.fields.slice(1, this.nf + 1).join(ofs);
    this.fields[0] = this.record;
  }

  getField(i: number): Value {
    if (i < 0) throw new AwkError(`trying to access out of range field ${i}`);
    if (i === 0) return new StrNum(this.record);
    const f = this.fields[i];
    return f === undefined ? undefined : new StrNum(f);
  }

  setField(i: number, v: string): void {
    if (i === 0) {
      this.setRecord(v);
      return;
    }
    while (this.fields.length <= i) this.fields.push("");
    this.fields[i] = v;
    if (i > this.nf) this.nf = i;
    this.globals.set("NF", this.nf);
    this.rebuild();
  }

  scope(name: string): Map<string, Value | Arr> | null {
    const top = this.locals[this.locals.length - 1];
    return top && top.has(name) ? top : null;
  }

  getVar(name: string): Value {
    const s = this.scope(name);
    if (s) {
      const v = s.get(name);
      if (v instanceof Map) throw new AwkError(`can't use array ${name} in scalar context`);
      return v;
    }
    if (name === "NF") return this.nf;
    return this.globals.get(name);
  }

  setVar(name: string, v: Value): void {
    const s = this.scope(name);
    if (s) {
      this.#replace(s, name, v, 0);
      s.set(name, v);
      return;
    }
    if (name === "NF") {
      this.nf = Math.max(0, Math.trunc(num(v)));
      this.fields.length = Math.min(this.fields.length, this.nf + 1);
      while (this.fields.length <= this.nf) this.fields.push("");
      this.globals.set("NF", this.nf);
      this.rebuild();
      return;
    }
    this.#replace(this.globals, name, v, 0);
    this.globals.set(name, v);
  }

  /** Declare `bytes` more (or, negative, fewer) held. */
  #charge(bytes: number): void {
    if (bytes > 0 && !this.#heap.hold(bytes)) throw new AwkError("out of memory");
    if (bytes < 0) this.#heap.release(-bytes);
  }

  /**
   * Declare `v` replacing the value at `key` of `where` (globals, a function's frame or an
   * array), with `extra` bytes more: their text, and their rope pieces (`s = s $0` adds one:
   * see `PIECE_BYTES`).
   */
  #replace(where: Map<string, unknown>, key: string, v: Value, extra: number): void {
    const old = where.get(key) as Value;
    let counts = this.#pieces.get(where);
    const had = counts?.get(key) ?? 0;
    const now = typeof v === "string"
      ? piecesAfter(typeof old === "string" ? old : undefined, v, had)
      : 0;
    if (now !== had) {
      if (!counts) this.#pieces.set(where, counts = new Map());
      if (now > 0) counts.set(key, now);
      else counts.delete(key);
    }
    this.#charge(sizeOf(v) - sizeOf(old) + extra + (now - had) * PIECE_BYTES);
  }

  /** The bytes the rope pieces of `where`'s values hold, forgotten (it is being let go of). */
  #dropPieces(where: Map<string, unknown>, key?: string): number {
    const counts = this.#pieces.get(where);
    if (!counts) return 0;
    let pieces = 0;
    if (key !== undefined) {
      pieces = counts.get(key) ?? 0;
      counts.delete(key);
    } else {
      for (const n of counts.values()) pieces += n;
      this.#pieces.delete(where);
    }
    return pieces * PIECE_BYTES;
  }

  /** Set an element, declaring what it adds. */
  #setElement(a: Arr, k: string, v: Value): void {
    const had = a.has(k);
    this.#replace(a, k, v, had ? 0 : ENTRY_BYTES + k.length * 2);
    a.set(k, v);
  }

  /** Empty an array, giving back what it held. */
  #clear(a: Arr): void {
    let bytes = this.#dropPieces(a);
    for (const [k, v] of a) bytes += ENTRY_BYTES + k.length * 2 + sizeOf(v);
    a.clear();
    this.#charge(-bytes);
  }

  array(name: string): Arr {
    const s = this.scope(name);
    if (s) {
      let a = s.get(name);
      if (!(a instanceof Map)) {
        a = new Map();
        s.set(name, a);
      }
      return a;
    }
    let a = this.arrays.get(name);
    if (!a) this.arrays.set(name, a = new Map());
    return a;
  }

  key(subs: Expr[]): string {
    return subs.map((s) => this.str(this.eval(s))).join(this.str(this.globals.get("SUBSEP")));
  }

  assign(target: Expr, v: Value): void {
    if (target.k === "var") this.setVar(target.name, v);
    else if (target.k === "field") this.setField(Math.trunc(num(this.eval(target.e))), this.str(v));
    else if (target.k === "index") {
      this.#setElement(this.array(target.name), this.key(target.subs), v);
    } else if (target.k === "group") this.assign(target.e, v);
    else throw new AwkError("assignment to a non-variable");
  }

  compare(a: Value, b: Value): number {
    if (looksNumeric(a) && looksNumeric(b)) {
      const x = num(a);
      const y = num(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    const x = this.str(a);
    const y = this.str(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }

  truthy(v: Value): boolean {
    if (typeof v === "number") return v !== 0;
    if (v instanceof StrNum) return NUMERIC.test(v.s) ? num(v) !== 0 : v.s !== "";
    return v !== undefined && v !== "";
  }

  eval(e: Expr): Value {
    switch (e.k) {
      case "num":
        return e.v;
      case "str":
        return e.v;
      case "re":
        return this.regex(e).test(this.record) ? 1 : 0;
      case "group":
        return this.eval(e.e);
      case "var":
        return this.getVar(e.name);
      case "field":
        return this.getField(Math.trunc(num(this.eval(e.e))));
      case "index": {
        const a = this.array(e.name);
        const k = this.key(e.subs);
        if (!a.has(k)) this.#setElement(a, k, undefined);
        return a.get(k);
      }
      case "in":
        return this.array(e.name).has(this.key(e.subs)) ? 1 : 0;
      case "assign": {
        let v = this.eval(e.e);
        if (e.op !== "=") {
          const cur = num(this.eval(e.target));
          const r = num(v);
          v = this.arith(e.op[0]!, cur, r);
        } else if (v instanceof StrNum) v = new StrNum(v.s);
        this.assign(e.target, v);
        return v;
      }
      case "cond":
        return this.truthy(this.eval(e.c)) ? this.eval(e.a) : this.eval(e.b);
      case "un": {
        const v = this.eval(e.e);
        if (e.op === "!") return this.truthy(v) ? 0 : 1;
        return e.op === "-" ? -num(v) : num(v);
      }
      case "incdec": {
        const cur = num(this.eval(e.target));
        const nv = e.op === "++" ? cur + 1 : cur - 1;
        this.assign(e.target, nv);
        return e.prefix ? nv : cur;
      }
      case "match": {
        const r = this.regex(e.re).test(this.str(this.eval(e.e)));
        return r !== e.neg ? 1 : 0;
      }
      case "bin": {
        if (e.op === "&&") {
          return this.truthy(this.eval(e.a)) && this.truthy(this.eval(e.b)) ? 1 : 0;
        }
        if (e.op === "||") {
          return this.truthy(this.eval(e.a)) || this.truthy(this.eval(e.b)) ? 1 : 0;
        }
        const a = this.eval(e.a);
        const b = this.eval(e.b);
        switch (e.op) {
          case " ":
            return this.str(a) + this.str(b);
          case "<":
            return this.compare(a, b) < 0 ? 1 : 0;
          case "<=":
            return this.compare(a, b) <= 0 ? 1 : 0;
          case ">":
            return this.compare(a, b) > 0 ? 1 : 0;
          case ">=":
            return this.compare(a, b) >= 0 ? 1 : 0;
          case "==":
            return this.compare(a, b) === 0 ? 1 : 0;
          case "!=":
            return this.compare(a, b) !== 0 ? 1 : 0;
        }
        return this.arith(e.op, num(a), num(b));
      }
      case "call":
        return this.call(e.name, e.args);
      case "getline":
        return this.getline(e.target, e.file);
    }
  }

  arith(op: string, a: number, b: number): number {
    switch (op) {
      case "+":
        return a + b;
      case "-":
        return a - b;
      case "*":
        return a * b;
      case "/":
        if (b === 0) throw new AwkError("division by zero");
        return a / b;
      case "%":
        if (b === 0) throw new AwkError("division by zero in %");
        return a % b;
      case "^":
        return a ** b;
    }
    return 0;
  }

  getline(target: Expr | null, file: Expr | null): Value {
    let line: string | undefined;
    if (file) {
      const name = this.str(this.eval(file));
      const key = `<${name}`;
      let state = this.getlineFiles.get(key);
      if (!state) {
        const text = this.preloaded.get(name);
        if (text === undefined) return -1;
        state = { lines: splitRecords(text, this.str(this.globals.get("RS"))), i: 0 };
        this.getlineFiles.set(key, state);
      }
      line = state.lines[state.i++];
      if (line === undefined) return 0;
    } else {
      if (!this.input) return 0;
      line = this.input.lines[this.input.i++];
      if (line === undefined) return 0;
      this.globals.set("NR", num(this.globals.get("NR")) + 1);
      this.globals.set("FNR", num(this.globals.get("FNR")) + 1);
    }
    if (target) this.assign(target, new StrNum(line));
    else this.setRecord(line);
    return 1;
  }

  getlineFiles = new Map<string, { lines: string[]; i: number }>();
  preloaded = new Map<string, string>();

  call(name: string, args: Expr[]): Value {
    const a = (i: number) => (args[i] ? this.eval(args[i]!) : undefined);
    switch (name) {
      case "length": {
        if (args.length === 0) return [...this.record].length;
        const x = args[0]!;
        if (
          x.k === "var" &&
          (this.arrays.has(x.name) || this.scope(x.name)?.get(x.name) instanceof Map)
        ) {
          return this.array(x.name).size;
        }
        return [...this.str(this.eval(x))].length;
      }
      case "substr": {
        const s = [...this.str(a(0))];
        let m = Math.round(num(a(1)));
        let n = args.length > 2 ? Math.round(num(a(2))) : Infinity;
        if (m < 1) {
          n += m - 1;
          m = 1;
        }
        if (n <= 0) return "";
        return s.slice(m - 1, n === Infinity ? undefined : m - 1 + n).join("");
      }
      case "index":
        return this.str(a(0)).indexOf(this.str(a(1))) + 1;
      case "split": {
        const text = this.str(a(0));
        const target = args[1];
        if (!target || target.k !== "var") {
          throw new AwkError("split: second argument is not an array");
        }
        const arr = this.array(target.name);
        this.#clear(arr);
        const sep = args.length > 2
          ? (args[2]!.k === "re" ? (args[2] as { src: string }).src : this.str(a(2)))
          : this.str(this.globals.get("FS"));
        const parts = this.split(text, sep);
        parts.forEach((p, i) => this.#setElement(arr, String(i + 1), new StrNum(p)));
        return parts.length;
      }
      case "sub":
      case "gsub": {
        const re = this.regex(args[0]!);
        const repl = this.str(a(1));
        const target: Expr = args[2] ?? { k: "field", e: { k: "num", v: 0 } };
        const text = this.str(this.eval(target));
        let count = 0;
        const g = new RegExp(re.source, re.flags.includes("g") ? re.flags : re.flags + "g");
        let out = "";
        let last = 0;
        for (let m = g.exec(text); m; m = g.exec(text)) {
          out += text.slice(last, m.index) +
            repl.replace(/\\\\|\\&|&/g, (t) => (t === "&" ? m![0] : t === "\\&" ? "&" : "\\"));
          last = m.index + m[0].length;
          count++;
          if (m[0] === "") {
            if (m.index < text.length) out += text[m.index];
            last = m.index + 1;
            g.lastIndex = m.index + 1;
          }
          if (name === "sub") break;
        }
        if (count) this.assign(target, out + text.slice(last));
        return count;
      }
      case "match": {
        const m = this.regex(args[1]!).exec(this.str(a(0)));
        this.globals.set("RSTART", m ? m.index + 1 : 0);
        this.globals.set("RLENGTH", m ? m[0].length : -1);
        return m ? m.index + 1 : 0;
      }
      case "sprintf": {
        const vals = args.slice(1).map((x) => this.eval(x));
        return this.sprintf(this.str(a(0)), vals);
      }
      case "toupper":
        return this.str(a(0)).toUpperCase();
      case "tolower":
        return this.str(a(0)).toLowerCase();
      case "int":
        return Math.trunc(num(a(0)));
      case "sqrt":
        return Math.sqrt(num(a(0)));
      case "exp":
        return Math.exp(num(a(0)));
      case "log":
        return Math.log(num(a(0)));
      case "sin":
        return Math.sin(num(a(0)));
      case "cos":
        return Math.cos(num(a(0)));
      case "atan2":
        return Math.atan2(num(a(0)), num(a(1)));
      case "rand": {
        this.randSeed = (this.randSeed * 1103515245 + 12345) % 2147483648;
        return this.randSeed / 2147483648;
      }
      case "srand": {
        const prev = this.prevSeed;
        this.prevSeed = args.length ? num(a(0)) : Math.floor(Date.now() / 1000);
        this.randSeed = this.prevSeed;
        return prev;
      }
      case "close":
        return 0;
      case "system":
        throw new SystemCall(this.str(a(0)));
    }
    const f = this.prog.funcs.get(name);
    if (!f) throw new AwkError(`calling undefined function ${name}`);
    const frame = new Map<string, Value | Arr>();
    f.params.forEach((p, i) => {
      const arg = args[i];
      if (
        arg && arg.k === "var" &&
        (this.arrays.has(arg.name) || this.scope(arg.name)?.get(arg.name) instanceof Map)
      ) {
        frame.set(p, this.array(arg.name));
      } else if (
        arg && arg.k === "var" && this.getVarRaw(arg.name) === undefined &&
        this.isArrayParam(f.body, p)
      ) {
        frame.set(p, this.array(arg.name));
      } else {
        const v = arg ? this.eval(arg) : undefined;
        this.#charge(sizeOf(v));
        frame.set(p, v);
      }
    });
    const passed = new Set([...frame.values()].filter((v) => v instanceof Map));
    this.locals.push(frame);
    try {
      this.execAll(f.body);
    } catch (e) {
      if (e instanceof Return) return e.v;
      throw e;
    } finally {
      this.locals.pop();
      // The function's own scalars and arrays are let go of (the caller's arrays stay).
      for (const v of frame.values()) {
        if (v instanceof Map) {
          if (!passed.has(v)) this.#clear(v);
        } else this.#charge(-sizeOf(v));
      }
      this.#charge(-this.#dropPieces(frame));
    }
    return undefined;
  }

  getVarRaw(name: string): Value | Arr {
    const s = this.scope(name);
    return s ? s.get(name) : this.globals.get(name);
  }

  isArrayParam(body: Stmt[], p: string): boolean {
    return JSON.stringify(body).includes(`"name":"${p}","subs"`);
  }

  sprintf(fmt: string, vals: Value[]): string {
    const convs = fmt.replace(/%%/g, "").match(/%[-+ #0]*(\*|\d+)?(\.(\*|\d*))?[a-zA-Z]/g) ?? [];
    let need = 0;
    for (const c of convs) need += 1 + (c.match(/\*/g)?.length ?? 0);
    const args = vals.slice(0, need).map((v, i) => {
      const conv = convs[i]?.slice(-1) ?? "s";
      if (conv === "c" && typeof v === "number") return String.fromCharCode(v);
      if ("dioxXuc".includes(conv) || "eEfFgG".includes(conv)) return String(num(v));
      return this.str(v);
    });
    while (args.length < need) args.push("");
    return formatPrintf(fmt.replace(/\\/g, "\\\\"), args).text;
  }

  exec(s: Stmt): void {
    switch (s.k) {
      case "expr":
        this.eval(s.e);
        return;
      case "print": {
        const text =
          (s.args.length
            ? s.args.map((a) => this.outStr(this.eval(a))).join(this.str(this.globals.get("OFS")))
            : this.record) +
          this.str(this.globals.get("ORS"));
        this.emit(text, s.redirect);
        return;
      }
      case "printf": {
        if (s.args.length === 0) throw new AwkError("printf: no format");
        const vals = s.args.map((a) => this.eval(a));
        this.emit(this.sprintf(this.str(vals[0]), vals.slice(1)), s.redirect);
        return;
      }
      case "if":
        if (this.truthy(this.eval(s.c))) this.exec(s.a);
        else if (s.b) this.exec(s.b);
        return;
      case "while":
        while (this.truthy(this.eval(s.c))) {
          try {
            this.exec(s.body);
          } catch (e) {
            if (e instanceof Break) break;
            if (!(e instanceof Continue)) throw e;
          }
        }
        return;
      case "do":
        do {
          try {
            this.exec(s.body);
          } catch (e) {
            if (e instanceof Break) break;
            if (!(e instanceof Continue)) throw e;
          }
        } while (this.truthy(this.eval(s.c)));
        return;
      case "for":
        if (s.init) this.exec(s.init);
        while (!s.c || this.truthy(this.eval(s.c))) {
          try {
            this.exec(s.body);
          } catch (e) {
            if (e instanceof Break) break;
            if (!(e instanceof Continue)) throw e;
          }
          if (s.step) this.exec(s.step);
        }
        return;
      case "forin":
        for (const k of [...this.array(s.arr).keys()]) {
          this.setVar(s.v, new StrNum(k));
          try {
            this.exec(s.body);
          } catch (e) {
            if (e instanceof Break) break;
            if (!(e instanceof Continue)) throw e;
          }
        }
        return;
      case "block":
        this.execAll(s.body);
        return;
      case "next":
        throw new Next();
      case "exit":
        throw new Exit(s.e ? Math.trunc(num(this.eval(s.e))) : 0);
      case "return":
        throw new Return(s.e ? this.eval(s.e) : undefined);
      case "break":
        throw new Break();
      case "continue":
        throw new Continue();
      case "delete": {
        const a = this.array(s.name);
        if (!s.subs) return this.#clear(a);
        const k = this.key(s.subs);
        if (a.has(k)) {
          this.#charge(-(ENTRY_BYTES + k.length * 2 + sizeOf(a.get(k)) + this.#dropPieces(a, k)));
        }
        a.delete(k);
        return;
      }
    }
  }

  execAll(list: Stmt[]): void {
    for (const s of list) this.exec(s);
  }

  pending = "";

  emit(text: string, redirect: { op: string; e: Expr } | null): void {
    if (!redirect) {
      this.pending += text;
      return;
    }
    if (redirect.op === "|") throw new AwkError("output pipes are not supported by awk-lite");
    const name = this.str(this.eval(redirect.e));
    if (name === "/dev/stdout" || name === "-") {
      this.pending += text;
      return;
    }
    if (name === "/dev/stderr") {
      this.stderr += text;
      return;
    }
    if (!this.files.has(name)) this.files.set(name, redirect.op === ">>" ? "\u0000append" : "");
    this.files.set(name, this.files.get(name)! + text);
  }

  stderr = "";
}

/** `system()` is asynchronous (it spawns): raised to the async driver, which resumes. */
export class SystemCall {
  constructor(readonly cmd: string) {}
}

export function splitRecords(text: string, rs: string): string[] {
  if (rs === "\n") {
    const lines = text.split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    return lines;
  }
  if (rs === "") {
    return text.split(/\n\n+/).map((p) => p.replace(/^\n+|\n+$/g, "")).filter((p) => p !== "");
  }
  const parts = text.split(rs.length === 1 ? rs : new RegExp(rs));
  if (parts[parts.length - 1] === "" || parts[parts.length - 1] === "\n") parts.pop();
  return parts;
}
