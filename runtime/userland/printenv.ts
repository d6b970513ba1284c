/**
 * `printenv [NAME]...`.
 *
 * @module
 */
import { applet } from "./_applet.ts";

/**
 * `printenv [NAME]...`.
 *
 * @example
 * ```ts ignore
 * await printenv(sys, ["printenv", "HOME"]);
 * ```
 */
export const printenv = applet({
  name: "printenv",
  usage:
    "printenv [VARIABLE]...\n\nPrint environment VARIABLEs.\nIf no VARIABLE specified, print all.",
  spec: { flags: "0", long: { null: "0" } },
  async run(ctx, opts) {
    const env = ctx.sys.environ();
    const end = opts.has("0") ? "\0" : "\n";
    if (opts.operands.length === 0) {
      await ctx.out.write(env.map((e) => e + end).join(""));
      return 0;
    }
    let status = 0;
    for (const n of opts.operands) {
      const v = env.find((e) => e.startsWith(`${n}=`));
      if (v === undefined) status = 1;
      else await ctx.out.write(v.slice(n.length + 1) + end);
    }
    return status;
  },
});
