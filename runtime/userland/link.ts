/**
 * `link FILE1 FILE2`.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";

/**
 * `link FILE1 FILE2`.
 *
 * @example
 * ```ts ignore
 * await link(sys, ["link", "a", "b"]);
 * ```
 */
export const link = applet({
  name: "link",
  usage:
    "link FILE1 FILE2\n\nCall the link function to create a link named FILE2 to an existing FILE1",
  async run(ctx, opts) {
    const [a, b] = opts.operands;
    if (a === undefined || b === undefined) {
      await ctx.usageError("missing operand");
      return 1;
    }
    const r = ctx.sys.linkat(-100, a, -100, b, 0);
    if (isErrno(r)) await ctx.fail(`cannot create link '${b}' to '${a}'`, r);
    return ctx.status;
  },
});
