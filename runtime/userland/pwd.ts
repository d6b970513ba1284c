/**
 * `pwd [-LP]`: print the working directory.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";

/**
 * The `pwd` applet (`-L` uses `$PWD` when it names the cwd).
 *
 * @example
 * ```ts ignore
 * await pwd(sys, ["pwd"]);
 * ```
 */
export const pwd = applet({
  name: "pwd",
  usage: "pwd [-LP]\n\nPrint the full filename of the current working directory",
  spec: { flags: "LP" },
  async run(ctx, opts) {
    const cwd = ctx.sys.getcwd();
    if (isErrno(cwd)) {
      await ctx.fail("getcwd", cwd);
      return 1;
    }
    let shown = cwd;
    if (opts.has("L")) {
      const env = ctx.sys.environ().find((e) => e.startsWith("PWD="))?.slice(4);
      if (env && env.startsWith("/")) {
        const a = ctx.sys.fstatat(-100, env, 0);
        const b = ctx.sys.fstatat(-100, ".", 0);
        if (!isErrno(a) && !isErrno(b) && a.ino === b.ino && a.dev === b.dev) shown = env;
      }
    }
    await ctx.out.write(shown + "\n");
    return 0;
  },
});
