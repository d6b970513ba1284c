/**
 * `rm [-rRfiv] FILE...`: remove files and directories.
 *
 * @module
 */
import { Errno, isErrno } from "../kernel/errno.ts";
import { AT } from "../kernel/syscalls/api.ts";
import { applet } from "./_applet.ts";
import type { Ctx } from "./_applet.ts";
import { isDir, joinPath, listDir, lstat } from "./_fs.ts";

/**
 * The `rm` applet.
 *
 * @example
 * ```ts ignore
 * await rm(sys, ["rm", "-rf", "/tmp/x"]);
 * ```
 */
export const rm = applet({
  name: "rm",
  usage:
    "rm [-irRfdv] FILE...\n\nRemove (unlink) FILEs\n\n\t-f\tNever prompt\n\t-r,-R\tRecurse\n\t-d\tRemove empty directories\n\t-v\tVerbose",
  spec: {
    flags: "rRfidv",
    long: {
      recursive: "r",
      force: "f",
      dir: "d",
      verbose: "v",
      "no-preserve-root": "N",
      "preserve-root": "P",
    },
  },
  async run(ctx, opts) {
    const force = opts.has("f");
    const recursive = opts.has("r") || opts.has("R");
    if (opts.operands.length === 0) {
      if (force) return 0;
      await ctx.usageError("missing operand");
      return 1;
    }
    for (const p of opts.operands) {
      const base = p.replace(/\/+$/, "").split("/").pop();
      if (base === "." || base === "..") {
        await ctx.error(`refusing to remove '.' or '..' directory: skipping '${p}'`);
        ctx.status = 1;
        continue;
      }
      if (recursive && !opts.has("N") && /^\/+$/.test(p)) {
        await ctx.error(`it is dangerous to operate recursively on '/'`);
        await ctx.error("use --no-preserve-root to override this failsafe");
        ctx.status = 1;
        continue;
      }
      await remove(ctx, p, recursive, force, opts.has("d"), opts.has("v"));
    }
    return ctx.status;
  },
});

async function remove(
  ctx: Ctx,
  path: string,
  recursive: boolean,
  force: boolean,
  emptyDirs: boolean,
  verbose: boolean,
): Promise<boolean> {
  const st = lstat(ctx.sys, path);
  if (isErrno(st)) {
    if (force && st === Errno.ENOENT) return true;
    await ctx.fail(`cannot remove '${path}'`, st);
    return false;
  }
  if (isDir(st.mode)) {
    if (!recursive && !emptyDirs) {
      await ctx.fail(`cannot remove '${path}'`, Errno.EISDIR);
      return false;
    }
    if (recursive) {
      const list = await listDir(ctx.sys, path);
      if (isErrno(list)) {
        await ctx.fail(`cannot remove '${path}'`, list);
        return false;
      }
      let ok = true;
      for (const e of list) {
        if (!(await remove(ctx, joinPath(path, e.name), true, force, emptyDirs, verbose))) {
          ok = false;
        }
      }
      if (!ok) return false;
    }
    const r = ctx.sys.unlinkat(-100, path, AT.REMOVEDIR);
    if (isErrno(r)) {
      await ctx.fail(`cannot remove '${path}'`, r);
      return false;
    }
    if (verbose) await ctx.out.write(`removed directory '${path}'\n`);
    return true;
  }
  const r = ctx.sys.unlinkat(-100, path, 0);
  if (isErrno(r)) {
    if (force && r === Errno.ENOENT) return true;
    await ctx.fail(`cannot remove '${path}'`, r);
    return false;
  }
  if (verbose) await ctx.out.write(`removed '${path}'\n`);
  return true;
}
