/**
 * `rmdir [-pv] DIRECTORY...`: remove empty directories.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { AT } from "../kernel/syscalls/api.ts";
import { applet } from "./_applet.ts";

/**
 * The `rmdir` applet.
 *
 * @example
 * ```ts ignore
 * await rmdir(sys, ["rmdir", "-p", "a/b/c"]);
 * ```
 */
export const rmdir = applet({
  name: "rmdir",
  usage:
    "rmdir [-pv] DIRECTORY...\n\nRemove DIRECTORY if it is empty\n\n\t-p\tInclude parents\n\t-v\tVerbose",
  spec: { flags: "pv", long: { parents: "p", verbose: "v", "ignore-fail-on-non-empty": "I" } },
  async run(ctx, opts) {
    if (opts.operands.length === 0) {
      await ctx.usageError("missing operand");
      return 1;
    }
    for (const dir of opts.operands) {
      let path = dir.replace(/\/+$/, "") || "/";
      for (;;) {
        const r = ctx.sys.unlinkat(-100, path, AT.REMOVEDIR);
        if (isErrno(r)) {
          if (!(opts.has("I") && r === -39)) await ctx.fail(`failed to remove '${path}'`, r);
          break;
        }
        if (opts.has("v")) await ctx.out.write(`rmdir: removing directory, '${path}'\n`);
        if (!opts.has("p")) break;
        const slash = path.lastIndexOf("/");
        if (slash <= 0) break;
        path = path.slice(0, slash).replace(/\/+$/, "");
        if (!path) break;
      }
    }
    return ctx.status;
  },
});
