/**
 * `read` (a line from fd 0 split by `IFS`) and `getopts`.
 *
 * @module
 */
import { Errno } from "../../kernel/errno.ts";
import type { Shell } from "./shell.ts";
import { ShellError } from "./state.ts";
import { isName } from "./lexer.ts";
import { type FdRef, MemFile } from "./fd_table.ts";

const decoder = new TextDecoder();

const encoder = new TextEncoder();

/** Reads one line (without the newline); `eof` when input ended first. */
async function readLine(
  sh: Shell,
  fd: FdRef,
): Promise<{ line: Uint8Array; eof: boolean; error?: number }> {
  if (fd instanceof MemFile) {
    const nl = fd.text.indexOf("\n", fd.pos);
    const end = nl < 0 ? fd.text.length : nl;
    const line = encoder.encode(fd.text.slice(fd.pos, end));
    fd.pos = nl < 0 ? fd.text.length : nl + 1;
    return { line, eof: nl < 0 };
  }
  const parts: number[] = [];
  // A seekable fd is read in blocks and the rest is given back with lseek.
  const seekable = sh.sys.lseek(fd, 0, 1) >= 0;
  const buf = new Uint8Array(seekable ? 4096 : 1);
  for (;;) {
    let n = sh.sys.read(fd, buf);
    if (typeof n !== "number") n = await n;
    if (n === Errno.EINTR) {
      if (sh.shared.pendingSignals.length > 0) {
        return { line: new Uint8Array(parts), eof: true, error: n };
      }
      continue;
    }
    if (n < 0) return { line: new Uint8Array(parts), eof: true, error: n };
    if (n === 0) return { line: new Uint8Array(parts), eof: true };
    for (let i = 0; i < n; i++) {
      const b = buf[i]!;
      if (b === 10) {
        if (seekable && i + 1 < n) sh.sys.lseek(fd, i + 1 - n, 1);
        return { line: new Uint8Array(parts), eof: false };
      }
      parts.push(b);
    }
  }
}

/**
 * `read [-r] [-p prompt] name…`.
 *
 * @param sh The shell.
 * @param argv Arguments.
 * @returns 0, or 1 at end of file.
 */
export async function read(sh: Shell, argv: string[]): Promise<number> {
  const args = argv.slice(1);
  let raw = false;
  let prompt: string | undefined;
  while (args[0]?.startsWith("-") && args[0] !== "-") {
    const a = args.shift()!;
    if (a === "--") break;
    for (let i = 1; i < a.length; i++) {
      if (a[i] === "r") raw = true;
      else if (a[i] === "p") {
        prompt = a.slice(i + 1) || args.shift() || "";
        break;
      } else throw new ShellError(`read: Illegal option -${a[i]}`);
    }
  }
  const names = args.length > 0 ? args : ["REPLY"];
  for (const n of names) if (!isName(n)) throw new ShellError(`read: ${n}: bad variable name`);
  const input = sh.fds.getReal(0);
  if (prompt !== undefined && input !== undefined && sh.sys.isatty(input)) {
    await sh.print(2, prompt);
  }
  await sh.flushOut();
  const fd = sh.fds.get(0);
  if (fd === undefined) {
    await sh.error("read: read error: Bad file descriptor");
    return 1;
  }
  // Characters of the line, and which were escaped by a backslash.
  let text = "";
  const escaped: boolean[] = [];
  let eof = false;
  for (;;) {
    const r = await readLine(sh, fd);
    const line = decoder.decode(r.line);
    eof = r.eof;
    let continued = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (!raw && c === "\\") {
        if (i + 1 < line.length) {
          text += line[++i];
          escaped.push(true);
        } else continued = true;
        continue;
      }
      text += c;
      escaped.push(false);
    }
    if (!continued || eof) break;
  }
  assignFields(sh, names, text, escaped);
  return eof ? 1 : 0;
}

function assignFields(sh: Shell, names: string[], text: string, escaped: boolean[]): void {
  const ifsVal = sh.lookup("IFS");
  const ifs = ifsVal === undefined ? " \t\n" : ifsVal;
  const isIfs = (i: number) => !escaped[i] && ifs.includes(text[i]!);
  const isWs = (i: number) => isIfs(i) && " \t\n".includes(text[i]!);
  let i = 0;
  const n = text.length;
  while (i < n && isWs(i)) i++;
  for (let v = 0; v < names.length; v++) {
    const name = names[v]!;
    if (v === names.length - 1) {
      // The last variable takes the rest, minus trailing IFS whitespace.
      let end = n;
      while (end > i && isWs(end - 1)) end--;
      sh.setVar(name, text.slice(i, end));
      break;
    }
    const start = i;
    while (i < n && !isIfs(i)) i++;
    sh.setVar(name, text.slice(start, i));
    // Skip one delimiter: whitespace around at most one non-whitespace IFS char.
    while (i < n && isWs(i)) i++;
    if (i < n && isIfs(i) && !isWs(i)) {
      i++;
      while (i < n && isWs(i)) i++;
    }
  }
}

const getoptsState = new WeakMap<Shell, { optind: number; pos: number }>();

/**
 * `getopts optstring name [arg…]`.
 *
 * @param sh The shell.
 * @param argv Arguments.
 * @returns 0 while options remain, 1 at their end.
 */
export async function getopts(sh: Shell, argv: string[]): Promise<number> {
  const optstring = argv[1];
  const name = argv[2];
  if (optstring === undefined || name === undefined) {
    await sh.error("getopts: Usage: getopts optstring var [arg...]");
    return 2;
  }
  const args = argv.length > 3 ? argv.slice(3) : sh.params;
  const silent = optstring.startsWith(":");
  const optind = Number(sh.lookup("OPTIND") ?? "1") || 1;
  let st = getoptsState.get(sh);
  if (!st || st.optind !== optind) st = { optind, pos: 0 };
  getoptsState.set(sh, st);
  const done = () => {
    sh.setVar(name, "?");
    sh.vars.delete("OPTARG");
    sh.setVar("OPTIND", String(st!.optind));
    return 1;
  };
  let arg = args[st.optind - 1];
  if (st.pos === 0) {
    if (arg === undefined || !arg.startsWith("-") || arg === "-") return done();
    if (arg === "--") {
      st.optind++;
      return done();
    }
    st.pos = 1;
  }
  arg = arg!;
  const c = arg[st.pos]!;
  st.pos++;
  const advance = () => {
    if (st!.pos >= arg!.length) {
      st!.optind++;
      st!.pos = 0;
    }
  };
  const idx = c === ":" ? -1 : optstring.indexOf(c);
  if (idx < 0) {
    advance();
    sh.setVar("OPTIND", String(st.optind));
    if (silent) {
      sh.setVar(name, "?");
      sh.setVar("OPTARG", c);
    } else {
      sh.setVar(name, "?");
      sh.vars.delete("OPTARG");
      await sh.print(2, `Illegal option -${c}\n`);
    }
    return 0;
  }
  if (optstring[idx + 1] === ":") {
    let value: string | undefined;
    if (st.pos < arg.length) value = arg.slice(st.pos);
    else value = args[st.optind];
    if (value === undefined) {
      st.optind++;
      st.pos = 0;
      sh.setVar("OPTIND", String(st.optind));
      if (silent) {
        sh.setVar(name, ":");
        sh.setVar("OPTARG", c);
      } else {
        sh.setVar(name, "?");
        sh.vars.delete("OPTARG");
        await sh.print(2, `No arg for -${c} option\n`);
      }
      return 0;
    }
    st.optind += st.pos < arg.length ? 1 : 2;
    st.pos = 0;
    sh.setVar("OPTARG", value);
  } else {
    advance();
    sh.vars.delete("OPTARG");
  }
  sh.setVar("OPTIND", String(st.optind));
  sh.setVar(name, c);
  return 0;
}
