/**
 * `mv [-fnTv] SOURCE... DEST`: move (rename) files; across devices copy then remove.
 *
 * @module
 */
import { Errno, isErrno } from "../kernel/errno.ts";
import { applet, baseName } from "./_applet.ts";
import { copyPath } from "./_copy.ts";
import { isDir, joinPath, lstat, stat } from "./_fs.ts";
import { rm } from "./rm.ts";

/**
 * The `mv` applet.
 *
 * @example
 * ```ts ignore
 * await mv(sys, ["mv", "a", "b"]);
 * ```
 */
export const mv = applet({
  name: "mv",
  usage: "mv [-fnTv] SOURCE... DEST\n\nRename SOURCE to DEST, or move SOURCEs to DIRECTORY\n\n" +
    "\t-f\tDon't prompt before overwriting\n\t-n\tDon't overwrite an existing file\n\t-T\tRefuse to move if DEST is a directory\n\t-v\tVerbose",
  spec: {
    flags: "fniTv",
    long: { force: "f", "no-clobber": "n", verbose: "v", "no-target-directory": "T" },
  },
  async run(ctx, opts) {
    const ops = opts.operands;
    if (ops.length < 2) {
      await ctx.usageError(
        ops.length === 0
          ? "missing file operand"
          : `missing destination file operand after '${ops[0]}'`,
      );
      return 1;
    }
    const dest = ops[ops.length - 1]!;
    const sources = ops.slice(0, -1);
    const dst = stat(ctx.sys, dest);
    const intoDir = !opts.has("T") && !isErrno(dst) && isDir(dst.mode);
    if (sources.length > 1 && !intoDir) {
      await ctx.error(`target '${dest}' is not a directory`);
      return 1;
    }
    for (const s of sources) {
      const target = intoDir ? joinPath(dest, baseName(s)) : dest;
      const st = lstat(ctx.sys, s);
      if (isErrno(st)) {
        await ctx.fail(`cannot stat '${s}'`, st);
        continue;
      }
      if (opts.has("n") && !isErrno(lstat(ctx.sys, target))) continue;
      const r = ctx.sys.renameat2(-100, s, -100, target, 0);
      if (r === 0) {
        if (opts.has("v")) await ctx.out.write(`renamed '${s}' -> '${target}'\n`);
        continue;
      }
      if (r !== Errno.EXDEV) {
        if (r === Errno.EINVAL) {
          await ctx.error(`cannot move '${s}' to a subdirectory of itself, '${target}'`);
          ctx.status = 1;
        } else await ctx.fail(`cannot move '${s}' to '${target}'`, r);
        continue;
      }
      const ok = await copyPath(ctx, s, target, {
        recursive: true,
        preserve: true,
        noDereference: true,
        force: true,
        noClobber: false,
        verbose: false,
      });
      if (!ok) continue;
      const code = await rm(ctx.sys, ["mv", "-rf", s]);
      if (code !== 0) ctx.status = 1;
      else if (opts.has("v")) await ctx.out.write(`copied '${s}' -> '${target}'\nremoved '${s}'\n`);
    }
    return ctx.status;
  },
});
