/**
 * `uniq [-cduiz] [-f N] [-s N] [-w N] [INPUT [OUTPUT]]`: drop adjacent duplicate lines.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";
import { writeFile } from "./_io.ts";
import { forEachLine } from "./_lines.ts";

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
    const skipF = Number(opts.get("f") ?? 0);
    const skipS = Number(opts.get("s") ?? 0);
    const width = opts.has("w") ? Number(opts.get("w")) : Infinity;
    const key = (l: string) => {
      let s = l;
      for (let i = 0; i < skipF; i++) s = s.replace(/^[ \t]*[^ \t]*/, "");
      s = s.slice(skipS).slice(0, width);
      return opts.has("i") ? s.toLowerCase() : s;
    };
    // Line by line as input arrives (`tail -f log | uniq -c`): a group is written when the
    // next line differs, the last one at the end.
    let group: { line: string; key: string; n: number } | undefined;
    const done = (): string => {
      if (!group) return "";
      const { line, n } = group;
      if ((opts.has("d") && n === 1) || (opts.has("u") && n > 1)) return "";
      return opts.has("c") ? `${String(n).padStart(7)} ${line}\n` : `${line}\n`;
    };
    let saved = "";
    const onLine = (line: string): string => {
      const k = key(line);
      if (group && group.key === k) {
        group.n++;
        return "";
      }
      const text = done();
      group = { line, key: k, n: 1 };
      if (output === undefined) return text;
      saved += text;
      return "";
    };
    await forEachLine(ctx, input === undefined ? [] : [input], onLine);
    if (ctx.status) return 1;
    if (output !== undefined) {
      const r = await writeFile(ctx.sys, output, saved + done());
      if (isErrno(r)) await ctx.fail(output, r);
      return ctx.status;
    }
    await ctx.out.write(done());
    return 0;
  },
});
