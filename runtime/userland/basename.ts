/**
 * `basename NAME [SUFFIX]`, `basename -a [-s SUFFIX] NAME...` and `dirname NAME...`.
 *
 * @module
 */
import { applet, baseName } from "./_applet.ts";

/**
 * Strip the last component, as dirname(1) does.
 *
 * @param p A path.
 * @returns The directory part (`.` when there is none).
 */
export function dirName(p: string): string {
  const t = p.replace(/\/+$/, "");
  if (t === "") return p.startsWith("/") ? "/" : ".";
  const i = t.lastIndexOf("/");
  if (i < 0) return ".";
  const d = t.slice(0, i).replace(/\/+$/, "");
  return d === "" ? "/" : d;
}

/**
 * The `basename` applet.
 *
 * @example
 * ```ts ignore
 * await basename(sys, ["basename", "/a/b.txt", ".txt"]);
 * ```
 */
export const basename = applet({
  name: "basename",
  usage:
    "basename FILE [SUFFIX] | -a FILE... | -s SUFFIX FILE...\n\nStrip directory path and SUFFIX from FILE",
  spec: { flags: "az", withArg: "s", long: { multiple: "a", "suffix=": "s", zero: "z" } },
  async run(ctx, opts) {
    const ops = opts.operands;
    if (ops.length === 0) {
      await ctx.usageError("missing operand");
      return 1;
    }
    const multi = opts.has("a") || opts.has("s");
    if (!multi && ops.length > 2) {
      await ctx.usageError(`extra operand '${ops[2]}'`);
      return 1;
    }
    const suffix = opts.get("s") ?? (multi ? undefined : ops[1]);
    const names = multi ? ops : [ops[0]!];
    const end = opts.has("z") ? "\0" : "\n";
    for (const n of names) {
      let b = baseName(n);
      if (suffix && b !== suffix && b.endsWith(suffix)) b = b.slice(0, -suffix.length);
      await ctx.out.write(b + end);
    }
    return 0;
  },
});

/**
 * The `dirname` applet.
 *
 * @example
 * ```ts ignore
 * await dirname(sys, ["dirname", "/a/b"]);
 * ```
 */
export const dirname = applet({
  name: "dirname",
  usage: "dirname FILENAME...\n\nStrip non-directory suffix from FILENAME",
  spec: { flags: "z", long: { zero: "z" } },
  async run(ctx, opts) {
    if (opts.operands.length === 0) {
      await ctx.usageError("missing operand");
      return 1;
    }
    for (const n of opts.operands) await ctx.out.write(dirName(n) + (opts.has("z") ? "\0" : "\n"));
    return 0;
  },
});
