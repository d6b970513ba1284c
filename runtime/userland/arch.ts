/**
 * `arch`: the machine name (`uname -m`).
 *
 * @module
 */
import { applet } from "./_applet.ts";

/**
 * `arch`: the machine name (`uname -m`).
 *
 * @example
 * ```ts ignore
 * await arch(sys, ["arch"]);
 * ```
 */
export const arch = applet({
  name: "arch",
  usage: "arch\n\nPrint system architecture",
  async run(ctx) {
    await ctx.out.write(ctx.sys.uname().machine + "\n");
    return 0;
  },
});
