/**
 * `printf FORMAT [ARG]...`: format and print data.
 *
 * @module
 */
import { applet } from "./_applet.ts";
import { formatPrintf } from "./_printf.ts";

/**
 * The `printf` applet.
 *
 * @example
 * ```ts ignore
 * await printf(sys, ["printf", "%s=%d\\n", "x", "3"]);
 * ```
 */
export const printf = applet({
  name: "printf",
  usage: "printf FORMAT [ARG]...\n\nFormat and print ARG(s) according to FORMAT (a-la C printf)",
  raw: true,
  noHelp: true,
  async run(ctx, opts) {
    let ops = opts.operands;
    if (ops.length === 1 && ops[0] === "--help") {
      await ctx.out.write(
        "Usage: printf FORMAT [ARG]...\n\nFormat and print ARG(s) according to FORMAT (a-la C printf)\n",
      );
      return 0;
    }
    if (ops[0] === "--") ops = ops.slice(1);
    if (ops.length === 0) {
      await ctx.usageError("missing operand");
      return 1;
    }
    const r = formatPrintf(ops[0]!, ops.slice(1));
    await ctx.out.write(r.text);
    for (const e of r.errors) await ctx.error(e);
    return r.errors.length ? 1 : 0;
  },
});
