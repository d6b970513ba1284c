/**
 * `readlink [-fenmqsvz] FILE...` and `realpath [-emsqz] FILE...`.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";
import { canonicalize } from "./_realpath.ts";

/**
 * The `readlink` applet: without options it prints a symlink's target and fails quietly
 * on anything else, as coreutils does.
 *
 * @example
 * ```ts ignore
 * await readlink(sys, ["readlink", "-f", "/bin/sh"]);
 * ```
 */
export const readlink = applet({
  name: "readlink",
  usage: "readlink [-fnv] FILE\n\nDisplay the value of a symlink\n\n" +
    "\t-f\tCanonicalize by following all symlinks\n\t-e\tLike -f, all components must exist\n\t-m\tLike -f, no component need exist\n" +
    "\t-n\tDon't add newline\n\t-v\tVerbose",
  spec: {
    flags: "femnqsvz",
    long: {
      canonicalize: "f",
      "canonicalize-existing": "e",
      "canonicalize-missing": "m",
      "no-newline": "n",
      verbose: "v",
      quiet: "q",
      silent: "s",
      zero: "z",
    },
  },
  async run(ctx, opts) {
    if (opts.operands.length === 0) {
      await ctx.usageError("missing operand");
      return 1;
    }
    const mode = opts.has("e") ? "e" : opts.has("m") ? "m" : opts.has("f") ? "f" : null;
    const end = opts.has("z") ? "\0" : opts.has("n") && opts.operands.length === 1 ? "" : "\n";
    for (const f of opts.operands) {
      const r = mode ? canonicalize(ctx.sys, f, mode) : ctx.sys.readlinkat(-100, f);
      if (isErrno(r)) {
        if (opts.has("v")) await ctx.fail(f, r);
        ctx.status = 1;
        continue;
      }
      await ctx.out.write(r + end);
    }
    return ctx.status;
  },
});

/**
 * The `realpath` applet.
 *
 * @example
 * ```ts ignore
 * await realpath(sys, ["realpath", "."]);
 * ```
 */
export const realpath = applet({
  name: "realpath",
  usage: "realpath [-emq] FILE...\n\nPrint absolute pathnames of FILEs\n\n" +
    "\t-e\tAll components of the path must exist\n\t-m\tNo component needs to exist\n\t-q\tQuiet",
  spec: {
    flags: "emqsz",
    long: { "canonicalize-existing": "e", "canonicalize-missing": "m", quiet: "q", zero: "z" },
  },
  async run(ctx, opts) {
    if (opts.operands.length === 0) {
      await ctx.usageError("missing operand");
      return 1;
    }
    const mode = opts.has("e") ? "e" : opts.has("m") ? "m" : "f";
    for (const f of opts.operands) {
      const r = canonicalize(ctx.sys, f, mode);
      if (isErrno(r)) {
        if (!opts.has("q")) await ctx.fail(f, r);
        else ctx.status = 1;
        continue;
      }
      await ctx.out.write(r + (opts.has("z") ? "\0" : "\n"));
    }
    return ctx.status;
  },
});
