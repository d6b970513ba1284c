/**
 * Shell arithmetic `$((…))`: the C operator set on 64-bit signed integers, with
 * variables read and assigned through a callback, short-circuit `&& || ?:`, and
 * decimal, octal (`010`) and hex (`0x1f`) constants, as dash evaluates them.
 *
 * @module
 */

/** An arithmetic error; the shell prints `arithmetic expression: MSG: "EXPR"`. */
export class ArithError extends Error {
  /**
   * @param message What went wrong ("division by zero", "expecting EOF").
   */
  constructor(message: string) {
    super(message);
    this.name = "ArithError";
  }
}

/** Reads and writes shell variables for arithmetic. */
export interface ArithVars {
  /** Value of a variable, undefined when unset. */
  get(name: string): string | undefined;
  /** Assigns a variable. */
  set(name: string, value: string): void;
}

type Node =
  | { k: "num"; v: bigint }
  | { k: "var"; name: string }
  | { k: "un"; op: string; a: Node }
  | { k: "bin"; op: string; a: Node; b: Node }
  | { k: "tern"; c: Node; a: Node; b: Node }
  | { k: "assign"; op: string; name: string; b: Node }
  | { k: "incdec"; name: string; delta: bigint; post: boolean };

const ASSIGN_OPS = ["<<=", ">>=", "*=", "/=", "%=", "+=", "-=", "&=", "^=", "|=", "="];
const TOKENS = [
  "<<=",
  ">>=",
  "++",
  "--",
  "<<",
  ">>",
  "<=",
  ">=",
  "==",
  "!=",
  "&&",
  "||",
  "*=",
  "/=",
  "%=",
  "+=",
  "-=",
  "&=",
  "^=",
  "|=",
  "+",
  "-",
  "*",
  "/",
  "%",
  "<",
  ">",
  "&",
  "^",
  "|",
  "!",
  "~",
  "?",
  ":",
  "=",
  "(",
  ")",
  ",",
];

const BINARY: Record<string, number> = {
  "||": 1,
  "&&": 2,
  "|": 3,
  "^": 4,
  "&": 5,
  "==": 6,
  "!=": 6,
  "<": 7,
  "<=": 7,
  ">": 7,
  ">=": 7,
  "<<": 8,
  ">>": 8,
  "+": 9,
  "-": 9,
  "*": 10,
  "/": 10,
  "%": 10,
};

type Tok = { t: "num"; v: bigint } | { t: "name"; v: string } | { t: "op"; v: string };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === " " || c === "\t" || c === "\n") {
      i++;
      continue;
    }
    const num = /^(0[xX][0-9a-fA-F]+|[0-9]+)/.exec(src.slice(i));
    if (num) {
      const text = num[0];
      i += text.length;
      if (/^[A-Za-z_]/.test(src[i] ?? "")) throw new ArithError("expecting EOF");
      let v: bigint;
      if (/^0[xX]/.test(text)) v = BigInt(text);
      else if (text.length > 1 && text[0] === "0") {
        if (/[89]/.test(text)) throw new ArithError("expecting EOF");
        v = BigInt("0o" + text.slice(1));
      } else v = BigInt(text);
      out.push({ t: "num", v: BigInt.asIntN(64, v) });
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (name) {
      out.push({ t: "name", v: name[0] });
      i += name[0].length;
      continue;
    }
    const op = TOKENS.find((o) => src.startsWith(o, i));
    if (!op) throw new ArithError("expecting EOF");
    out.push({ t: "op", v: op });
    i += op.length;
  }
  return out;
}

class ArithParser {
  #toks: Tok[];
  #i = 0;
  constructor(toks: Tok[]) {
    this.#toks = toks;
  }
  peekOp(): string | undefined {
    const t = this.#toks[this.#i];
    return t?.t === "op" ? t.v : undefined;
  }
  done(): boolean {
    return this.#i >= this.#toks.length;
  }
  comma(): Node {
    let n = this.assign();
    while (this.peekOp() === ",") {
      this.#i++;
      n = { k: "bin", op: ",", a: n, b: this.assign() };
    }
    return n;
  }
  assign(): Node {
    const t = this.#toks[this.#i];
    const next = this.#toks[this.#i + 1];
    if (t?.t === "name" && next?.t === "op" && ASSIGN_OPS.includes(next.v)) {
      this.#i += 2;
      return { k: "assign", op: next.v, name: t.v, b: this.assign() };
    }
    return this.ternary();
  }
  ternary(): Node {
    const c = this.binary(1);
    if (this.peekOp() !== "?") return c;
    this.#i++;
    const a = this.comma();
    if (this.peekOp() !== ":") throw new ArithError("expecting ':'");
    this.#i++;
    const b = this.assign();
    return { k: "tern", c, a, b };
  }
  binary(minPrec: number): Node {
    let left = this.unary();
    for (;;) {
      const op = this.peekOp();
      const prec = op === undefined ? undefined : BINARY[op];
      if (prec === undefined || prec < minPrec) return left;
      this.#i++;
      const right = this.binary(prec + 1);
      left = { k: "bin", op: op!, a: left, b: right };
    }
  }
  unary(): Node {
    const op = this.peekOp();
    if (op === "+" || op === "-" || op === "!" || op === "~") {
      this.#i++;
      return { k: "un", op, a: this.unary() };
    }
    if (op === "++" || op === "--") {
      this.#i++;
      const t = this.#toks[this.#i++];
      if (t?.t !== "name") throw new ArithError("expecting primary");
      return { k: "incdec", name: t.v, delta: op === "++" ? 1n : -1n, post: false };
    }
    return this.postfix();
  }
  postfix(): Node {
    const t = this.#toks[this.#i++];
    if (!t) throw new ArithError("expecting primary");
    if (t.t === "num") return { k: "num", v: t.v };
    if (t.t === "name") {
      const op = this.peekOp();
      if (op === "++" || op === "--") {
        this.#i++;
        return { k: "incdec", name: t.v, delta: op === "++" ? 1n : -1n, post: true };
      }
      return { k: "var", name: t.v };
    }
    if (t.v === "(") {
      const n = this.comma();
      if (this.peekOp() !== ")") throw new ArithError("expecting ')'");
      this.#i++;
      return n;
    }
    throw new ArithError("expecting primary");
  }
}

const cache = new Map<string, Node | null>();

function parse(src: string): Node | null {
  let n = cache.get(src);
  if (n !== undefined) return n;
  const toks = tokenize(src);
  if (toks.length === 0) n = null;
  else {
    const p = new ArithParser(toks);
    n = p.comma();
    if (!p.done()) throw new ArithError("expecting EOF");
  }
  if (cache.size > 1000) cache.clear();
  cache.set(src, n);
  return n;
}

function readVar(vars: ArithVars, name: string): bigint {
  const v = vars.get(name);
  if (v === undefined || v === "") return 0n;
  if (isPlainDecimal(v)) return BigInt(v);
  const t = v.trim();
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[0-7]+|[0-9]+)$/.exec(t);
  if (m) {
    const body = m[2]!;
    const r = /^0[0-7]+$/.test(body) ? BigInt("0o" + body.slice(1)) : BigInt(body);
    return BigInt.asIntN(64, m[1] === "-" ? -r : r);
  }
  throw new ArithError(`Illegal number: ${v}`);
}

/** Digits only, no leading zero (octal) and short enough for 64 bits: `BigInt(v)` reads it. */
function isPlainDecimal(v: string): boolean {
  const n = v.length;
  if (n > 18 || (n > 1 && v.charCodeAt(0) === 48)) return false;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function binop(op: string, a: bigint, b: bigint): bigint {
  switch (op) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
    case "%":
      if (b === 0n) throw new ArithError("division by zero");
      return op === "/" ? a / b : a % b;
    case "<<":
      return a << (b & 63n);
    case ">>":
      return a >> (b & 63n);
    case "<":
      return a < b ? 1n : 0n;
    case "<=":
      return a <= b ? 1n : 0n;
    case ">":
      return a > b ? 1n : 0n;
    case ">=":
      return a >= b ? 1n : 0n;
    case "==":
      return a === b ? 1n : 0n;
    case "!=":
      return a !== b ? 1n : 0n;
    case "&":
      return a & b;
    case "^":
      return a ^ b;
    case "|":
      return a | b;
    case ",":
      return b;
  }
  throw new ArithError("expecting EOF");
}

function evalNode(n: Node, vars: ArithVars): bigint {
  switch (n.k) {
    case "num":
      return n.v;
    case "var":
      return readVar(vars, n.name);
    case "un": {
      const a = evalNode(n.a, vars);
      if (n.op === "-") return BigInt.asIntN(64, -a);
      if (n.op === "!") return a === 0n ? 1n : 0n;
      if (n.op === "~") return ~a;
      return a;
    }
    case "bin": {
      if (n.op === "&&") {
        return evalNode(n.a, vars) !== 0n && evalNode(n.b, vars) !== 0n ? 1n : 0n;
      }
      if (n.op === "||") {
        return evalNode(n.a, vars) !== 0n || evalNode(n.b, vars) !== 0n ? 1n : 0n;
      }
      const a = evalNode(n.a, vars);
      return BigInt.asIntN(64, binop(n.op, a, evalNode(n.b, vars)));
    }
    case "tern":
      return evalNode(n.c, vars) !== 0n ? evalNode(n.a, vars) : evalNode(n.b, vars);
    case "assign": {
      const b = evalNode(n.b, vars);
      const v = n.op === "="
        ? b
        : BigInt.asIntN(64, binop(n.op.slice(0, -1), readVar(vars, n.name), b));
      vars.set(n.name, v.toString());
      return v;
    }
    case "incdec": {
      const old = readVar(vars, n.name);
      const v = BigInt.asIntN(64, old + n.delta);
      vars.set(n.name, v.toString());
      return n.post ? old : v;
    }
  }
}

/**
 * Evaluates an arithmetic expression (already parameter-expanded).
 *
 * @param expr Expression text, e.g. `"x += 2 * (3 << 1)"`.
 * @param vars Variable access.
 * @returns The value as a decimal string.
 * @throws ArithError on a syntax error or a division by zero.
 * @example
 * ```ts
 * import { evalArith } from "./arith.ts";
 * const env = new Map<string, string>([["x", "5"]]);
 * const vars = { get: (n: string) => env.get(n), set: (n: string, v: string) => void env.set(n, v) };
 * console.log(evalArith("x++ * 2", vars), env.get("x")); // "10" "6"
 * ```
 */
export function evalArith(expr: string, vars: ArithVars): string {
  const n = parse(expr);
  if (n === null) throw new ArithError("expecting primary");
  return evalNode(n, vars).toString();
}
