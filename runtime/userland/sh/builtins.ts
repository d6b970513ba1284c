/**
 * Builtin commands of the shell. {@link SPECIAL_BUILTINS} are POSIX special builtins
 * (found before functions; their assignments persist; their errors end a
 * non-interactive shell); {@link BUILTINS} are the regular ones.
 *
 * @module
 */
import { Errno } from "../../kernel/errno.ts";
import { O } from "../../kernel/syscalls/api.ts";
import { cd, pwd } from "./builtin_cd.ts";
import { getopts, read } from "./builtin_read.ts";
import { jobs, kill, trap, wait } from "./builtin_jobs.ts";
import { echo, printf } from "./builtin_printf.ts";
import { testCommand } from "./builtin_testexpr.ts";
import { commandKind, execReplace, findInPath, runArgv } from "./exec_simple.ts";
import { isName } from "./lexer.ts";
import { parseScript, ShellSyntaxError } from "./parser.ts";
import { MAX_FUNCTION_DEPTH, type Shell } from "./shell.ts";
import {
  ExitSignal,
  LoopSignal,
  OPTION_LETTERS,
  ReturnSignal,
  ShellError,
  type ShellOptions,
} from "./state.ts";

/** Reserved words, as `type` and `command -v` name them. */
const KEYWORDS = new Set([
  "!",
  "{",
  "}",
  "case",
  "do",
  "done",
  "elif",
  "else",
  "esac",
  "fi",
  "for",
  "if",
  "in",
  "then",
  "until",
  "while",
]);

/** A builtin: runs in the shell; returns the status. */
export type Builtin = (sh: Shell, argv: string[]) => number | Promise<number>;

/** Shell quoting for `export -p` and `set` listings (always single quotes, as dash). */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'"'"'`)}'`;
}

function parseCount(name: string, arg: string | undefined, dflt: number): number {
  if (arg === undefined) return dflt;
  if (!/^[0-9]+$/.test(arg)) throw new ShellError(`${name}: Illegal number: ${arg}`);
  return Number(arg);
}

const exit: Builtin = (sh, argv) => {
  const code = argv[1] === undefined ? sh.status : parseCount("exit", argv[1], 0) & 0xff;
  throw new ExitSignal(code);
};

const returnCmd: Builtin = (sh, argv) => {
  // dash keeps the whole number in `$?` (`return 300` gives 300).
  const code = argv[1] === undefined ? sh.status : parseCount("return", argv[1], 0);
  throw new ReturnSignal(code);
};

function loopCmd(kind: "break" | "continue"): Builtin {
  return (sh, argv) => {
    const n = parseCount(kind, argv[1], 1);
    if (n === 0) throw new ShellError(`${kind}: Illegal number: ${argv[1]}`);
    if (sh.loopDepth === 0) return 0;
    throw new LoopSignal(kind, Math.min(n, sh.loopDepth));
  };
}

const shift: Builtin = (sh, argv) => {
  const n = parseCount("shift", argv[1], 1);
  if (n > sh.params.length) throw new ShellError("shift: can't shift that many");
  sh.params = sh.params.slice(n);
  return 0;
};

const evalCmd: Builtin = async (sh, argv) => {
  const text = argv.slice(1).join(" ");
  if (text.trim() === "") return 0;
  return await sh.evalText(text, "eval");
};

/**
 * Reads a whole file through the syscalls.
 *
 * @param sh The shell.
 * @param path Path.
 * @returns The text, or an errno.
 */
export async function readTextFile(sh: Shell, path: string): Promise<string | Errno> {
  let fd = sh.sys.openat(-100, path, O.RDONLY | O.CLOEXEC, 0);
  if (typeof fd !== "number") fd = await fd;
  if (fd < 0) return fd as Errno;
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(65536);
  try {
    for (;;) {
      let n = sh.sys.read(fd, buf);
      if (typeof n !== "number") n = await n;
      if (n === Errno.EINTR) continue;
      if (n < 0) return n as Errno;
      if (n === 0) break;
      chunks.push(buf.slice(0, n));
    }
  } finally {
    sh.sys.close(fd);
  }
  let total = 0;
  for (const c of chunks) total += c.length;
  const all = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.length;
  }
  return new TextDecoder().decode(all);
}

const dot: Builtin = async (sh, argv) => {
  const name = argv[1];
  if (name === undefined) return 0;
  let path: string | undefined = name;
  if (!name.includes("/")) {
    path = undefined;
    for (const dir of (sh.lookup("PATH") ?? "").split(":")) {
      const p = `${dir === "" ? "." : dir}/${name}`;
      const st = sh.sys.fstatat(-100, p, 0);
      if (typeof st === "object" && (st.mode & 0o170000) === 0o100000) {
        path = p;
        break;
      }
    }
  }
  const text = path === undefined ? Errno.ENOENT : await readTextFile(sh, path);
  if (typeof text !== "string") throw new ShellError(`.: cannot open ${name}: No such file`);
  let script;
  try {
    script = parseScript(text, sh.aliases);
  } catch (e) {
    if (e instanceof ShellSyntaxError) {
      throw new ShellError(`Syntax error: ${e.message}`);
    }
    throw e;
  }
  if (sh.funcDepth >= MAX_FUNCTION_DEPTH) {
    // dash crashes here; Berth stops as it does for functions.
    throw new ShellError(`Maximum function recursion depth (${MAX_FUNCTION_DEPTH}) reached`);
  }
  const savedParams = sh.params;
  if (argv.length > 2) sh.params = argv.slice(2);
  sh.funcDepth++;
  try {
    return await sh.execScript(script);
  } catch (e) {
    if (e instanceof ReturnSignal) return e.code;
    throw e;
  } finally {
    sh.funcDepth--;
    if (argv.length > 2) sh.params = savedParams;
  }
};

function declare(kind: "export" | "readonly"): Builtin {
  return async (sh, argv) => {
    const args = argv.slice(1);
    if (args.length === 0 || args[0] === "-p") {
      const names = [...sh.vars.keys()].sort();
      let out = "";
      for (const n of names) {
        const v = sh.vars.get(n)!;
        if (kind === "export" ? !v.exported : !v.readonly) continue;
        out += v.value === undefined ? `${kind} ${n}\n` : `${kind} ${n}=${shellQuote(v.value)}\n`;
      }
      await sh.print(1, out);
      return 0;
    }
    for (const a of args) {
      const eq = a.indexOf("=");
      const name = eq < 0 ? a : a.slice(0, eq);
      if (!isName(name)) throw new ShellError(`${kind}: ${name}: bad variable name`);
      if (eq >= 0) sh.setVar(name, a.slice(eq + 1));
      let v = sh.vars.get(name);
      if (!v) {
        v = { value: undefined, exported: false, readonly: false };
        sh.vars.set(name, v);
      }
      if (kind === "export") v.exported = true;
      else v.readonly = true;
    }
    return 0;
  };
}

const unset: Builtin = (sh, argv) => {
  let funcs = false;
  let i = 1;
  for (; i < argv.length && argv[i]!.startsWith("-"); i++) {
    if (argv[i] === "-f") funcs = true;
    else if (argv[i] === "-v") funcs = false;
    else if (argv[i] === "--") {
      i++;
      break;
    }
  }
  for (const name of argv.slice(i)) {
    if (funcs) {
      sh.funcs.delete(name);
      continue;
    }
    const v = sh.vars.get(name);
    if (v?.readonly) throw new ShellError(`unset: ${name}: is read only`);
    sh.vars.delete(name);
  }
  return 0;
};

/** `set -o` names in dash's order; the ones Berth has no use for are accepted and stay off. */
const OPTION_LISTING = [
  "errexit",
  "noglob",
  "ignoreeof",
  "interactive",
  "monitor",
  "noexec",
  "stdin",
  "xtrace",
  "verbose",
  "vi",
  "emacs",
  "noclobber",
  "allexport",
  "notify",
  "nounset",
  "privileged",
  "nolog",
  "debug",
  "pipefail",
];

const OPTION_NAMES = Object.fromEntries(OPTION_LETTERS.map(([k, l]) => [l, k])) as Record<
  string,
  keyof ShellOptions
>;

/**
 * Applies `-e`/`+x`/`-o name` style options.
 *
 * @param sh The shell.
 * @param args Arguments of `set` (or of `sh` itself).
 * @returns The index of the first non-option argument, and whether `--` or a word ended the options.
 */
export function applyOptions(sh: Shell, args: string[]): { next: number; ended: boolean } {
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") return { next: i + 1, ended: true };
    if (a === "-") return { next: i + 1, ended: true };
    if (!/^[-+]/.test(a)) break;
    const on = a[0] === "-";
    for (const letter of a.slice(1)) {
      if (letter === "o") {
        const name = args[++i];
        if (name === undefined) {
          return { next: i, ended: false };
        }
        const key = name as keyof ShellOptions;
        if (key in sh.opts) sh.opts[key] = on;
        else if (!OPTION_LISTING.includes(name)) {
          throw new ShellError(`set: Illegal option -o ${name}`);
        } else if (on) sh.otherOptions.add(name);
        else sh.otherOptions.delete(name);
        continue;
      }
      const key = OPTION_NAMES[letter];
      if (!key) throw new ShellError(`set: Illegal option ${a[0]}${letter}`);
      sh.opts[key] = on;
    }
  }
  return { next: i, ended: false };
}

const set: Builtin = async (sh, argv) => {
  const args = argv.slice(1);
  if (args.length === 0) {
    let out = "";
    for (const n of [...sh.vars.keys()].sort()) {
      const v = sh.vars.get(n)!;
      if (v.value !== undefined) out += `${n}=${shellQuote(v.value)}\n`;
    }
    await sh.print(1, out);
    return 0;
  }
  if ((args[0] === "-o" || args[0] === "+o") && args.length === 1) {
    let out = args[0] === "-o" ? "Current option settings\n" : "";
    for (const k of OPTION_LISTING) {
      const on = k in sh.opts ? sh.opts[k as keyof ShellOptions] : sh.otherOptions.has(k);
      out += args[0] === "-o"
        ? `${k.padEnd(16)}${on ? "on" : "off"}\n`
        : `set ${on ? "-o" : "+o"} ${k}\n`;
    }
    await sh.print(1, out);
    return 0;
  }
  const { next, ended } = applyOptions(sh, args);
  if (ended || next < args.length) sh.params = args.slice(next);
  return 0;
};

const local: Builtin = (sh, argv) => {
  if (sh.locals.length === 0) throw new ShellError("local: not in a function");
  for (const a of argv.slice(1)) {
    const eq = a.indexOf("=");
    const name = eq < 0 ? a : a.slice(0, eq);
    if (!isName(name)) throw new ShellError(`local: ${name}: bad variable name`);
    sh.makeLocal(name);
    if (eq >= 0) sh.setVar(name, a.slice(eq + 1));
  }
  return 0;
};

const exec: Builtin = async (sh, argv) => {
  const args = argv.slice(1);
  if (args[0] === "--") args.shift();
  if (args.length === 0) return 0;
  return await execReplace(sh, args);
};

const typeCmd: Builtin = async (sh, argv) => {
  let status = 0;
  let out = "";
  for (const name of argv.slice(1)) {
    const kind = commandKind(sh, name);
    if (KEYWORDS.has(name)) out += `${name} is a shell keyword\n`;
    else if (sh.aliases.has(name)) out += `${name} is an alias for ${sh.aliases.get(name)}\n`;
    else if (kind === "special") out += `${name} is a special shell builtin\n`;
    else if (kind === "function") out += `${name} is a shell function\n`;
    else if (kind === "builtin") out += `${name} is a shell builtin\n`;
    else {
      const p = findInPath(sh, name);
      if (p) out += `${name} is ${p}\n`;
      else {
        out += `${name}: not found\n`;
        status = 127;
      }
    }
  }
  await sh.print(1, out);
  return status;
};

const command: Builtin = async (sh, argv) => {
  const args = argv.slice(1);
  let mode = "";
  while (args[0]?.startsWith("-") && args[0] !== "-") {
    const a = args.shift()!;
    if (a === "--") break;
    if (a.includes("v")) mode = "v";
    if (a.includes("V")) mode = "V";
  }
  if (args.length === 0) return 0;
  if (mode === "V") return await typeCmd(sh, ["type", ...args]);
  if (mode === "v") {
    let status = 0;
    let out = "";
    for (const name of args) {
      const kind = commandKind(sh, name);
      if (sh.aliases.has(name)) out += `alias ${name}=${shellQuote(sh.aliases.get(name)!)}\n`;
      else if (kind !== "external" || KEYWORDS.has(name)) out += `${name}\n`;
      else {
        const p = findInPath(sh, name);
        if (p) out += `${p}\n`;
        else status = 127;
      }
    }
    await sh.print(1, out);
    return status;
  }
  // `command -p name …` and friends: run without function lookup.
  return await runArgv(sh, args, true);
};

const umask: Builtin = async (sh, argv) => {
  const args = argv.slice(1);
  const symbolic = args[0] === "-S";
  if (symbolic) args.shift();
  if (args.length === 0) {
    const m = sh.sys.umask(0);
    sh.sys.umask(m);
    if (symbolic) {
      const part = (shift: number) => {
        const bits = (~m >> shift) & 7;
        return (bits & 4 ? "r" : "") + (bits & 2 ? "w" : "") + (bits & 1 ? "x" : "");
      };
      await sh.print(1, `u=${part(6)},g=${part(3)},o=${part(0)}\n`);
    } else await sh.print(1, m.toString(8).padStart(4, "0") + "\n");
    return 0;
  }
  if (!/^[0-7]+$/.test(args[0]!)) throw new ShellError(`umask: Illegal number: ${args[0]}`);
  const old = sh.sys.umask(parseInt(args[0]!, 8));
  if (sh.subshell && sh.restore.umask === undefined) sh.restore.umask = old;
  return 0;
};

/** `ulimit [-HSa] [-n|-c|-f|-s|-u|-v] [limit]`: only `-n` (open files) is a kernel limit. */
const ulimit: Builtin = async (sh, argv) => {
  let resource = "f";
  let hard = false;
  let value: string | undefined;
  for (const a of argv.slice(1)) {
    if (/^-[HSa-z]+$/.test(a)) {
      for (const c of a.slice(1)) {
        if (c === "H") hard = true;
        else if (c !== "S") resource = c;
      }
    } else value = a;
  }
  const RLIMIT_NOFILE = 7;
  if (resource !== "n") {
    if (value === undefined) await sh.print(1, "unlimited\n");
    return 0;
  }
  const cur = sh.sys.prlimit(0, RLIMIT_NOFILE);
  if (typeof cur === "number") {
    await sh.error("ulimit: error getting limit");
    return 2;
  }
  if (value === undefined) {
    await sh.print(1, `${hard ? cur[1] : cur[0]}\n`);
    return 0;
  }
  const n = value === "unlimited" ? cur[1] : Number(value);
  if (!Number.isInteger(n) || n < 0) throw new ShellError(`ulimit: Illegal number: ${value}`);
  const r = sh.sys.prlimit(0, RLIMIT_NOFILE, hard ? [Math.min(cur[0], n), n] : [n, cur[1]]);
  if (typeof r === "number") {
    await sh.error("ulimit: error setting limit (Operation not permitted)");
    return 2;
  }
  return 0;
};

/** `alias [name[=value]…]`: defines or prints aliases (`name='value'`). */
const alias: Builtin = async (sh, argv) => {
  let status = 0;
  let out = "";
  const args = argv.slice(1);
  if (args.length === 0) {
    for (const [k, v] of [...sh.aliases].sort()) out += `${k}=${shellQuote(v)}\n`;
  }
  for (const a of args) {
    const eq = a.indexOf("=");
    if (eq > 0) sh.aliases.set(a.slice(0, eq), a.slice(eq + 1));
    else if (sh.aliases.has(a)) out += `${a}=${shellQuote(sh.aliases.get(a)!)}\n`;
    else {
      await sh.print(1, out);
      out = "";
      await sh.print(2, `alias: ${a} not found\n`);
      status = 1;
    }
  }
  await sh.print(1, out);
  return status;
};

/** `unalias [-a] name…`. */
const unalias: Builtin = async (sh, argv) => {
  if (argv[1] === "-a") {
    sh.aliases.clear();
    return 0;
  }
  let status = 0;
  for (const a of argv.slice(1)) {
    if (!sh.aliases.delete(a)) {
      await sh.error(`unalias: ${a} not found`);
      status = 1;
    }
  }
  return status;
};

const times: Builtin = async (sh) => {
  await sh.print(1, "0m0.000000s 0m0.000000s\n0m0.000000s 0m0.000000s\n");
  return 0;
};

/** POSIX special builtins. */
export const SPECIAL_BUILTINS: Record<string, Builtin> = {
  ":": () => 0,
  ".": dot,
  break: loopCmd("break"),
  continue: loopCmd("continue"),
  eval: evalCmd,
  exec,
  exit,
  export: declare("export"),
  readonly: declare("readonly"),
  return: returnCmd,
  set,
  shift,
  times,
  trap,
  unset,
};

/** Regular builtins. */
export const BUILTINS: Record<string, Builtin> = {
  "[": testCommand,
  alias,
  cd,
  command,
  echo,
  false: () => 1,
  getopts,
  hash: () => 0,
  jobs,
  kill,
  local,
  printf,
  pwd,
  read,
  test: testCommand,
  true: () => 0,
  type: typeCmd,
  ulimit,
  umask,
  unalias,
  wait,
};
