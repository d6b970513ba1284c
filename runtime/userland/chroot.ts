/**
 * `chroot NEWROOT [COMMAND [ARG]...]`: run a command with another root directory.
 *
 * @module
 */
import { Errno, isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";
import { findInPath } from "./_exec.ts";

/**
 * The `chroot` applet (root only); runs `$SHELL -i` (or `/bin/sh -i`) without a command.
 *
 * @example
 * ```ts ignore
 * await chroot(sys, ["chroot", "/mnt/rootfs", "/bin/sh"]);
 * ```
 */
export const chroot = applet({
  name: "chroot",
  usage: "chroot NEWROOT [PROG ARGS]\n\nRun PROG with root directory set to NEWROOT",
  spec: { stopAtOperand: true },
  async run(ctx, opts) {
    const [root, ...cmd] = opts.operands;
    if (root === undefined) {
      await ctx.usageError("missing operand");
      return 125;
    }
    const r = ctx.sys.chroot(root);
    if (isErrno(r)) {
      await ctx.fail(`cannot change root directory to '${root}'`, r, 125);
      return 125;
    }
    ctx.sys.chdir("/");
    const argv = cmd.length
      ? cmd
      : [ctx.sys.environ().find((e) => e.startsWith("SHELL="))?.slice(6) || "/bin/sh", "-i"];
    await ctx.out.flush();
    const path = findInPath(ctx.sys, argv[0]!);
    const err = isErrno(path) ? path : await ctx.sys.execve(path, argv, ctx.sys.environ());
    await ctx.fail(`failed to run command '${argv[0]}'`, err);
    return err === Errno.ENOENT ? 127 : 126;
  },
});
