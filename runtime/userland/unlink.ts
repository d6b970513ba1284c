/**
 * `unlink FILE`.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";

/**
 * `unlink FILE`.
 *
 * @example
 * ```ts ignore
 * await unlink(sys, ["unlink", "/tmp/x"]);
 * ```
 */
export const unlink = applet({
  name: "unlink",
  usage: "unlink FILE\n\nCall the unlink function to remove the specified FILE",
  async run(ctx, opts) {
    if (opts.operands.length !== 1) {
      await ctx.usageError(
        opts.operands.length ? `extra operand '${opts.operands[1]}'` : "missing operand",
      );
      return 1;
    }
    const r = ctx.sys.unlinkat(-100, opts.operands[0]!, 0);
    if (isErrno(r)) await ctx.fail(`cannot unlink '${opts.operands[0]}'`, r);
    return ctx.status;
  },
});
