/**
 * `cp [-aRrpPLdfnv] SOURCE... DEST`: copy files and directories.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet, baseName } from "./_applet.ts";
import { copyPath } from "./_copy.ts";
import { isDir, joinPath, stat } from "./_fs.ts";

/**
 * The `cp` applet.
 *
 * @example
 * ```ts ignore
 * await cp(sys, ["cp", "-r", "src", "dst"]);
 * ```
 */
export const cp = applet({
  name: "cp",
  usage: "cp [-arPLHpfinlsTv] SOURCE... DEST\n\nCopy SOURCEs to DEST\n\n" +
    "\t-a\tSame as -dpR\n\t-R,-r\tRecurse\n\t-d,-P\tPreserve symlinks (default if -R)\n\t-L\tFollow all symlinks\n" +
    "\t-p\tPreserve file attributes\n\t-f\tOverwrite\n\t-n\tDon't overwrite\n\t-T\tTreat DEST as a normal file\n\t-v\tVerbose",
  spec: {
    flags: "aRrpPLdfnvTH",
    long: {
      archive: "a",
      recursive: "r",
      force: "f",
      "no-clobber": "n",
      verbose: "v",
      "no-dereference": "P",
      dereference: "L",
      "no-target-directory": "T",
      preserve: "p",
    },
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
    const recursive = opts.has("r") || opts.has("R") || opts.has("a");
    const o = {
      recursive,
      preserve: opts.has("p") || opts.has("a"),
      noDereference: !opts.has("L") &&
        (opts.has("P") || opts.has("d") || opts.has("a") || recursive),
      force: opts.has("f"),
      noClobber: opts.has("n"),
      verbose: opts.has("v"),
    };
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
      await copyPath(ctx, s, target, o);
    }
    return ctx.status;
  },
});
