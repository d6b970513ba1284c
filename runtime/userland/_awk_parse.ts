/**
 * awk-lite front end: tokenizer and recursive-descent parser for the POSIX awk language
 * subset the `awk` applet runs (patterns, ranges, BEGIN/END, functions, control flow,
 * arrays, print/printf with `>`/`>>` redirection, getline var).
 *
 * @module
 */
import { AwkSyntaxError, tokenize } from "./_awk_lex.ts";

/** Expression nodes. */
export type Expr =
  | { k: "num"; v: number }
  | { k: "str"; v: string }
  | { k: "re"; src: string }
  | { k: "var"; name: string }
  | { k: "field"; e: Expr }
  | { k: "index"; name: string; subs: Expr[] }
  | { k: "assign"; op: string; target: Expr; e: Expr }
  | { k: "cond"; c: Expr; a: Expr; b: Expr }
  | { k: "bin"; op: string; a: Expr; b: Expr }
  | { k: "un"; op: string; e: Expr }
  | { k: "incdec"; op: string; prefix: boolean; target: Expr }
  | { k: "in"; subs: Expr[]; name: string }
  | { k: "match"; neg: boolean; e: Expr; re: Expr }
  | { k: "call"; name: string; args: Expr[] }
  | { k: "getline"; target: Expr | null; file: Expr | null }
  | { k: "group"; e: Expr };

/** Statement nodes. */
export type Stmt =
  | { k: "expr"; e: Expr }
  | { k: "print"; args: Expr[]; redirect: { op: string; e: Expr } | null }
  | { k: "printf"; args: Expr[]; redirect: { op: string; e: Expr } | null }
  | { k: "if"; c: Expr; a: Stmt; b: Stmt | null }
  | { k: "while"; c: Expr; body: Stmt }
  | { k: "do"; c: Expr; body: Stmt }
  | { k: "for"; init: Stmt | null; c: Expr | null; step: Stmt | null; body: Stmt }
  | { k: "forin"; v: string; arr: string; body: Stmt }
  | { k: "block"; body: Stmt[] }
  | { k: "next" }
  | { k: "exit"; e: Expr | null }
  | { k: "return"; e: Expr | null }
  | { k: "break" }
  | { k: "continue" }
  | { k: "delete"; name: string; subs: Expr[] | null };

/** A pattern-action item. */
export interface Item {
  /** `BEGIN`, `END`, an expression, a range, or none (every record). */
  pattern: { k: "begin" } | { k: "end" } | { k: "expr"; e: Expr } | {
    k: "range";
    a: Expr;
    b: Expr;
    on: boolean;
  } | null;
  /** The action; null means `{ print }`. */
  action: Stmt[] | null;
}

/** A parsed program. */
export interface Program {
  /** Items in order. */
  items: Item[];
  /** User functions. */
  funcs: Map<string, { params: string[]; body: Stmt[] }>;
}

export { AwkSyntaxError };

/**
 * Parse an awk program.
 *
 * @param src Program text.
 * @returns The program.
 */
export function parseAwk(src: string): Program {
  const toks = tokenize(src);
  let p = 0;
  const peek = (o = 0) => toks[p + o]!;
  const is = (v: string, t?: string) =>
    peek().v === v && (t === undefined || peek().t === t) && peek().t !== "str";
  const next = () => toks[p++]!;
  const expect = (v: string) => {
    if (!is(v)) {
      throw new AwkSyntaxError(
        `syntax error at '${peek().v || "end of program"}': expected '${v}'`,
      );
    }
    return next();
  };
  const skipNl = () => {
    while (peek().t === "nl") p++;
  };
  const skipTerms = () => {
    while (peek().t === "nl" || is(";")) p++;
  };
  const funcs: Program["funcs"] = new Map();
  const items: Item[] = [];
  let noIn = false;
  let noGt = false;

  const primary = (): Expr => {
    const t = peek();
    if (t.t === "num") {
      next();
      return { k: "num", v: Number(t.v) };
    }
    if (t.t === "str") {
      next();
      return { k: "str", v: t.v };
    }
    if (t.t === "re") {
      next();
      return { k: "re", src: t.v };
    }
    if (is("$")) {
      next();
      return { k: "field", e: incdec(true) };
    }
    if (is("(")) {
      next();
      const saveIn = noIn;
      const saveGt = noGt;
      noIn = false;
      noGt = false;
      const first = expr();
      if (is(",")) {
        const subs = [first];
        while (is(",")) {
          next();
          subs.push(expr());
        }
        expect(")");
        noIn = saveIn;
        noGt = saveGt;
        if (!is("in", "kw")) throw new AwkSyntaxError("syntax error: expected 'in' after (a, b)");
        next();
        const name = next();
        return { k: "in", subs, name: name.v };
      }
      expect(")");
      noIn = saveIn;
      noGt = saveGt;
      return { k: "group", e: first };
    }
    if (is("-") || is("+") || is("!")) {
      const op = next().v;
      return { k: "un", op, e: unaryOperand() };
    }
    if (t.t === "builtin") {
      next();
      const args: Expr[] = [];
      if (is("(")) {
        next();
        if (!is(")")) {
          args.push(expr());
          while (is(",")) {
            next();
            skipNl();
            args.push(expr());
          }
        }
        expect(")");
      } else if (t.v !== "length") throw new AwkSyntaxError(`syntax error: ${t.v} needs arguments`);
      return { k: "call", name: t.v, args };
    }
    if (t.t === "funcname") {
      next();
      expect("(");
      const args: Expr[] = [];
      if (!is(")")) {
        args.push(expr());
        while (is(",")) {
          next();
          skipNl();
          args.push(expr());
        }
      }
      expect(")");
      return { k: "call", name: t.v, args };
    }
    if (t.t === "name") {
      next();
      if (is("[")) {
        next();
        const subs = [expr()];
        while (is(",")) {
          next();
          subs.push(expr());
        }
        expect("]");
        return { k: "index", name: t.v, subs };
      }
      return { k: "var", name: t.v };
    }
    if (is("getline", "kw")) {
      next();
      let target: Expr | null = null;
      if (peek().t === "name" || is("$")) target = incdec(true);
      let file: Expr | null = null;
      if (is("<")) {
        next();
        file = primary();
      }
      return { k: "getline", target, file };
    }
    throw new AwkSyntaxError(`syntax error at '${t.v || "end of program"}'`);
  };
  const unaryOperand = (): Expr => pow();
  const incdec = (noPost = false): Expr => {
    if (is("++") || is("--")) {
      const op = next().v;
      return { k: "incdec", op, prefix: true, target: incdec(true) };
    }
    const e = primary();
    if (
      !noPost && (is("++") || is("--")) && (e.k === "var" || e.k === "field" || e.k === "index")
    ) {
      return { k: "incdec", op: next().v, prefix: false, target: e };
    }
    return e;
  };
  const pow = (): Expr => {
    const base = incdec();
    if (is("^")) {
      next();
      return { k: "bin", op: "^", a: base, b: is("-") || is("+") || is("!") ? primary() : pow() };
    }
    return base;
  };
  /** A left-associative binary level: `sub (op sub)*`, newlines allowed after `&&`/`||`. */
  const leftAssoc =
    (ops: readonly string[], sub: () => Expr, newlineAfterOp = false) => (): Expr => {
      let a = sub();
      while (ops.some((o) => is(o))) {
        const op = next().v;
        if (newlineAfterOp) skipNl();
        a = { k: "bin", op, a, b: sub() };
      }
      return a;
    };
  const mul = leftAssoc(["*", "/", "%"], pow);
  const add = leftAssoc(["+", "-"], mul);
  const startsOperand = () => {
    const t = peek();
    if (
      t.t === "num" || t.t === "str" || t.t === "re" || t.t === "name" || t.t === "builtin" ||
      t.t === "funcname"
    ) return true;
    if (t.t === "kw") return false;
    return is("$") || is("(") || is("!") || is("-") || is("+") || is("++") || is("--");
  };
  const concat = (): Expr => {
    let a = add();
    while (startsOperand() && !(is("in", "kw"))) a = { k: "bin", op: " ", a, b: add() };
    return a;
  };
  const compare = (): Expr => {
    const a = concat();
    if (is("<") || is("<=") || is("!=") || is("==") || is(">=") || (is(">") && !noGt)) {
      const op = next().v;
      return { k: "bin", op, a, b: concat() };
    }
    return a;
  };
  const matchExpr = (): Expr => {
    let a = compare();
    while (is("~") || is("!~")) {
      const neg = next().v === "!~";
      a = { k: "match", neg, e: a, re: compare() };
    }
    return a;
  };
  const inExpr = (): Expr => {
    let a = matchExpr();
    while (!noIn && is("in", "kw")) {
      next();
      a = { k: "in", subs: [a], name: next().v };
    }
    return a;
  };
  const and = leftAssoc(["&&"], inExpr, true);
  const or = leftAssoc(["||"], and, true);
  const ternary = (): Expr => {
    const c = or();
    if (is("?")) {
      next();
      skipNl();
      const a = ternary();
      skipNl();
      expect(":");
      skipNl();
      return { k: "cond", c, a, b: ternary() };
    }
    return c;
  };
  const expr = (): Expr => {
    const lhs = ternary();
    if (
      (lhs.k === "var" || lhs.k === "field" || lhs.k === "index") &&
      ["=", "+=", "-=", "*=", "/=", "%=", "^="].some((o) => is(o))
    ) {
      const op = next().v;
      skipNl();
      return { k: "assign", op, target: lhs, e: expr() };
    }
    return lhs;
  };

  const simpleStmt = (): Stmt => {
    if (is("print", "kw") || is("printf", "kw")) {
      const kind = next().v as "print" | "printf";
      const args: Expr[] = [];
      noGt = true;
      if (
        !is(";") && !is("}") && peek().t !== "nl" && peek().t !== "eof" && !is(">") && !is(">>") &&
        !is("|")
      ) {
        if (is("(")) {
          // print (a, b) > f: a parenthesised list.
          const save = p;
          try {
            next();
            const list = [expr()];
            while (is(",")) {
              next();
              list.push(expr());
            }
            expect(")");
            if (
              is(";") || is("}") || peek().t === "nl" || peek().t === "eof" || is(">") ||
              is(">>") || is("|")
            ) args.push(...list);
            else throw new AwkSyntaxError("not a list");
          } catch {
            p = save;
            args.length = 0;
          }
        }
        if (args.length === 0) {
          args.push(expr());
          while (is(",")) {
            next();
            skipNl();
            args.push(expr());
          }
        }
      }
      noGt = false;
      let redirect: { op: string; e: Expr } | null = null;
      if (is(">") || is(">>") || is("|")) {
        const op = next().v;
        redirect = { op, e: concat() };
      }
      return { k: kind, args, redirect };
    }
    if (is("next", "kw")) {
      next();
      return { k: "next" };
    }
    if (is("exit", "kw")) {
      next();
      return {
        k: "exit",
        e: is(";") || is("}") || peek().t === "nl" || peek().t === "eof" ? null : expr(),
      };
    }
    if (is("return", "kw")) {
      next();
      return { k: "return", e: is(";") || is("}") || peek().t === "nl" ? null : expr() };
    }
    if (is("break", "kw")) {
      next();
      return { k: "break" };
    }
    if (is("continue", "kw")) {
      next();
      return { k: "continue" };
    }
    if (is("delete", "kw")) {
      next();
      const name = next().v;
      let subs: Expr[] | null = null;
      if (is("[")) {
        next();
        subs = [expr()];
        while (is(",")) {
          next();
          subs.push(expr());
        }
        expect("]");
      }
      return { k: "delete", name, subs };
    }
    return { k: "expr", e: expr() };
  };
  const stmt = (): Stmt => {
    skipNl();
    if (is("{")) {
      next();
      const body = stmts();
      expect("}");
      return { k: "block", body };
    }
    if (is("if", "kw")) {
      next();
      expect("(");
      const c = expr();
      expect(")");
      const a = stmt();
      const save = p;
      skipTerms();
      if (is("else", "kw")) {
        next();
        return { k: "if", c, a, b: stmt() };
      }
      p = save;
      return { k: "if", c, a, b: null };
    }
    if (is("while", "kw")) {
      next();
      expect("(");
      const c = expr();
      expect(")");
      if (is(";")) {
        next();
        return { k: "while", c, body: { k: "block", body: [] } };
      }
      return { k: "while", c, body: stmt() };
    }
    if (is("do", "kw")) {
      next();
      const body = stmt();
      skipTerms();
      if (!is("while", "kw")) {
        throw new AwkSyntaxError("syntax error: expected 'while' after do body");
      }
      next();
      expect("(");
      const c = expr();
      expect(")");
      return { k: "do", c, body };
    }
    if (is("for", "kw")) {
      next();
      expect("(");
      if (peek().t === "name" && toks[p + 1]!.v === "in" && toks[p + 1]!.t === "kw") {
        const save = p;
        const v = next().v;
        next();
        const arr = next().v;
        if (is(")")) {
          next();
          return { k: "forin", v, arr, body: stmt() };
        }
        p = save;
      }
      const init = is(";") ? null : simpleStmt();
      expect(";");
      skipNl();
      const c = is(";") ? null : expr();
      expect(";");
      skipNl();
      const step = is(")") ? null : simpleStmt();
      expect(")");
      if (is(";")) {
        next();
        return { k: "for", init, c, step, body: { k: "block", body: [] } };
      }
      return { k: "for", init, c, step, body: stmt() };
    }
    if (is(";")) {
      next();
      return { k: "block", body: [] };
    }
    const s = simpleStmt();
    if (is(";") || peek().t === "nl") next();
    return s;
  };
  const stmts = (): Stmt[] => {
    const body: Stmt[] = [];
    skipTerms();
    while (!is("}") && peek().t !== "eof") {
      body.push(stmt());
      skipTerms();
    }
    return body;
  };
  const action = (): Stmt[] => {
    expect("{");
    const body = stmts();
    expect("}");
    return body;
  };

  skipTerms();
  while (peek().t !== "eof") {
    if (is("function", "kw")) {
      next();
      const name = next().v;
      expect("(");
      const params: string[] = [];
      while (!is(")")) {
        params.push(next().v);
        if (is(",")) next();
        skipNl();
      }
      expect(")");
      skipNl();
      funcs.set(name, { params, body: action() });
    } else if (is("BEGIN", "kw") || is("END", "kw")) {
      const k = next().v === "BEGIN" ? "begin" : "end";
      skipNl();
      items.push({ pattern: { k }, action: action() });
    } else if (is("{")) {
      items.push({ pattern: null, action: action() });
    } else {
      const a = expr();
      let pattern: Item["pattern"] = { k: "expr", e: a };
      if (is(",")) {
        next();
        skipNl();
        pattern = { k: "range", a, b: expr(), on: false };
      }
      items.push({ pattern, action: is("{") ? action() : null });
    }
    skipTerms();
  }
  return { items, funcs };
}
