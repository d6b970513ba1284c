/**
 * `sync`: flush file systems (fsync of `/`; memory file systems have nothing to do).
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { O } from "../kernel/syscalls/api.ts";
import { applet } from "./_applet.ts";

/**
 * `sync`: flush file systems (fsync of `/`; memory file systems have nothing to do).
 *
 * @example
 * ```ts ignore
 * await sync(sys, ["sync"]);
 * ```
 */
export const sync = applet({
  name: "sync",
  usage: "sync [FILE]...\n\nWrite all buffered blocks to disk",
  async run(ctx, opts) {
    for (const f of opts.operands.length ? opts.operands : ["/"]) {
      let fd = ctx.sys.openat(-100, f, O.RDONLY | O.CLOEXEC, 0);
      if (fd instanceof Promise) fd = await fd;
      if (isErrno(fd)) {
        await ctx.fail(`error opening '${f}'`, fd);
        continue;
      }
      await ctx.sys.fsync(fd);
      ctx.sys.close(fd);
    }
    return ctx.status;
  },
});
