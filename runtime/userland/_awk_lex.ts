/**
 * awk-lite tokenizer: numbers, strings, regex literals (where an operand may start),
 * names, function names, built-ins, keywords and operators.
 *
 * @module
 */
/** A syntax error. */
export class AwkSyntaxError extends Error {}

/** A token. */
export type Tok = { t: string; v: string; nl?: boolean };

const KEYWORDS = new Set([
  "BEGIN",
  "END",
  "if",
  "else",
  "while",
  "for",
  "do",
  "in",
  "break",
  "continue",
  "next",
  "exit",
  "return",
  "delete",
  "function",
  "func",
  "getline",
  "print",
  "printf",
]);
const BUILTINS = new Set([
  "length",
  "substr",
  "index",
  "split",
  "sub",
  "gsub",
  "match",
  "sprintf",
  "toupper",
  "tolower",
  "int",
  "sqrt",
  "exp",
  "log",
  "sin",
  "cos",
  "atan2",
  "rand",
  "srand",
  "system",
  "close",
]);

/**
 * Split awk source into tokens (regex literals where an operand may start).
 *
 * @param src Program text.
 * @returns Tokens, ending with `eof`.
 */
export function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const regexAllowed = () => {
    const p = out[out.length - 1];
    if (!p) return true;
    return !(p.t === "num" || p.t === "str" || p.t === "name" || p.t === "builtin" ||
      p.t === "re" ||
      (p.t === "op" &&
        (p.v === ")" || p.v === "]" || p.v === "$" || p.v === "++" || p.v === "--")));
  };
  while (i < src.length) {
    const c = src[i]!;
    if (c === " " || c === "\t" || c === "\r") {
      i++;
      continue;
    }
    if (c === "\\" && src[i + 1] === "\n") {
      i += 2;
      continue;
    }
    if (c === "#") {
      while (i < src.length && src[i] !== "\n") i++;
      continue;
    }
    if (c === "\n") {
      out.push({ t: "nl", v: "\n" });
      i++;
      continue;
    }
    if (/[0-9.]/.test(c) && /^(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.test(src.slice(i))) {
      const m = /^(0[xX][0-9a-fA-F]+|(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)/.exec(src.slice(i))!;
      out.push({ t: "num", v: m[0] });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      const w = m[0];
      i += w.length;
      if (KEYWORDS.has(w)) out.push({ t: "kw", v: w === "func" ? "function" : w });
      else if (BUILTINS.has(w)) out.push({ t: "builtin", v: w });
      else out.push({ t: src[i] === "(" ? "funcname" : "name", v: w });
      continue;
    }
    if (c === '"') {
      let s = "";
      i++;
      while (i < src.length && src[i] !== '"') {
        if (src[i] === "\\" && i + 1 < src.length) {
          const n = src[++i]!;
          const map: Record<string, string> = {
            n: "\n",
            t: "\t",
            r: "\r",
            "\\": "\\",
            '"': '"',
            "/": "/",
            a: "\x07",
            b: "\b",
            f: "\f",
            v: "\v",
          };
          if (/[0-7]/.test(n)) {
            const m = /^[0-7]{1,3}/.exec(src.slice(i))![0];
            s += String.fromCharCode(Number.parseInt(m, 8));
            i += m.length;
            continue;
          }
          s += map[n] ?? "\\" + n;
          i++;
          continue;
        }
        s += src[i++];
      }
      if (src[i] !== '"') throw new AwkSyntaxError("unterminated string");
      i++;
      out.push({ t: "str", v: s });
      continue;
    }
    if (c === "/" && regexAllowed()) {
      let s = "";
      i++;
      let inBracket = false;
      while (i < src.length && (src[i] !== "/" || inBracket)) {
        if (src[i] === "\n") throw new AwkSyntaxError("newline in regex");
        if (src[i] === "\\" && src[i + 1] === "/") {
          s += "/";
          i += 2;
          continue;
        }
        if (src[i] === "\\" && i + 1 < src.length) {
          s += src[i]! + src[i + 1]!;
          i += 2;
          continue;
        }
        if (src[i] === "[") inBracket = true;
        else if (src[i] === "]") inBracket = false;
        s += src[i++];
      }
      if (src[i] !== "/") throw new AwkSyntaxError("non-terminated regular expression");
      i++;
      out.push({ t: "re", v: s });
      continue;
    }
    const three = src.slice(i, i + 3);
    const two = src.slice(i, i + 2);
    if (three === "**=") {
      out.push({ t: "op", v: "^=" });
      i += 3;
      continue;
    }
    if (
      [
        "+=",
        "-=",
        "*=",
        "/=",
        "%=",
        "^=",
        "==",
        "<=",
        ">=",
        "!=",
        "++",
        "--",
        "&&",
        "||",
        ">>",
        "!~",
        "**",
      ].includes(two)
    ) {
      out.push({ t: "op", v: two === "**" ? "^" : two });
      i += 2;
      continue;
    }
    if ("{}()[];,+-*/%^!><|?:~$=".includes(c)) {
      out.push({ t: "op", v: c });
      i++;
      continue;
    }
    throw new AwkSyntaxError(`unexpected character '${c}'`);
  }
  out.push({ t: "eof", v: "" });
  return out;
}
