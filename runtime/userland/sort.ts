/**
 * `sort [-nrufbsVhz] [-k KEY] [-t SEP] [-o FILE] [FILE]...`: sort lines (C locale).
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";
import { writeFile } from "./_io.ts";
import { readLines } from "./_lines.ts";

interface Key {
  startField: number;
  startChar: number;
  endField: number;
  endChar: number;
  numeric: boolean;
  reverse: boolean;
  fold: boolean;
  blanks: boolean;
  human: boolean;
}

function parseKey(
  spec: string,
  global: Omit<Key, "startField" | "startChar" | "endField" | "endChar">,
): Key | null {
  const m = /^(\d+)(?:\.(\d+))?([bdfghinrV]*)(?:,(\d+)(?:\.(\d+))?([bdfghinrV]*))?$/.exec(spec);
  if (!m) return null;
  const flags = (m[3] ?? "") + (m[6] ?? "");
  const own = flags.length > 0;
  return {
    startField: Number(m[1]),
    startChar: m[2] ? Number(m[2]) : 1,
    endField: m[4] ? Number(m[4]) : Infinity,
    endChar: m[5] ? Number(m[5]) : 0,
    numeric: own ? /[ng]/.test(flags) : global.numeric,
    reverse: own ? flags.includes("r") : global.reverse,
    fold: own ? flags.includes("f") : global.fold,
    blanks: own ? flags.includes("b") : global.blanks,
    human: own ? flags.includes("h") : global.human,
  };
}

function fields(line: string, sep: string | undefined): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  if (sep !== undefined) {
    let s = 0;
    for (;;) {
      const i = line.indexOf(sep, s);
      if (i < 0) {
        out.push({ start: s, end: line.length });
        return out;
      }
      out.push({ start: s, end: i });
      s = i + sep.length;
    }
  }
  // Default: a field is leading blanks plus non-blanks.
  let i = 0;
  while (i < line.length) {
    const start = i;
    while (i < line.length && (line[i] === " " || line[i] === "\t")) i++;
    while (i < line.length && line[i] !== " " && line[i] !== "\t") i++;
    out.push({ start, end: i });
  }
  return out;
}

function keyText(line: string, k: Key, sep: string | undefined): string {
  const f = fields(line, sep);
  const sf = f[k.startField - 1];
  if (!sf) return "";
  let start = sf.start;
  if (k.blanks || sep === undefined) {
    while (start < sf.end && (line[start] === " " || line[start] === "\t")) {
      start++;
    }
  }
  start = Math.min(sf.end, start + k.startChar - 1);
  let end = line.length;
  if (k.endField !== Infinity) {
    const ef = f[k.endField - 1];
    if (ef) end = k.endChar ? Math.min(ef.end, ef.start + k.endChar) : ef.end;
  }
  return line.slice(start, Math.max(start, end));
}

const HUMAN: Record<string, number> = { K: 1, k: 1, M: 2, G: 3, T: 4, P: 5, E: 6 };

function numOf(s: string, human: boolean): number {
  const m = /^\s*([-+]?\d*\.?\d+)([KkMGTPE])?/.exec(s);
  if (!m) return 0;
  const v = Number(m[1]);
  return human && m[2] ? v * 1024 ** HUMAN[m[2]]! : v;
}

/**
 * Version order (`sort -V`, like `strverscmp`): digit runs compare as numbers.
 *
 * @param a First.
 * @param b Second.
 * @returns Negative, zero or positive.
 */
export function compareVersion(a: string, b: string): number {
  const pa = a.match(/\d+|\D+/g) ?? [];
  const pb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (/^\d/.test(x) && /^\d/.test(y)) {
      const d = Number(x) - Number(y);
      if (d) return d;
      if (x.length !== y.length) return y.length - x.length;
    } else if (x !== y) return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

function cmpC(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The `sort` applet.
 *
 * @example
 * ```ts ignore
 * await sort(sys, ["sort", "-t:", "-k3,3n", "/etc/passwd"]);
 * ```
 */
export const sort = applet({
  name: "sort",
  usage:
    "sort [-nrufbshc] [-t CHAR] [-k POS1[,POS2]] [-o FILE] [FILE]...\n\nSort lines of text\n\n" +
    "\t-b\tIgnore leading blanks\n\t-c\tCheck whether input is sorted\n\t-f\tIgnore case\n\t-h\tHuman readable numbers (2K 1G)\n" +
    "\t-n\tSort numbers\n\t-r\tReverse sort order\n\t-s\tStable (don't sort ties alphabetically)\n\t-u\tSuppress duplicate lines\n" +
    "\t-k N[,M]\tSort by Nth field\n\t-t CHAR\tField separator\n\t-o FILE\tOutput to FILE",
  usageStatus: 2,
  spec: {
    flags: "nrufbshcgVzdiM",
    withArg: "kto",
    long: {
      "numeric-sort": "n",
      reverse: "r",
      unique: "u",
      "ignore-case": "f",
      stable: "s",
      "key=": "k",
      "field-separator=": "t",
      "output=": "o",
      "human-numeric-sort": "h",
      check: "c",
    },
  },
  async run(ctx, opts) {
    const g = {
      numeric: opts.has("n") || opts.has("g"),
      reverse: opts.has("r"),
      fold: opts.has("f"),
      blanks: opts.has("b"),
      human: opts.has("h"),
    };
    const versionSort = opts.has("V");
    const sep = opts.get("t");
    if (sep !== undefined && sep.length !== 1) {
      await ctx.error(sep === "" ? "empty tab" : `multi-character tab '${sep}'`);
      return 2;
    }
    const keys: Key[] = [];
    for (const k of opts.all("k")) {
      const key = parseKey(k, g);
      if (!key || key.startField < 1) {
        await ctx.error(`invalid number at field start: invalid count at start of '${k}'`);
        return 2;
      }
      keys.push(key);
    }
    const lines = await readLines(ctx, opts.operands);
    if (ctx.status) return 2;
    const whole: Key = { startField: 1, startChar: 1, endField: Infinity, endChar: 0, ...g };
    const useKeys = keys.length ? keys : [whole];
    const cmpKey = (a: string, b: string, k: Key): number => {
      let x = k === whole ? a : keyText(a, k, sep);
      let y = k === whole ? b : keyText(b, k, sep);
      let r: number;
      if (k.numeric || k.human) r = numOf(x, k.human) - numOf(y, k.human);
      else if (versionSort) r = compareVersion(x, y);
      else {
        if (k.blanks) {
          x = x.trimStart();
          y = y.trimStart();
        }
        if (k.fold) {
          x = x.toUpperCase();
          y = y.toUpperCase();
        }
        r = cmpC(x, y);
      }
      return k.reverse ? -r : r;
    };
    const cmp = (a: string, b: string): number => {
      for (const k of useKeys) {
        const r = cmpKey(a, b, k);
        if (r) return r;
      }
      if (opts.has("s") || opts.has("u")) return 0;
      const r = cmpC(a, b);
      return g.reverse ? -r : r;
    };
    if (opts.has("c")) {
      for (let i = 1; i < lines.length; i++) {
        const r = cmp(lines[i - 1]!, lines[i]!);
        if (r > 0 || (opts.has("u") && r === 0)) {
          await ctx.error(`${opts.operands[0] ?? "-"}:${i + 1}: disorder: ${lines[i]}`);
          return 1;
        }
      }
      return 0;
    }
    const sorted = lines.map((l, i) => ({ l, i })).sort((a, b) => cmp(a.l, b.l) || a.i - b.i).map((
      x,
    ) => x.l);
    let out = sorted;
    if (opts.has("u")) out = sorted.filter((l, i) => i === 0 || cmp(sorted[i - 1]!, l) !== 0);
    const text = out.length ? out.join("\n") + "\n" : "";
    const o = opts.get("o");
    if (o !== undefined) {
      const r = await writeFile(ctx.sys, o, text);
      if (isErrno(r)) {
        await ctx.fail(`open failed: ${o}`, r, 2);
        return 2;
      }
      return 0;
    }
    await ctx.out.write(text);
    return 0;
  },
});
