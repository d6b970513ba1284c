/**
 * `test EXPRESSION` and `[ EXPRESSION ]`: evaluate file, string and integer conditions,
 * with POSIX's argument-count rules for up to four arguments.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { AT } from "../kernel/syscalls/api.ts";
import type { Syscalls } from "../kernel/syscalls/api.ts";
import type { BuiltinMain } from "./_builtin.ts";
import { baseName } from "./_applet.ts";
import { utf8, writeAll } from "./_io.ts";

class TestError extends Error {}

const UNARY = new Set([
  "-e",
  "-f",
  "-d",
  "-r",
  "-w",
  "-x",
  "-s",
  "-L",
  "-h",
  "-p",
  "-S",
  "-b",
  "-c",
  "-z",
  "-n",
  "-t",
  "-g",
  "-u",
  "-k",
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

function int(s: string): number {
  const t = s.trim();
  if (!/^[-+]?\d+$/.test(t)) throw new TestError(`invalid integer '${s}'`);
  return Number(t);
}

function unary(sys: Syscalls, op: string, arg: string): boolean {
  if (op === "-z") return arg.length === 0;
  if (op === "-n") return arg.length > 0;
  if (op === "-t") return sys.isatty(int(arg));
  const follow = op !== "-L" && op !== "-h";
  const st = sys.fstatat(AT.FDCWD, arg, follow ? 0 : AT.SYMLINK_NOFOLLOW);
  if (isErrno(st)) return false;
  const t = st.mode & 0o170000;
  switch (op) {
    case "-e":
      return true;
    case "-f":
      return t === 0o100000;
    case "-d":
      return t === 0o040000;
    case "-L":
    case "-h":
      return t === 0o120000;
    case "-p":
      return t === 0o010000;
    case "-S":
      return t === 0o140000;
    case "-b":
      return t === 0o060000;
    case "-c":
      return t === 0o020000;
    case "-s":
      return st.size > 0;
    case "-g":
      return (st.mode & 0o2000) !== 0;
    case "-u":
      return (st.mode & 0o4000) !== 0;
    case "-k":
      return (st.mode & 0o1000) !== 0;
    case "-O":
      return st.uid === sys.geteuid();
    case "-G":
      return st.gid === sys.getegid();
    case "-r":
      return sys.faccessat(AT.FDCWD, arg, 4, AT.EACCESS) === 0;
    case "-w":
      return sys.faccessat(AT.FDCWD, arg, 2, AT.EACCESS) === 0;
    case "-x":
      return sys.faccessat(AT.FDCWD, arg, 1, AT.EACCESS) === 0;
  }
  return false;
}

function binary(sys: Syscalls, a: string, op: string, b: string): boolean {
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
      return int(a) === int(b);
    case "-ne":
      return int(a) !== int(b);
    case "-lt":
      return int(a) < int(b);
    case "-le":
      return int(a) <= int(b);
    case "-gt":
      return int(a) > int(b);
    case "-ge":
      return int(a) >= int(b);
  }
  const sa = sys.fstatat(AT.FDCWD, a, 0);
  const sb = sys.fstatat(AT.FDCWD, b, 0);
  const time = (s: typeof sa) => (isErrno(s) ? -Infinity : s.mtime.sec * 1e9 + s.mtime.nsec);
  if (op === "-nt") return !isErrno(sa) && time(sa) > time(sb);
  if (op === "-ot") return !isErrno(sb) && time(sa) < time(sb);
  return !isErrno(sa) && !isErrno(sb) && sa.dev === sb.dev && sa.ino === sb.ino;
}

/**
 * Evaluate a test expression.
 *
 * @param sys System calls (for file tests).
 * @param args The expression's words.
 * @returns The truth value; throws a message error for a malformed expression.
 */
export function evaluateTest(sys: Syscalls, args: string[]): boolean {
  const n = args.length;
  const [a0, a1, a2, a3] = args;
  if (n === 0) return false;
  if (n === 1) return a0 !== "";
  if (n === 2) {
    if (a0 === "!") return a1 === "";
    if (UNARY.has(a0!)) return unary(sys, a0!, a1!);
    throw new TestError(
      a0!.startsWith("-") ? `${a0}: unary operator expected` : `extra argument '${a1}'`,
    );
  }
  if (n === 3) {
    if (BINARY.has(a1!)) return binary(sys, a0!, a1!, a2!);
    if (a1 === "-a") return a0 !== "" && a2 !== "";
    if (a1 === "-o") return a0 !== "" || a2 !== "";
    if (a0 === "!") return !evaluateTest(sys, [a1!, a2!]);
    if (a0 === "(" && a2 === ")") return a1 !== "";
    throw new TestError(`${a1}: binary operator expected`);
  }
  if (n === 4) {
    if (a0 === "!") return !evaluateTest(sys, args.slice(1));
    if (a0 === "(" && a3 === ")") return evaluateTest(sys, [a1!, a2!]);
  }
  const p = new Parser(sys, args);
  const v = p.or();
  if (p.i < args.length) throw new TestError(`extra argument '${args[p.i]}'`);
  return v;
}

class Parser {
  i = 0;
  constructor(readonly sys: Syscalls, readonly args: string[]) {}
  peek(k = 0): string | undefined {
    return this.args[this.i + k];
  }
  or(): boolean {
    let v = this.and();
    while (this.peek() === "-o") {
      this.i++;
      const r = this.and();
      v = v || r;
    }
    return v;
  }
  and(): boolean {
    let v = this.not();
    while (this.peek() === "-a") {
      this.i++;
      const r = this.not();
      v = v && r;
    }
    return v;
  }
  not(): boolean {
    if (this.peek() === "!") {
      this.i++;
      return !this.not();
    }
    return this.primary();
  }
  primary(): boolean {
    const t = this.peek();
    if (t === undefined) throw new TestError("argument expected");
    if (t === "(") {
      this.i++;
      const v = this.or();
      if (this.peek() !== ")") throw new TestError("')' expected");
      this.i++;
      return v;
    }
    if (this.peek(1) !== undefined && BINARY.has(this.peek(1)!) && this.peek(2) !== undefined) {
      this.i += 3;
      return binary(this.sys, t, this.args[this.i - 2]!, this.args[this.i - 1]!);
    }
    if (UNARY.has(t) && this.peek(1) !== undefined) {
      this.i += 2;
      return unary(this.sys, t, this.args[this.i - 1]!);
    }
    this.i++;
    return t !== "";
  }
}

/**
 * The `test` and `[` applet: exit 0 true, 1 false, 2 on a malformed expression.
 *
 * @example
 * ```ts ignore
 * await test(sys, ["[", "-d", "/tmp", "]"]);
 * ```
 */
export const test: BuiltinMain = async (sys, argv) => {
  const prog = baseName(argv[0] ?? "test") || "test";
  let args = argv.slice(1);
  if (prog === "[") {
    if (args.length === 1 && args[0] === "--help") {
      await writeAll(
        sys,
        1,
        utf8(
          "Usage: [ EXPRESSION ]\n\nCheck file types, compare values etc. Return a 0/1 exit code\ndepending on logical value of EXPRESSION\n",
        ),
      );
      return 0;
    }
    if (args[args.length - 1] !== "]") {
      await writeAll(sys, 2, utf8("[: missing ']'\n"));
      return 2;
    }
    args = args.slice(0, -1);
  }
  try {
    return evaluateTest(sys, args) ? 0 : 1;
  } catch (e) {
    if (!(e instanceof TestError)) throw e;
    await writeAll(sys, 2, utf8(`${prog}: ${e.message}\n`));
    return 2;
  }
};
