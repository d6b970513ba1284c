/**
 * `mknod [-m MODE] NAME TYPE [MAJOR MINOR]`: make a block or character device node or a
 * FIFO, as BusyBox/coreutils (`b`, `c`/`u`, `p`).
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";

const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;

/** Linux's `makedev` for the numbers a 32-bit `dev_t` argument carries. */
function makedev(major: number, minor: number): number {
  return ((minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xff) << 12)) >>> 0;
}

/**
 * `mknod [-m MODE] NAME TYPE [MAJOR MINOR]`.
 *
 * @example
 * ```ts ignore
 * await mknod(sys, ["mknod", "/dev/null2", "c", "1", "3"]);
 * ```
 */
export const mknod = applet({
  name: "mknod",
  usage: "mknod [-m MODE] NAME TYPE [MAJOR MINOR]\n\nCreate a special file (block, character, " +
    "or named pipe)\n\n\t-m MODE\tMode (default a=rw)\nTYPE:\n\tb\tBlock device\n" +
    "\tc or u\tCharacter device\n\tp\tNamed pipe (MAJOR MINOR must be omitted)",
  spec: { withArg: "m", long: { "mode=": "m" } },
  async run(ctx, opts) {
    const [name, type, major, minor, extra] = opts.operands;
    if (name === undefined || type === undefined) {
      await ctx.usageError("missing operand");
      return 1;
    }
    const mode = opts.has("m") ? Number.parseInt(opts.get("m")!, 8) : 0o666;
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
      await ctx.error(`invalid mode '${opts.get("m")}'`);
      return 1;
    }
    let kind: number;
    if (type === "p") {
      if (major !== undefined) {
        await ctx.usageError(
          "Fifos do not have major and minor device numbers.",
        );
        return 1;
      }
      kind = S_IFIFO;
    } else if (type === "b" || type === "c" || type === "u") {
      if (major === undefined || minor === undefined || extra !== undefined) {
        await ctx.usageError(
          major === undefined || minor === undefined
            ? "Special files require major and minor device numbers."
            : `extra operand '${extra}'`,
        );
        return 1;
      }
      kind = type === "b" ? S_IFBLK : S_IFCHR;
    } else {
      await ctx.usageError(`invalid device type '${type}'`);
      return 1;
    }
    let dev = 0;
    if (kind !== S_IFIFO) {
      const ma = Number(major);
      const mi = Number(minor);
      for (const [v, text] of [[ma, major], [mi, minor]] as const) {
        if (!Number.isInteger(v) || v < 0 || v > 0xfffff) {
          await ctx.error(`invalid major or minor device number '${text}'`);
          return 1;
        }
      }
      dev = makedev(ma, mi);
    }
    const r = ctx.sys.mknodat(-100, name, kind | mode, dev);
    if (isErrno(r)) await ctx.fail(name, r);
    else if (opts.has("m")) {
      // An explicit mode is not masked by the umask (coreutils sets it after creating).
      const c = ctx.sys.fchmodat(-100, name, mode, 0);
      if (isErrno(c)) await ctx.fail(name, c);
    }
    return ctx.status;
  },
});
