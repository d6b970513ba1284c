/**
 * `mkfifo [-m MODE] NAME...`.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";

/**
 * `mkfifo [-m MODE] NAME...`.
 *
 * @example
 * ```ts ignore
 * await mkfifo(sys, ["mkfifo", "/tmp/p"]);
 * ```
 */
export const mkfifo = applet({
  name: "mkfifo",
  usage: "mkfifo [-m MODE] NAME...\n\nCreate named pipe\n\n\t-m MODE\tMode (default a=rw)",
  spec: { withArg: "m", long: { "mode=": "m" } },
  async run(ctx, opts) {
    if (opts.operands.length === 0) {
      await ctx.usageError("missing operand");
      return 1;
    }
    const mode = opts.has("m") ? Number.parseInt(opts.get("m")!, 8) : 0o666;
    for (const n of opts.operands) {
      const r = ctx.sys.mknodat(-100, n, 0o010000 | mode, 0);
      if (isErrno(r)) await ctx.fail(`cannot create fifo '${n}'`, r);
    }
    return ctx.status;
  },
});
