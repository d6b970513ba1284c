/**
 * `ln [-sfnTv] TARGET... LINK|DIR`: make hard or symbolic links.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet, baseName } from "./_applet.ts";
import { isDir, joinPath, lstat, stat } from "./_fs.ts";

/**
 * The `ln` applet.
 *
 * @example
 * ```ts ignore
 * await ln(sys, ["ln", "-sf", "/bin/berthbox", "/bin/sh"]);
 * ```
 */
export const ln = applet({
  name: "ln",
  usage:
    "ln [-sfnbtv] [-S SUF] TARGET... LINK|DIR\n\nCreate a link LINK or DIR/TARGET to the specified TARGET(s)\n\n" +
    "\t-s\tMake symlinks instead of hardlinks\n\t-f\tRemove existing destinations\n" +
    "\t-n\tDon't dereference symlinks - treat like normal file\n\t-T\tTreat LINK as a file, not DIR\n\t-v\tVerbose",
  spec: {
    flags: "sfnTvL",
    long: { symbolic: "s", force: "f", "no-dereference": "n", verbose: "v" },
  },
  async run(ctx, opts) {
    const ops = opts.operands;
    if (ops.length === 0) {
      await ctx.usageError("missing file operand");
      return 1;
    }
    const symbolic = opts.has("s");
    let targets: string[];
    let dest: string;
    if (ops.length === 1) {
      targets = ops;
      dest = ".";
    } else {
      targets = ops.slice(0, -1);
      dest = ops[ops.length - 1]!;
    }
    const dst = opts.has("n") ? lstat(ctx.sys, dest) : stat(ctx.sys, dest);
    const intoDir = !opts.has("T") && !isErrno(dst) && isDir(dst.mode);
    if (targets.length > 1 && !intoDir) {
      await ctx.error(`target '${dest}' is not a directory`);
      return 1;
    }
    for (const t of targets) {
      const link = intoDir ? joinPath(dest, baseName(t)) : dest;
      if (opts.has("f") && !isErrno(lstat(ctx.sys, link))) {
        const st = lstat(ctx.sys, link);
        if (!isErrno(st) && isDir(st.mode)) {
          await ctx.error(`${link}: cannot overwrite directory`);
          ctx.status = 1;
          continue;
        }
        ctx.sys.unlinkat(-100, link, 0);
      }
      const r = symbolic
        ? ctx.sys.symlinkat(t, -100, link)
        : ctx.sys.linkat(-100, t, -100, link, 0);
      if (isErrno(r)) {
        if (!symbolic && isErrno(lstat(ctx.sys, t))) {
          await ctx.fail(`failed to access '${t}'`, r);
        } else {
          await ctx.fail(`failed to create ${symbolic ? "symbolic" : "hard"} link '${link}'`, r);
        }
        continue;
      }
      if (opts.has("v")) await ctx.out.write(`'${link}' -> '${t}'\n`);
    }
    return ctx.status;
  },
});
