/**
 * `tty`: print the terminal on stdin, or "not a tty" (exit 1).
 *
 * @module
 */
import { applet } from "./_applet.ts";

/**
 * `tty`: print the terminal on stdin, or "not a tty" (exit 1).
 *
 * @example
 * ```ts ignore
 * await tty(sys, ["tty"]);
 * ```
 */
export const tty = applet({
  name: "tty",
  usage: "tty\n\nPrint file name of stdin's terminal",
  spec: { flags: "s", long: { silent: "s", quiet: "s" } },
  async run(ctx, opts) {
    if (!ctx.sys.isatty(0)) {
      if (!opts.has("s")) await ctx.out.write("not a tty\n");
      return 1;
    }
    if (!opts.has("s")) await ctx.out.write("/dev/tty\n");
    return 0;
  },
});
