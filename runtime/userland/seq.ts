/**
 * `seq [-w] [-s SEP] [-f FMT] [FIRST [INC]] LAST`: print a sequence of numbers.
 *
 * @module
 */
import { applet } from "./_applet.ts";
import { Opts } from "./_args.ts";
import { formatPrintf } from "./_printf.ts";

function decimals(s: string): number {
  const m = /\.(\d+)/.exec(s);
  return m ? m[1]!.length : 0;
}

/**
 * The `seq` applet.
 *
 * @example
 * ```ts ignore
 * await seq(sys, ["seq", "1", "10000"]);
 * ```
 */
export const seq = applet({
  name: "seq",
  usage:
    "seq [-w] [-s SEP] [FIRST [INC]] LAST\n\nPrint numbers from FIRST to LAST, in steps of INC.\nFIRST, INC default to 1.\n\n" +
    "\t-w\tPad to last with leading zeros\n\t-s SEP\tString separator\n\t-f FMT\tprintf-style floating-point format",
  raw: true,
  async run(ctx, raw) {
    // Negative numbers are operands, not options.
    const opts = new Opts();
    const args = raw.operands;
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === "--") {
        opts.operands.push(...args.slice(i + 1));
        break;
      }
      const m = /^-([wsf])(.*)$/.exec(a);
      if (m && !/^-[\d.]/.test(a)) {
        if (m[1] === "w" && m[2] === "") opts.add("w", "");
        else if (m[1] !== "w") opts.add(m[1]!, m[2] || (args[++i] ?? ""));
        else {
          await ctx.usageError(`invalid option -- '${a[2]}'`);
          return 1;
        }
      } else if (/^--(equal-width|separator=|format=)/.test(a)) {
        const [k, v] = a.slice(2).split("=");
        opts.add(k === "equal-width" ? "w" : k === "separator" ? "s" : "f", v ?? "");
      } else opts.operands.push(a);
    }
    const ops = opts.operands;
    if (ops.length < 1 || ops.length > 3) {
      await ctx.usageError(ops.length ? `extra operand '${ops[3]}'` : "missing operand");
      return 1;
    }
    for (const o of ops) {
      if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(o)) {
        await ctx.usageError(`invalid floating point argument: '${o}'`);
        return 1;
      }
    }
    const first = ops.length > 1 ? Number(ops[0]) : 1;
    const inc = ops.length > 2 ? Number(ops[1]) : 1;
    const last = Number(ops[ops.length - 1]);
    if (inc === 0) {
      await ctx.usageError(`invalid Zero increment value: '${ops[1]}'`);
      return 1;
    }
    const prec = Math.max(...ops.slice(0, -1).map(decimals), ops.length === 1 ? 0 : 0);
    const sep = opts.get("s") ?? "\n";
    const fmt = opts.get("f");
    const fmtNum = (
      v: number,
    ) => (fmt !== undefined ? formatPrintf(fmt, [String(v)]).text : v.toFixed(prec));
    let width = 0;
    if (opts.has("w")) width = Math.max(fmtNum(first).length, fmtNum(last).length);
    let text = "";
    let count = 0;
    for (let i = 0;; i++) {
      const v = first + i * inc;
      if (inc > 0 ? v > last + 1e-10 : v < last - 1e-10) break;
      let s = fmtNum(v);
      if (width) s = v < 0 ? "-" + s.slice(1).padStart(width - 1, "0") : s.padStart(width, "0");
      text += (count++ ? sep : "") + s;
      if (text.length > 65536) {
        await ctx.out.write(text);
        text = "";
      }
    }
    if (count) text += "\n";
    await ctx.out.write(text);
    return 0;
  },
});
