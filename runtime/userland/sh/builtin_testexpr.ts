/**
 * `test` and `[`: POSIX's argument-count rules for up to four arguments, and a
 * precedence parser (`!` > `-a` > `-o`, parentheses) beyond.
 *
 * @module
 */
import type { Stat } from "../../kernel/syscalls/api.ts";
import type { Shell } from "./shell.ts";

class TestError extends Error {}

const UNARY = new Set([
  "-b",
  "-c",
  "-d",
  "-e",
  "-f",
  "-g",
  "-h",
  "-k",
  "-L",
  "-n",
  "-p",
  "-r",
  "-s",
  "-S",
  "-t",
  "-u",
  "-w",
  "-x",
  "-z",
  "-O",
  "-G",
]);
const BINARY = new Set([
  "=",
  "==",
  "!=",
  "<",
  ">",
  "-eq",
  "-ne",
  "-lt",
  "-le",
  "-gt",
  "-ge",
  "-nt",
  "-ot",
  "-ef",
]);

/** Compares two integer operands (`-lt` …): negative, zero or positive. */
function compareInts(a: string, b: string): number {
  const x = smallInt(a);
  const y = smallInt(b);
  if (x !== undefined && y !== undefined) return x - y;
  const p = toInt(a);
  const q = toInt(b);
  return p < q ? -1 : p > q ? 1 : 0;
}

/** A plain decimal of at most 15 digits (no blanks, no sign but `-`) as a number. */
function smallInt(s: string): number | undefined {
  const n = s.length;
  let i = s.charCodeAt(0) === 45 ? 1 : 0;
  if (n === i || n - i > 15) return undefined;
  let v = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return undefined;
    v = v * 10 + c;
  }
  return s.charCodeAt(0) === 45 ? -v : v;
}

function toInt(s: string): bigint {
  const t = s.trim();
  if (!/^[-+]?[0-9]+$/.test(t)) throw new TestError(`Illegal number: ${s}`);
  return BigInt(t);
}

function stat(sh: Shell, path: string, follow = true): Stat | undefined {
  if (path === "") return undefined;
  const st = sh.sys.fstatat(-100, path, follow ? 0 : 0x100);
  return typeof st === "object" ? st : undefined;
}

function unary(sh: Shell, op: string, a: string): boolean {
  const type = (mask: number) => {
    const st = stat(sh, a);
    return st !== undefined && (st.mode & 0o170000) === mask;
  };
  switch (op) {
    case "-n":
      return a !== "";
    case "-z":
      return a === "";
    case "-e":
      return stat(sh, a) !== undefined;
    case "-f":
      return type(0o100000);
    case "-d":
      return type(0o040000);
    case "-b":
      return type(0o060000);
    case "-c":
      return type(0o020000);
    case "-p":
      return type(0o010000);
    case "-S":
      return type(0o140000);
    case "-h":
    case "-L": {
      const st = stat(sh, a, false);
      return st !== undefined && (st.mode & 0o170000) === 0o120000;
    }
    case "-s":
      return (stat(sh, a)?.size ?? 0) > 0;
    case "-g":
      return ((stat(sh, a)?.mode ?? 0) & 0o2000) !== 0;
    case "-u":
      return ((stat(sh, a)?.mode ?? 0) & 0o4000) !== 0;
    case "-k":
      return ((stat(sh, a)?.mode ?? 0) & 0o1000) !== 0;
    case "-O":
      return stat(sh, a)?.uid === sh.sys.geteuid();
    case "-G":
      return stat(sh, a)?.gid === sh.sys.getegid();
    case "-r":
      return a !== "" && sh.sys.faccessat(-100, a, 4, 0x200) === 0;
    case "-w":
      return a !== "" && sh.sys.faccessat(-100, a, 2, 0x200) === 0;
    case "-x":
      return a !== "" && sh.sys.faccessat(-100, a, 1, 0x200) === 0;
    case "-t": {
      const fd = Number(toInt(a));
      const real = sh.fds.getReal(fd);
      return real !== undefined && sh.sys.isatty(real);
    }
  }
  throw new TestError(`${op}: unexpected operator`);
}

function mtime(st: Stat | undefined): number {
  return st ? st.mtime.sec * 1e9 + st.mtime.nsec : -Infinity;
}

function binary(sh: Shell, a: string, op: string, b: string): boolean {
  switch (op) {
    case "=":
    case "==":
      return a === b;
    case "!=":
      return a !== b;
    case "<":
      return a < b;
    case ">":
      return a > b;
    case "-eq":
      return compareInts(a, b) === 0;
    case "-ne":
      return compareInts(a, b) !== 0;
    case "-lt":
      return compareInts(a, b) < 0;
    case "-le":
      return compareInts(a, b) <= 0;
    case "-gt":
      return compareInts(a, b) > 0;
    case "-ge":
      return compareInts(a, b) >= 0;
    case "-nt":
      return mtime(stat(sh, a)) > mtime(stat(sh, b));
    case "-ot":
      return mtime(stat(sh, a)) < mtime(stat(sh, b));
    case "-ef": {
      const x = stat(sh, a);
      const y = stat(sh, b);
      return x !== undefined && y !== undefined && x.dev === y.dev && x.ino === y.ino;
    }
  }
  throw new TestError(`${op}: unexpected operator`);
}

/** The general parser for more than four arguments. */
class TestParser {
  #args: string[];
  #i = 0;
  #sh: Shell;
  constructor(sh: Shell, args: string[]) {
    this.#sh = sh;
    this.#args = args;
  }
  run(): boolean {
    const v = this.or();
    if (this.#i < this.#args.length) {
      throw new TestError(`${this.#args[this.#i]}: unexpected operator`);
    }
    return v;
  }
  or(): boolean {
    let v = this.and();
    while (this.#args[this.#i] === "-o") {
      this.#i++;
      const r = this.and();
      v = v || r;
    }
    return v;
  }
  and(): boolean {
    let v = this.not();
    while (this.#args[this.#i] === "-a") {
      this.#i++;
      const r = this.not();
      v = v && r;
    }
    return v;
  }
  not(): boolean {
    if (this.#args[this.#i] === "!") {
      this.#i++;
      return !this.not();
    }
    return this.primary();
  }
  primary(): boolean {
    const a = this.#args[this.#i];
    if (a === undefined) throw new TestError("argument expected");
    if (a === "(") {
      this.#i++;
      const v = this.or();
      if (this.#args[this.#i] !== ")") throw new TestError("closing paren expected");
      this.#i++;
      return v;
    }
    const next = this.#args[this.#i + 1];
    if (next !== undefined && BINARY.has(next) && this.#i + 2 < this.#args.length) {
      this.#i += 3;
      return binary(this.#sh, a, next, this.#args[this.#i - 1]!);
    }
    if (UNARY.has(a) && next !== undefined) {
      this.#i += 2;
      return unary(this.#sh, a, next);
    }
    this.#i++;
    return a !== "";
  }
}

function evaluate(sh: Shell, args: string[]): boolean {
  const n = args.length;
  const [a, b, c, d] = args;
  if (n === 0) return false;
  if (n === 1) return a !== "";
  if (n === 2) {
    if (a === "!") return b === "";
    if (UNARY.has(a!)) return unary(sh, a!, b!);
    if (BINARY.has(b!)) throw new TestError(`${b}: argument expected`);
    throw new TestError(`${a}: unexpected operator`);
  }
  if (n === 3) {
    if (BINARY.has(b!)) return binary(sh, a!, b!, c!);
    if (a === "!") return !evaluate(sh, [b!, c!]);
    if (a === "(" && c === ")") return b !== "";
    if (b === "-a") return a !== "" && c !== "";
    if (b === "-o") return a !== "" || c !== "";
    throw new TestError(`${b}: unexpected operator`);
  }
  if (n === 4) {
    if (a === "!") return !evaluate(sh, [b!, c!, d!]);
    if (a === "(" && d === ")") return evaluate(sh, [b!, c!]);
  }
  return new TestParser(sh, args).run();
}

/**
 * `test expr` and `[ expr ]`.
 *
 * @param sh The shell.
 * @param argv Arguments (argv[0] is `test` or `[`).
 * @returns 0 true, 1 false, 2 error.
 */
export function testCommand(sh: Shell, argv: string[]): number | Promise<number> {
  const name = argv[0]!;
  let end = argv.length;
  if (name === "[") {
    if (argv[end - 1] !== "]") return sh.error("[: missing ]").then(() => 2);
    end--;
  }
  try {
    return evaluate(sh, argv.slice(1, end)) ? 0 : 1;
  } catch (e) {
    if (e instanceof TestError) return sh.error(`${name}: ${e.message}`).then(() => 2);
    throw e;
  }
}
