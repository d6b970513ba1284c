/**
 * `chmod [-Rvf] MODE[,MODE]... FILE...`: change permission bits.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";
import type { Ctx } from "./_applet.ts";
import { isDir, isLink, joinPath, listDir, lstat, stat } from "./_fs.ts";
import { applyMode } from "./_mode.ts";

/**
 * The `chmod` applet. Modes like `-w` are taken as modes, not options.
 *
 * @example
 * ```ts ignore
 * await chmod(sys, ["chmod", "-R", "u+rwX,go-w", "/srv"]);
 * ```
 */
export const chmod = applet({
  name: "chmod",
  usage:
    "chmod [-Rcvf] MODE[,MODE]... FILE...\n\nMODE is octal number (bit pattern sstrwxrwxrwx) or [ugoa]{+|-|=}[rwxXst]\n\n" +
    "\t-R\tRecurse\n\t-c\tList changed files\n\t-v\tList all files\n\t-f\tHide errors",
  raw: true,
  async run(ctx, opts) {
    const flags = new Set<string>();
    const rest: string[] = [];
    let endOpts = false;
    for (const a of opts.operands) {
      if (!endOpts && a === "--") endOpts = true;
      else if (!endOpts && rest.length === 0 && /^-[Rcvf]+$/.test(a)) {
        for (const c of a.slice(1)) flags.add(c);
      } else rest.push(a);
    }
    if (rest.length < 2) {
      await ctx.usageError(
        rest.length === 0 ? "missing operand" : `missing operand after '${rest[0]}'`,
      );
      return 1;
    }
    const mode = rest[0]!;
    const umask = ctx.sys.umask(0);
    ctx.sys.umask(umask);
    if (applyMode(mode, 0, false, umask) === null) {
      await ctx.error(`invalid mode: '${mode}'`);
      return 1;
    }
    for (const f of rest.slice(1)) await change(ctx, f, mode, umask, flags, true);
    return ctx.status;
  },
});

async function change(
  ctx: Ctx,
  path: string,
  mode: string,
  umask: number,
  flags: Set<string>,
  top: boolean,
): Promise<void> {
  const st = top ? stat(ctx.sys, path) : lstat(ctx.sys, path);
  if (isErrno(st)) {
    if (!flags.has("f")) await ctx.fail(`cannot access '${path}'`, st);
    else ctx.status = 1;
    return;
  }
  if (isLink(st.mode)) return;
  const next = applyMode(mode, st.mode & 0o7777, isDir(st.mode), umask)!;
  const r = ctx.sys.fchmodat(-100, path, next, 0);
  if (isErrno(r)) {
    if (!flags.has("f")) await ctx.fail(`changing permissions of '${path}'`, r);
    else ctx.status = 1;
  } else if (flags.has("v") || (flags.has("c") && next !== (st.mode & 0o7777))) {
    const o = (n: number) => n.toString(8).padStart(4, "0");
    await ctx.out.write(
      next === (st.mode & 0o7777)
        ? `mode of '${path}' retained as ${o(next)}\n`
        : `mode of '${path}' changed from ${o(st.mode & 0o7777)} to ${o(next)}\n`,
    );
  }
  if (flags.has("R") && isDir(st.mode)) {
    const list = await listDir(ctx.sys, path);
    if (isErrno(list)) {
      await ctx.fail(`cannot read directory '${path}'`, list);
      return;
    }
    for (const e of list) await change(ctx, joinPath(path, e.name), mode, umask, flags, false);
  }
}
