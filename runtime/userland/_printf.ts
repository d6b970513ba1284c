/**
 * printf(1) formatting: conversions `%s %b %c %d %i %u %o %x %X %e %E %f %F %g %G %%` with
 * flags `-+ #0`, width and precision (also `*`), the format reused until the arguments
 * are consumed.
 *
 * @module
 */
import { expandEscapes } from "./_escapes.ts";

/** Result of {@link formatPrintf}. */
export interface PrintfResult {
  /** Output text. */
  text: string;
  /** Messages for invalid numeric arguments (`printf: 'x': expected a numeric value`). */
  errors: string[];
  /** `\c` was seen: stop. */
  stop: boolean;
}

function toNumber(arg: string, errors: string[]): number {
  if (arg === "") return 0;
  if (/^['"]/.test(arg)) return arg.codePointAt(1) ?? 0;
  const t = arg.trim();
  let v: number;
  if (/^[-+]?0[xX][0-9a-fA-F]+$/.test(t)) v = Number.parseInt(t, 16);
  else if (/^[-+]?0[0-7]+$/.test(t)) v = Number.parseInt(t, 8);
  else v = Number(t);
  if (Number.isNaN(v)) {
    const lead = Number.parseFloat(t);
    errors.push(
      Number.isNaN(lead)
        ? `'${arg}': expected a numeric value`
        : `'${arg}': value not completely converted`,
    );
    return Number.isNaN(lead) ? 0 : lead;
  }
  return v;
}

function pad(s: string, width: number, left: boolean, zero: boolean): string {
  if (s.length >= width) return s;
  if (left) return s.padEnd(width);
  if (zero) {
    const sign = /^[-+ ]/.test(s) ? s[0]! : "";
    const rest = sign ? s.slice(1) : s;
    const prefix = /^0[xX]/.test(rest) ? rest.slice(0, 2) : "";
    return sign + prefix +
      rest.slice(prefix.length).padStart(width - sign.length - prefix.length, "0");
  }
  return s.padStart(width);
}

/**
 * Format like printf(1).
 *
 * @param format The format.
 * @param args Arguments.
 * @returns Text, errors and the stop flag.
 * @example
 * ```ts
 * import { formatPrintf } from "./_printf.ts";
 * console.assert(formatPrintf("%-3s|%03d\\n", ["a", "7"]).text === "a  |007\n");
 * ```
 */
export function formatPrintf(format: string, args: string[]): PrintfResult {
  const errors: string[] = [];
  let out = "";
  let ai = 0;
  const next = () => (ai < args.length ? args[ai++]! : undefined);
  for (;;) {
    const startAi = ai;
    for (let i = 0; i < format.length; i++) {
      const ch = format[i]!;
      if (ch === "\\") {
        const m = /^\\(0[0-7]{0,3}|[0-7]{1,3}|x[0-9a-fA-F]{1,2}|.)/.exec(format.slice(i))!;
        const r = expandEscapes(m[0], false);
        if (r.stop) return { text: out, errors, stop: true };
        out += r.text;
        i += m[0].length - 1;
        continue;
      }
      if (ch !== "%") {
        out += ch;
        continue;
      }
      const m = /^%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d*))?([hlLqjzt]*)([a-zA-Z%])/.exec(format.slice(i));
      if (!m) {
        out += ch;
        continue;
      }
      i += m[0].length - 1;
      const flags = m[1]!;
      const conv = m[5]!;
      if (conv === "%") {
        out += "%";
        continue;
      }
      let width = 0;
      if (m[2] === "*") width = toNumber(next() ?? "0", errors);
      else if (m[2]) width = Number(m[2]);
      let left = flags.includes("-");
      if (width < 0) {
        left = true;
        width = -width;
      }
      let prec: number | undefined;
      if (m[3] !== undefined) {
        prec = m[3] === "*" ? toNumber(next() ?? "0", errors) : Number(m[3] || 0);
      }
      const zero = flags.includes("0") && !left;
      const arg = next();
      let s: string;
      switch (conv) {
        case "s":
          s = arg ?? "";
          if (prec !== undefined) s = s.slice(0, prec);
          break;
        case "b": {
          const r = expandEscapes(arg ?? "", true);
          s = r.text;
          if (prec !== undefined) s = s.slice(0, prec);
          if (r.stop) return { text: out + pad(s, width, left, false), errors, stop: true };
          break;
        }
        case "c":
          s = (arg ?? "").slice(0, 1);
          break;
        case "d":
        case "i":
        case "u":
        case "o":
        case "x":
        case "X": {
          let v = Math.trunc(toNumber(arg ?? "0", errors));
          if (conv === "u" && v < 0) v = 2 ** 64 + v;
          const base = conv === "o" ? 8 : conv === "x" || conv === "X" ? 16 : 10;
          let digits = Math.abs(v).toString(base);
          if (conv === "X") digits = digits.toUpperCase();
          if (prec !== undefined) digits = prec === 0 && v === 0 ? "" : digits.padStart(prec, "0");
          if (flags.includes("#") && v !== 0) {
            if (conv === "o") digits = "0" + digits;
            if (conv === "x") digits = "0x" + digits;
            if (conv === "X") digits = "0X" + digits;
          }
          const sign = v < 0 ? "-" : flags.includes("+") ? "+" : flags.includes(" ") ? " " : "";
          s = pad(sign + digits, width, left, zero && prec === undefined);
          out += s;
          continue;
        }
        case "f":
        case "F":
        case "e":
        case "E":
        case "g":
        case "G": {
          const v = toNumber(arg ?? "0", errors);
          const p = prec ?? 6;
          let body: string;
          if (!Number.isFinite(v)) body = Number.isNaN(v) ? "nan" : "inf";
          else if (conv === "f" || conv === "F") body = toFixedC(Math.abs(v), p);
          else if (conv === "e" || conv === "E") body = expo(Math.abs(v), p);
          else body = general(Math.abs(v), p === 0 ? 1 : p, flags.includes("#"));
          if (conv === "E" || conv === "G" || conv === "F") body = body.toUpperCase();
          const sign = v < 0 || Object.is(v, -0)
            ? "-"
            : flags.includes("+")
            ? "+"
            : flags.includes(" ")
            ? " "
            : "";
          out += pad(sign + body, width, left, zero);
          continue;
        }
        default:
          s = `%${conv}`;
      }
      out += pad(s, width, left, false);
    }
    if (ai >= args.length || ai === startAi) break;
  }
  return { text: out, errors, stop: false };
}

/**
 * `%.Nf` as C prints it: the binary value's exact decimal expansion rounded half to even
 * (JavaScript's toFixed rounds exact ties up: 2.25 → "2.3", C gives "2.2").
 *
 * @param v A non-negative finite number.
 * @param p Decimals.
 * @returns The digits.
 */
export function toFixedC(v: number, p: number): string {
  if (v >= 1e21 || p > 70) return v.toFixed(Math.min(p, 100));
  const exact = v.toFixed(Math.min(100, p + 30));
  const [ip, fp = ""] = exact.split(".");
  const keep = fp.slice(0, p);
  const rest = fp.slice(p);
  const digits = (ip! + keep).split("").map(Number);
  const tie = /^50*$/.test(rest);
  const up = rest !== "" &&
    (rest[0]! > "5" || (rest[0] === "5" && !tie) ||
      (tie && (digits[digits.length - 1]! % 2 === 1)));
  if (up) {
    let i = digits.length - 1;
    while (i >= 0 && digits[i] === 9) digits[i--] = 0;
    if (i < 0) digits.unshift(1);
    else digits[i]!++;
  }
  const all = digits.join("");
  const intLen = all.length - keep.length;
  return p > 0 ? `${all.slice(0, intLen)}.${all.slice(intLen)}` : all;
}

function expo(v: number, p: number): string {
  const s = v.toExponential(p);
  return s.replace(/e([+-])(\d)$/, "e$10$2");
}

function general(v: number, p: number, keep: boolean): string {
  if (v === 0) return keep ? (0).toFixed(p - 1) : "0";
  const e = Math.floor(Math.log10(v));
  let s: string;
  if (e < -4 || e >= p) s = expo(v, p - 1);
  else s = v.toFixed(Math.max(0, p - 1 - e));
  if (!keep) s = s.replace(/\.?0+(e|$)/, "$1").replace(/\.(e|$)/, "$1");
  return s;
}
