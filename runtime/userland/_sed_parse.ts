/**
 * The sed script parser: addresses (`N`, `$`, `/re/`, `\cREc`, `first~step`, ranges,
 * `addr,+N`, `!`) and commands (`s y d D p P n N q Q = a i c h H g G x b t T : { } l r w`).
 *
 * @module
 */
import { compileRegex } from "./_regex.ts";

/** An address. */
export type Addr =
  | { kind: "line"; n: number }
  | { kind: "last" }
  | { kind: "re"; re: RegExp | null }
  | { kind: "step"; first: number; step: number };

/** One command. */
export interface Cmd {
  /** First address. */
  a1?: Addr;
  /** Second address (range). */
  a2?: Addr | { kind: "plus"; n: number };
  /** `!`. */
  negate: boolean;
  /** Command letter. */
  name: string;
  /** Text argument (a/i/c, labels, file names). */
  text?: string;
  /** s: regex (null = last regex used). */
  re?: RegExp | null;
  /** s: replacement. */
  repl?: string;
  /** s: global. */
  global?: boolean;
  /** s: replace only the Nth match. */
  nth?: number;
  /** s: print after replacing. */
  print?: boolean;
  /** s: write to file. */
  wfile?: string;
  /** y: from/to maps. */
  map?: Map<string, string>;
  /** `{`: index of the matching `}`; `b`/`t`: resolved jump target. */
  jump?: number;
  /** q/Q exit code. */
  code?: number;
  /** Range state: inside the range. */
  active?: boolean;
  /** Range end line for `addr,+N`. */
  endLine?: number;
}

/** A parse error with sed's wording (`sed: -e expression #1, char 3: unknown command: ...`). */
export class SedError extends Error {}

/**
 * Parse a sed script.
 *
 * @param script The script (several -e joined by newlines).
 * @param extended `-E`.
 * @returns Commands with jumps resolved.
 */
export function parseSed(script: string, extended: boolean): Cmd[] {
  const cmds: Cmd[] = [];
  let i = 0;
  const s = script;
  const err = (msg: string) => new SedError(`-e expression #1, char ${i}: ${msg}`);
  const skipWs = () => {
    while (i < s.length && (s[i] === " " || s[i] === "\t")) i++;
  };
  const readDelimited = (delim: string): string => {
    let out = "";
    while (i < s.length && s[i] !== delim) {
      if (s[i] === "\\" && i + 1 < s.length) {
        if (s[i + 1] === delim) {
          out += delim;
          i += 2;
          continue;
        }
        if (s[i + 1] === "n") {
          out += "\\n";
          i += 2;
          continue;
        }
        out += s[i]! + s[i + 1]!;
        i += 2;
        continue;
      }
      if (s[i] === "\n" && delim !== "\n") throw err(`unterminated address regex`);
      out += s[i++];
    }
    if (i >= s.length) throw err(`unterminated \`s' command`);
    i++;
    return out;
  };
  const regex = (src: string, flags = ""): RegExp | null =>
    src === "" ? null : compileRegex(src, { extended, ignoreCase: flags.includes("I") });
  const addr = (): Addr | undefined => {
    if (/\d/.test(s[i] ?? "")) {
      let n = "";
      while (/\d/.test(s[i] ?? "")) n += s[i++];
      if (s[i] === "~") {
        i++;
        let st = "";
        while (/\d/.test(s[i] ?? "")) st += s[i++];
        return { kind: "step", first: Number(n), step: Number(st || 0) };
      }
      return { kind: "line", n: Number(n) };
    }
    if (s[i] === "$") {
      i++;
      return { kind: "last" };
    }
    if (s[i] === "/" || s[i] === "\\") {
      let d = "/";
      if (s[i] === "\\") {
        i++;
        d = s[i]!;
      }
      i++;
      const src = readDelimited(d);
      let flags = "";
      while (s[i] === "I" || s[i] === "M") flags += s[i++];
      return { kind: "re", re: regex(src, flags) };
    }
    return undefined;
  };
  const readText = (): string => {
    // a\ text, a text (GNU one-liner), until an unescaped newline.
    skipWs();
    if (s[i] === "\\") {
      i++;
      if (s[i] === "\n") i++;
    }
    let out = "";
    while (i < s.length && s[i] !== "\n") {
      if (s[i] === "\\" && i + 1 < s.length) {
        out += s[i + 1] === "\n" ? "\n" : s[i + 1] === "t" ? "\t" : s[i + 1];
        i += 2;
        continue;
      }
      out += s[i++];
    }
    return out;
  };
  const readLabel = (): string => {
    skipWs();
    let out = "";
    while (i < s.length && s[i] !== "\n" && s[i] !== ";" && s[i] !== "}") out += s[i++];
    return out.trim();
  };
  const blocks: number[] = [];
  while (i < s.length) {
    skipWs();
    if (s[i] === "\n" || s[i] === ";") {
      i++;
      continue;
    }
    if (i >= s.length) break;
    if (s[i] === "#") {
      while (i < s.length && s[i] !== "\n") i++;
      continue;
    }
    const cmd: Cmd = { negate: false, name: "" };
    cmd.a1 = addr();
    if (cmd.a1 && s[i] === ",") {
      i++;
      if (s[i] === "+") {
        i++;
        let n = "";
        while (/\d/.test(s[i] ?? "")) n += s[i++];
        cmd.a2 = { kind: "plus", n: Number(n) };
      } else {
        cmd.a2 = addr();
        if (!cmd.a2) throw err("unexpected `,'");
      }
    }
    skipWs();
    while (s[i] === "!") {
      cmd.negate = true;
      i++;
      skipWs();
    }
    const c = s[i++];
    if (c === undefined) throw err("missing command");
    cmd.name = c;
    switch (c) {
      case "{":
        blocks.push(cmds.length);
        break;
      case "}":
        if (!blocks.length) throw err("unexpected `}'");
        cmds[blocks.pop()!]!.jump = cmds.length;
        break;
      case "s": {
        const d = s[i++]!;
        const src = readDelimited(d);
        cmd.repl = readDelimited(d);
        let flags = "";
        while (i < s.length && /[gpiIme0-9w]/.test(s[i]!)) {
          if (s[i] === "w") {
            i++;
            cmd.wfile = readLabel();
            break;
          }
          flags += s[i++];
        }
        cmd.global = flags.includes("g");
        cmd.print = flags.includes("p");
        const nth = /\d+/.exec(flags);
        if (nth) cmd.nth = Number(nth[0]);
        cmd.re = src === ""
          ? null
          : compileRegex(src, { extended, ignoreCase: /[iI]/.test(flags), global: true });
        break;
      }
      case "y": {
        const d = s[i++]!;
        const from = [...readDelimited(d).replace(/\\n/g, "\n").replace(/\\\\/g, "\\")];
        const to = [...readDelimited(d).replace(/\\n/g, "\n").replace(/\\\\/g, "\\")];
        if (from.length !== to.length) throw err("strings for `y' command are different lengths");
        cmd.map = new Map(from.map((f, k) => [f, to[k]!]));
        break;
      }
      case "a":
      case "i":
      case "c":
        cmd.text = readText();
        break;
      case ":":
        if (cmd.a1) throw err(": doesn't want any addresses");
        cmd.text = readLabel();
        if (!cmd.text) throw err('":" lacks a label');
        break;
      case "b":
      case "t":
      case "T":
        cmd.text = readLabel();
        break;
      case "r":
      case "w":
        cmd.text = readText();
        break;
      case "q":
      case "Q":
      case "l": {
        skipWs();
        let n = "";
        while (/\d/.test(s[i] ?? "")) n += s[i++];
        if (n) cmd.code = Number(n);
        break;
      }
      case "d":
      case "D":
      case "p":
      case "P":
      case "n":
      case "N":
      case "=":
      case "h":
      case "H":
      case "g":
      case "G":
      case "x":
      case "z":
        break;
      default:
        throw err(`unknown command: \`${c}'`);
    }
    cmds.push(cmd);
  }
  if (blocks.length) throw err("unmatched `{'");
  for (const cmd of cmds) {
    if ((cmd.name === "b" || cmd.name === "t" || cmd.name === "T")) {
      if (!cmd.text) cmd.jump = cmds.length;
      else {
        const at = cmds.findIndex((x) => x.name === ":" && x.text === cmd.text);
        if (at < 0) {
          throw new SedError(
            `-e expression #1, char 0: can't find label for jump to \`${cmd.text}'`,
          );
        }
        cmd.jump = at;
      }
    }
  }
  return cmds;
}
