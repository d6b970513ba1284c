/**
 * `cmp [-ls] FILE1 [FILE2]`: compare two files byte by byte.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";
import { readFile } from "./_io.ts";

/**
 * The `cmp` applet: exit 0 same, 1 different, 2 trouble.
 *
 * @example
 * ```ts ignore
 * await cmp(sys, ["cmp", "a", "b"]);
 * ```
 */
export const cmp = applet({
  name: "cmp",
  usage:
    "cmp [-ls] FILE1 [FILE2]\n\nCompare FILE1 with FILE2 (or stdin)\n\n\t-l\tWrite the byte numbers (decimal) and values (octal)\n\t\tfor all differing bytes\n\t-s\tQuiet",
  usageStatus: 2,
  spec: { flags: "lsb", long: { verbose: "l", silent: "s", quiet: "s" } },
  async run(ctx, opts) {
    const [a, b = "-"] = opts.operands;
    if (a === undefined) {
      await ctx.usageError("missing operand after 'cmp'");
      return 2;
    }
    const x = await readFile(ctx.sys, a);
    const y = await readFile(ctx.sys, b);
    if (isErrno(x) || isErrno(y)) {
      if (!opts.has("s")) await ctx.fail(isErrno(x) ? a : b, (isErrno(x) ? x : y) as number);
      return 2;
    }
    let line = 1;
    let differ = false;
    const n = Math.min(x.length, y.length);
    for (let i = 0; i < n; i++) {
      if (x[i] !== y[i]) {
        differ = true;
        if (opts.has("s")) return 1;
        if (!opts.has("l")) {
          await ctx.out.write(`${a} ${b} differ: byte ${i + 1}, line ${line}\n`);
          return 1;
        }
        await ctx.out.write(
          `${String(i + 1).padStart(String(n).length)} ${x[i]!.toString(8).padStart(3)} ${
            y[i]!.toString(8).padStart(3)
          }\n`,
        );
      }
      if (x[i] === 10) line++;
    }
    if (x.length !== y.length) {
      if (!opts.has("s")) {
        await ctx.error(
          `EOF on ${x.length < y.length ? a : b} after byte ${n}${
            n ? `, line ${line - (n && (x.length < y.length ? x : y)[n - 1] === 10 ? 1 : 0)}` : ""
          }`,
        );
      }
      return 1;
    }
    return differ ? 1 : 0;
  },
});
