/**
 * `uniq [-cduiz] [-f N] [-s N] [-w N] [INPUT [OUTPUT]]`: drop adjacent duplicate lines.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";
import { writeFile } from "./_io.ts";
import { readLines } from "./_lines.ts";

/**
 * The `uniq` applet.
 *
 * @example
 * ```ts ignore
 * await uniq(sys, ["uniq", "-c"]);
 * ```
 */
export const uniq = applet({
  name: "uniq",
  usage: "uniq [-cdui] [-f,s,w N] [INPUT [OUTPUT]]\n\nDiscard duplicate lines\n\n" +
    "\t-c\tPrefix lines by the number of occurrences\n\t-d\tOnly print duplicate lines\n\t-u\tOnly print unique lines\n" +
    "\t-i\tIgnore case\n\t-f N\tSkip first N fields\n\t-s N\tSkip first N chars (after any skipped fields)\n\t-w N\tCompare N characters in line",
  spec: {
    flags: "cdui",
    withArg: "fsw",
    long: {
      count: "c",
      repeated: "d",
      unique: "u",
      "ignore-case": "i",
      "skip-fields=": "f",
      "skip-chars=": "s",
      "check-chars=": "w",
    },
  },
  async run(ctx, opts) {
    const [input, output] = opts.operands;
    const lines = await readLines(ctx, input === undefined ? [] : [input]);
    if (ctx.status) return 1;
    const skipF = Number(opts.get("f") ?? 0);
    const skipS = Number(opts.get("s") ?? 0);
    const width = opts.has("w") ? Number(opts.get("w")) : Infinity;
    const key = (l: string) => {
      let s = l;
      for (let i = 0; i < skipF; i++) s = s.replace(/^[ \t]*[^ \t]*/, "");
      s = s.slice(skipS).slice(0, width);
      return opts.has("i") ? s.toLowerCase() : s;
    };
    let text = "";
    for (let i = 0; i < lines.length;) {
      let j = i + 1;
      const k = key(lines[i]!);
      while (j < lines.length && key(lines[j]!) === k) j++;
      const n = j - i;
      if ((!opts.has("d") || n > 1) && (!opts.has("u") || n === 1)) {
        text += opts.has("c") ? `${String(n).padStart(7)} ${lines[i]}\n` : `${lines[i]}\n`;
      }
      i = j;
    }
    if (output !== undefined) {
      const r = await writeFile(ctx.sys, output, text);
      if (isErrno(r)) await ctx.fail(output, r);
      return ctx.status;
    }
    await ctx.out.write(text);
    return 0;
  },
});
