/**
 * `expr EXPRESSION`: evaluate integer, string and regex-match expressions.
 *
 * @module
 */
import type { BuiltinMain } from "./_builtin.ts";
import { utf8, writeAll } from "./_io.ts";
import { compileRegex, RegexError } from "./_regex.ts";

class ExprError extends Error {
  constructor(msg: string, readonly code = 2) {
    super(msg);
  }
}

type V = string | number;

const isInt = (v: V) => typeof v === "number" || /^[-+]?\d+$/.test(v);
const toInt = (v: V) => {
  if (!isInt(v)) throw new ExprError("non-integer argument");
  return typeof v === "number" ? v : Number(v);
};
const isNull = (v: V) => v === "" || v === 0 || (typeof v === "string" && /^-?0+$/.test(v));

/**
 * Evaluate an expr(1) expression.
 *
 * @param args The words.
 * @returns The value.
 */
export function evalExpr(args: string[]): V {
  let i = 0;
  const peek = () => args[i];
  const primary = (): V => {
    const t = args[i++];
    if (t === undefined) {
      throw new ExprError("syntax error: missing argument after '" + (args[i - 2] ?? "") + "'");
    }
    if (t === "(") {
      const v = or();
      if (args[i++] !== ")") throw new ExprError("syntax error: expecting ')'");
      return v;
    }
    if (t === "match") {
      const s = primary();
      const r = primary();
      return matchOp(String(s), String(r));
    }
    if (t === "substr") {
      const s = String(primary());
      const p = toInt(primary());
      const n = toInt(primary());
      return p < 1 || n < 1 ? "" : [...s].slice(p - 1, p - 1 + n).join("");
    }
    if (t === "index") {
      const s = String(primary());
      const chars = String(primary());
      let best = 0;
      [...s].forEach((c, k) => {
        if (!best && chars.includes(c)) best = k + 1;
      });
      return best;
    }
    if (t === "length") return [...String(primary())].length;
    if (t === "+") return String(args[i++] ?? "");
    return t;
  };
  const matchOp = (s: string, r: string): V => {
    let re: RegExp;
    try {
      re = compileRegex(r.startsWith("^") ? r : r, { extended: false });
    } catch (e) {
      if (e instanceof RegexError) throw new ExprError(e.message);
      throw e;
    }
    const m = new RegExp("^(?:" + re.source + ")", re.flags).exec(s);
    if (!m) return /\\\(/.test(r) ? "" : 0;
    return m.length > 1 ? (m[1] ?? "") : m[0].length;
  };
  const colon = (): V => {
    let a = primary();
    while (peek() === ":") {
      i++;
      a = matchOp(String(a), String(primary()));
    }
    return a;
  };
  const mul = (): V => {
    let a = colon();
    while (peek() === "*" || peek() === "/" || peek() === "%") {
      const op = args[i++];
      const b = colon();
      const x = toInt(a);
      const y = toInt(b);
      if (op !== "*" && y === 0) throw new ExprError("division by zero");
      a = op === "*" ? x * y : op === "/" ? Math.trunc(x / y) : x % y;
    }
    return a;
  };
  const add = (): V => {
    let a = mul();
    while (peek() === "+" || peek() === "-") {
      const op = args[i++];
      const b = mul();
      a = op === "+" ? toInt(a) + toInt(b) : toInt(a) - toInt(b);
    }
    return a;
  };
  const cmp = (): V => {
    let a = add();
    while (["<", "<=", "=", "==", "!=", ">=", ">"].includes(peek() ?? "")) {
      const op = args[i++]!;
      const b = add();
      const c = isInt(a) && isInt(b)
        ? toInt(a) - toInt(b)
        : String(a) < String(b)
        ? -1
        : String(a) > String(b)
        ? 1
        : 0;
      a = (op === "<"
          ? c < 0
          : op === "<="
          ? c <= 0
          : op === "=" || op === "=="
          ? c === 0
          : op === "!="
          ? c !== 0
          : op === ">="
          ? c >= 0
          : c > 0)
        ? 1
        : 0;
    }
    return a;
  };
  const and = (): V => {
    let a = cmp();
    while (peek() === "&") {
      i++;
      const b = cmp();
      a = isNull(a) || isNull(b) ? 0 : a;
    }
    return a;
  };
  const or = (): V => {
    let a = and();
    while (peek() === "|") {
      i++;
      const b = and();
      a = !isNull(a) ? a : !isNull(b) ? b : 0;
    }
    return a;
  };
  const v = or();
  if (i < args.length) throw new ExprError(`syntax error: unexpected argument '${args[i]}'`);
  return v;
}

/**
 * The `expr` applet: exit 0 when the result is neither null nor 0, 1 when it is, 2 on a
 * syntax error.
 *
 * @example
 * ```ts ignore
 * await expr(sys, ["expr", "1", "+", "2"]);
 * ```
 */
export const expr: BuiltinMain = async (sys, argv) => {
  const args = argv.slice(1);
  if (args.length === 1 && args[0] === "--help") {
    await writeAll(
      sys,
      1,
      utf8(
        "Usage: expr EXPRESSION\n\nPrint the value of EXPRESSION to standard output\n\n" +
          "\tARG1 | ARG2, ARG1 & ARG2, ARG1 < <= = != >= > ARG2, ARG1 + - * / % ARG2,\n" +
          "\tSTRING : REGEXP, match STRING REGEXP, substr STRING POS LEN, index STRING CHARS,\n\tlength STRING, ( EXPRESSION )\n",
      ),
    );
    return 0;
  }
  if (args[0] === "--") args.shift();
  if (args.length === 0) {
    await writeAll(
      sys,
      2,
      utf8("expr: missing operand\nTry 'expr --help' for more information.\n"),
    );
    return 2;
  }
  try {
    const v = evalExpr(args);
    await writeAll(sys, 1, utf8(`${v}\n`));
    return isNull(v) ? 1 : 0;
  } catch (e) {
    if (!(e instanceof ExprError)) throw e;
    await writeAll(sys, 2, utf8(`expr: ${e.message}\n`));
    return e.code;
  }
};
