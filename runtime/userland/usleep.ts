/**
 * `usleep N`: sleep N microseconds.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";

/**
 * `usleep N`: sleep N microseconds.
 *
 * @example
 * ```ts ignore
 * await usleep(sys, ["usleep", "1000"]);
 * ```
 */
export const usleep = applet({
  name: "usleep",
  usage: "usleep N\n\nPause for N microseconds",
  async run(ctx, opts) {
    const n = Number(opts.operands[0]);
    if (!Number.isInteger(n) || n < 0) {
      await ctx.usageError("missing operand");
      return 1;
    }
    const r = await ctx.sys.nanosleep({ sec: Math.floor(n / 1e6), nsec: (n % 1e6) * 1000 });
    return isErrno(r) ? 1 : 0;
  },
});
