/**
 * `echo` (dash's: `-n`, backslash escapes always on) and `printf` as builtins, so that
 * loops printing text do not spawn a process per line.
 *
 * @module
 */
import type { Shell } from "./shell.ts";

/**
 * Expands backslash escapes.
 *
 * @param s Text.
 * @param echoStyle true for `echo`/`%b` (`\0NNN` octal), false for printf formats (`\NNN`).
 * @returns The text and whether `\c` stopped output.
 * @example
 * ```ts
 * import { backslashEscapes } from "./builtin_printf.ts";
 * console.assert(backslashEscapes("a\\tb", true).text === "a\tb");
 * ```
 */
export function backslashEscapes(s: string, echoStyle: boolean): { text: string; stop: boolean } {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== "\\" || i + 1 >= s.length) {
      out += c;
      continue;
    }
    const n = s[++i]!;
    const simple: Record<string, string> = {
      n: "\n",
      t: "\t",
      r: "\r",
      a: "\x07",
      b: "\b",
      f: "\f",
      v: "\v",
      e: "\x1b",
      "\\": "\\",
    };
    if (simple[n] !== undefined) out += simple[n];
    else if (n === "c") return { text: out, stop: true };
    else if (n === "0" && echoStyle || /[0-7]/.test(n) && !echoStyle) {
      let digits = echoStyle ? "" : n;
      const max = 3;
      while (digits.length < max && /[0-7]/.test(s[i + 1] ?? "")) digits += s[++i];
      out += String.fromCharCode(parseInt(digits || "0", 8) & 0xff);
    } else out += "\\" + n;
  }
  return { text: out, stop: false };
}

/**
 * `echo [-n] [arg…]` as dash has it.
 *
 * @param sh The shell.
 * @param argv Arguments.
 * @returns 0 (without a promise when the text fits in the output buffer).
 */
export function echo(sh: Shell, argv: string[]): number | Promise<number> {
  if (sh.fds.get(1) === undefined) return sh.error("echo: echo: I/O error").then(() => 1);
  let i = 1;
  let newline = true;
  if (argv[1] === "-n") {
    newline = false;
    i = 2;
  }
  let text = "";
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    const r = a.includes("\\") ? backslashEscapes(a, true) : { text: a, stop: false };
    text += r.text;
    if (r.stop) {
      newline = false;
      break;
    }
    if (i < argv.length - 1) text += " ";
  }
  if (newline) text += "\n";
  const p = sh.print(1, text);
  return p ? p.then(() => 0) : 0;
}

/** Formats a number conversion with flags, width and precision. */
function formatNumber(conv: string, flags: string, width: string, prec: string, n: bigint): string {
  let digits: string;
  const neg = n < 0n && (conv === "d" || conv === "i");
  let mag = neg ? -n : n;
  if (conv !== "d" && conv !== "i" && mag < 0n) mag = BigInt.asUintN(64, mag);
  switch (conv) {
    case "o":
      digits = mag.toString(8);
      if (flags.includes("#") && digits[0] !== "0") digits = "0" + digits;
      break;
    case "x":
      digits = mag.toString(16);
      break;
    case "X":
      digits = mag.toString(16).toUpperCase();
      break;
    default:
      digits = mag.toString(10);
  }
  if (prec !== "") digits = digits.padStart(Number(prec), "0");
  let sign = neg
    ? "-"
    : flags.includes("+") && (conv === "d" || conv === "i")
    ? "+"
    : flags.includes(" ")
    ? " "
    : "";
  if (flags.includes("#") && mag !== 0n && (conv === "x" || conv === "X")) {
    sign += conv === "x" ? "0x" : "0X";
  }
  const w = Number(width || "0");
  if (flags.includes("-")) return (sign + digits).padEnd(w);
  if (flags.includes("0") && prec === "") return sign + digits.padStart(w - sign.length, "0");
  return (sign + digits).padStart(w);
}

function parseNumberArg(a: string): { value: bigint; ok: boolean } {
  const t = a.trim();
  if (t === "") return { value: 0n, ok: true };
  if (/^['"]/.test(t)) return { value: BigInt(t.codePointAt(1) ?? 0), ok: true };
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(t);
  if (!m) return { value: 0n, ok: false };
  let body = m[2]!;
  if (/^0[0-7]+$/.test(body)) body = "0o" + body.slice(1);
  const v = BigInt(body) * (m[1] === "-" ? -1n : 1n);
  return { value: v, ok: m[0].length === t.length };
}

/**
 * `printf format [arg…]`: `%s %b %c %d %i %u %o %x %X %e %f %g %%`, flags, width and
 * precision (also `*`); the format is reused while arguments remain.
 *
 * @param sh The shell.
 * @param argv Arguments.
 * @returns 0, or 1 when an argument was not a number.
 */
export async function printf(sh: Shell, argv: string[]): Promise<number> {
  const args = argv.slice(1);
  if (args[0] === "--") args.shift();
  if (sh.fds.get(1) === undefined) {
    await sh.error("printf: printf: I/O error");
    return 1;
  }
  const format = args.shift();
  if (format === undefined) {
    await sh.error("printf: usage: printf format [arg ...]");
    return 2;
  }
  let status = 0;
  let out = "";
  let ai = 0;
  const next = () => (ai < args.length ? args[ai++]! : undefined);
  const num = async (a: string | undefined): Promise<bigint> => {
    if (a === undefined) return 0n;
    const r = parseNumberArg(a);
    if (!r.ok) {
      await sh.error(`printf: ${a}: expected numeric value`);
      status = 1;
    }
    return r.value;
  };
  let stop = false;
  do {
    let consumed = false;
    for (let i = 0; i < format.length && !stop; i++) {
      const c = format[i]!;
      if (c === "\\") {
        let j = i + 1;
        if (/[0-7]/.test(format[j] ?? "")) {
          while (j < format.length && j < i + 4 && /[0-7]/.test(format[j]!)) j++;
        } else j++;
        const r = backslashEscapes(format.slice(i, j), false);
        out += r.text;
        if (r.stop) stop = true;
        i = j - 1;
        continue;
      }
      if (c !== "%") {
        out += c;
        continue;
      }
      const m = /^%([-+ #0]*)(\*|[0-9]*)(?:\.(\*|[0-9]*))?([a-zA-Z%])/.exec(format.slice(i));
      if (!m) {
        const bad = /^%[^a-zA-Z%]*/.exec(format.slice(i))![0];
        await sh.print(1, out);
        const missing = bad.length === format.length - i;
        await sh.error(
          `printf: ${missing ? "missing format character" : `${bad}: invalid directive`}`,
        );
        return 2;
      }
      i += m[0].length - 1;
      let [, flags, width, prec] = m as unknown as [
        string,
        string,
        string,
        string | undefined,
        string,
      ];
      const conv = m[4]!;
      if (conv === "%") {
        out += "%";
        continue;
      }
      consumed = true;
      if (width === "*") width = String(await num(next()));
      if (width.startsWith("-")) {
        flags += "-";
        width = width.slice(1);
      }
      if (prec === "*") prec = String(await num(next()));
      const arg = next();
      const pad = (s: string) => {
        const w = Number(width || "0");
        return flags.includes("-") ? s.padEnd(w) : s.padStart(w);
      };
      switch (conv) {
        case "s": {
          let s = arg ?? "";
          if (prec !== undefined) s = s.slice(0, Number(prec || "0"));
          out += pad(s);
          break;
        }
        case "b": {
          const r = backslashEscapes(arg ?? "", true);
          let s = r.text;
          if (prec !== undefined) s = s.slice(0, Number(prec || "0"));
          out += pad(s);
          if (r.stop) stop = true;
          break;
        }
        case "c":
          out += pad((arg ?? "").slice(0, 1));
          break;
        case "d":
        case "i":
        case "u":
        case "o":
        case "x":
        case "X":
          out += formatNumber(conv, flags, width, prec ?? "", await num(arg));
          break;
        case "e":
        case "E":
        case "f":
        case "F":
        case "g":
        case "G": {
          const v = arg === undefined ? 0 : Number(arg);
          if (arg !== undefined && Number.isNaN(v)) {
            await sh.error(`printf: ${arg}: expected numeric value`);
            status = 1;
          }
          const p = prec === undefined || prec === "" ? 6 : Number(prec);
          let s: string;
          if (conv === "f" || conv === "F") s = Math.abs(v).toFixed(p);
          else if (conv === "e" || conv === "E") {
            s = Math.abs(v).toExponential(p).replace(/e([+-])(\d)$/, "e$10$2");
          } else {
            s = String(Number(Math.abs(v).toPrecision(p || 1)));
          }
          if (conv === "E" || conv === "G") s = s.toUpperCase();
          const sign = v < 0 ? "-" : flags.includes("+") ? "+" : flags.includes(" ") ? " " : "";
          const w = Number(width || "0");
          if (flags.includes("-")) out += (sign + s).padEnd(w);
          else if (flags.includes("0")) out += sign + s.padStart(w - sign.length, "0");
          else out += (sign + s).padStart(w);
          break;
        }
        default:
          await sh.print(1, out);
          await sh.error(`printf: %${conv}: invalid directive`);
          return 2;
      }
    }
    if (!consumed) break;
  } while (ai < args.length && !stop);
  const p = sh.print(1, out);
  if (p) await p;
  return status;
}
