/**
 * `diff [-u | -U N] [-q] [-i] [-w] [-b] FILE1 FILE2`: compare files line by line (Myers'
 * O(ND) algorithm), in normal or unified format.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";
import { isDir, stat } from "./_fs.ts";
import { readFile } from "./_io.ts";
import { baseName } from "./_applet.ts";
import { strftime } from "./_format.ts";

/** One edit: keep, delete from the first file, or insert from the second. */
export type Edit = { op: "=" | "-" | "+"; a: number; b: number };

/**
 * The shortest edit script between two sequences (Myers).
 *
 * @param a First lines (compared by `key`).
 * @param b Second lines.
 * @returns Edits in order; `a`/`b` are indexes into the inputs.
 */
export function diffLines(a: string[], b: string[]): Edit[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const v = new Int32Array(2 * max + 2);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[max + k - 1]! < v[max + k + 1]!)
        ? v[max + k + 1]!
        : v[max + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[max + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  trace.push(v.slice());
  const edits: Edit[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 2; d >= 0 && (x > 0 || y > 0); d--) {
    const vv = trace[d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && vv[max + k - 1]! < vv[max + k + 1]!) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : vv[max + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) edits.push({ op: "=", a: --x, b: --y });
    if (d > 0) {
      if (x === prevX) edits.push({ op: "+", a: x, b: --y });
      else edits.push({ op: "-", a: --x, b: y });
    }
  }
  while (x > 0 && y > 0) edits.push({ op: "=", a: --x, b: --y });
  return edits.reverse();
}

function range(start: number, count: number): string {
  if (count === 1) return `${start}`;
  if (count === 0) return `${start - 1},0`;
  return `${start},${count}`;
}

function normalRange(from: number, to: number): string {
  return from === to ? `${from}` : `${from},${to}`;
}

/**
 * The `diff` applet: exit 0 same, 1 different, 2 trouble.
 *
 * @example
 * ```ts ignore
 * await diff(sys, ["diff", "-u", "a", "b"]);
 * ```
 */
export const diff = applet({
  name: "diff",
  usage:
    "diff [-abBdiNqsTtuw] [-U LINES] FILE1 FILE2\n\nCompare files line by line and output the differences between them.\n\n" +
    "\t-u\tUnified format (3 lines of context)\n\t-U N\tUnified format with N lines of context\n\t-q\tOutput only whether files differ\n" +
    "\t-s\tReport when two files are the same\n\t-i\tIgnore case differences\n\t-w\tIgnore all whitespace\n\t-b\tIgnore changes in the amount of whitespace\n\t-B\tIgnore changes whose lines are all blank",
  usageStatus: 2,
  spec: {
    flags: "uqsiwbBNatT",
    withArg: "U",
    long: {
      unified: "u",
      "unified=": "U",
      brief: "q",
      "report-identical-files": "s",
      "ignore-case": "i",
      "ignore-all-space": "w",
      "ignore-space-change": "b",
    },
  },
  async run(ctx, opts) {
    let [f1, f2] = opts.operands;
    if (f1 === undefined || f2 === undefined || opts.operands.length > 2) {
      await ctx.usageError(
        f1 === undefined
          ? "missing operand after 'diff'"
          : f2 === undefined
          ? `missing operand after '${f1}'`
          : `extra operand '${opts.operands[2]}'`,
      );
      return 2;
    }
    const s1 = f1 === "-" ? null : stat(ctx.sys, f1);
    const s2 = f2 === "-" ? null : stat(ctx.sys, f2);
    if (s1 && !isErrno(s1) && isDir(s1.mode) && s2 && !isErrno(s2) && !isDir(s2.mode)) {
      f1 = `${f1}/${baseName(f2)}`;
    } else if (s2 && !isErrno(s2) && isDir(s2.mode) && s1 && !isErrno(s1) && !isDir(s1.mode)) {
      f2 = `${f2}/${baseName(f1)}`;
    }
    const read = async (f: string) => {
      const d = await readFile(ctx.sys, f);
      if (isErrno(d)) {
        if (opts.has("N") && d === -2) return "";
        await ctx.fail(f, d, 2);
        return null;
      }
      return new TextDecoder().decode(d);
    };
    const t1 = await read(f1);
    const t2 = await read(f2);
    if (t1 === null || t2 === null) return 2;
    const split = (t: string) => {
      const l = t.split("\n");
      const noEol = l[l.length - 1] !== "";
      if (!noEol) l.pop();
      return { lines: l, noEol: noEol && t !== "" };
    };
    const A = split(t1);
    const B = split(t2);
    const norm = (s: string) => {
      let x = s;
      if (opts.has("i")) x = x.toLowerCase();
      if (opts.has("w")) x = x.replace(/\s+/g, "");
      else if (opts.has("b")) x = x.replace(/\s+/g, " ").replace(/ $/, "");
      return x;
    };
    const ka = A.lines.map(norm);
    const kb = B.lines.map(norm);
    const edits = diffLines(ka, kb);
    const changed = edits.some((e) => e.op !== "=") || (A.noEol !== B.noEol);
    if (!changed) {
      if (opts.has("s")) await ctx.out.write(`Files ${f1} and ${f2} are identical\n`);
      return 0;
    }
    if (opts.has("q")) {
      await ctx.out.write(`Files ${f1} and ${f2} differ\n`);
      return 1;
    }
    const lineA = (i: number) =>
      A.lines[i]! + (i === A.lines.length - 1 && A.noEol ? "\n\\ No newline at end of file" : "");
    const lineB = (i: number) =>
      B.lines[i]! + (i === B.lines.length - 1 && B.noEol ? "\n\\ No newline at end of file" : "");
    let out = "";
    if (opts.has("u") || opts.has("U")) {
      const ctxN = opts.has("U") ? Number(opts.get("U")) : 3;
      const time = (st: typeof s1) =>
        st && !isErrno(st)
          ? strftime("%Y-%m-%d %H:%M:%S", st.mtime.sec * 1000) +
            `.${String(st.mtime.nsec).padStart(9, "0")} +0000`
          : "";
      out += `--- ${f1}\t${time(s1)}\n+++ ${f2}\t${time(s2)}\n`;
      let i = 0;
      while (i < edits.length) {
        while (i < edits.length && edits[i]!.op === "=") i++;
        if (i >= edits.length) break;
        let start = Math.max(0, i - ctxN);
        let end = i;
        for (;;) {
          while (end < edits.length && edits[end]!.op !== "=") end++;
          let run = 0;
          while (end + run < edits.length && edits[end + run]!.op === "=") run++;
          if (end + run >= edits.length || run > 2 * ctxN) {
            end = Math.min(edits.length, end + Math.min(run, ctxN));
            break;
          }
          end += run;
        }
        const hunk = edits.slice(start, end);
        const aStart = hunk.find((e) => e.op !== "+")?.a ?? (hunk[0]!.a);
        const bStart = hunk.find((e) => e.op !== "-")?.b ?? (hunk[0]!.b);
        const aCount = hunk.filter((e) => e.op !== "+").length;
        const bCount = hunk.filter((e) => e.op !== "-").length;
        out += `@@ -${range(aStart + 1, aCount)} +${range(bStart + 1, bCount)} @@\n`;
        for (const e of hunk) {
          out += e.op === "="
            ? ` ${lineA(e.a)}\n`
            : e.op === "-"
            ? `-${lineA(e.a)}\n`
            : `+${lineB(e.b)}\n`;
        }
        i = end;
        start = end;
      }
    } else {
      let i = 0;
      while (i < edits.length) {
        if (edits[i]!.op === "=") {
          i++;
          continue;
        }
        let j = i;
        while (j < edits.length && edits[j]!.op !== "=") j++;
        const chunk = edits.slice(i, j);
        const dels = chunk.filter((e) => e.op === "-");
        const adds = chunk.filter((e) => e.op === "+");
        const aPos = edits[i]!.a;
        const bPos = edits[i]!.b;
        if (dels.length && adds.length) {
          out += `${normalRange(dels[0]!.a + 1, dels[dels.length - 1]!.a + 1)}c${
            normalRange(adds[0]!.b + 1, adds[adds.length - 1]!.b + 1)
          }\n`;
        } else if (dels.length) {
          out += `${normalRange(dels[0]!.a + 1, dels[dels.length - 1]!.a + 1)}d${bPos}\n`;
        } else out += `${aPos}a${normalRange(adds[0]!.b + 1, adds[adds.length - 1]!.b + 1)}\n`;
        for (const d of dels) out += `< ${lineA(d.a)}\n`;
        if (dels.length && adds.length) out += "---\n";
        for (const a of adds) out += `> ${lineB(a.b)}\n`;
        i = j;
      }
    }
    await ctx.out.write(out);
    return 1;
  },
});
