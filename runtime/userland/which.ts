/**
 * `which [-a] NAME...`: the executable PATH would run.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { AT } from "../kernel/syscalls/api.ts";
import { applet } from "./_applet.ts";
import { DEFAULT_PATH } from "./_exec.ts";

/**
 * `which [-a] NAME...`: the executable PATH would run.
 *
 * @example
 * ```ts ignore
 * await which(sys, ["which", "sh"]);
 * ```
 */
export const which = applet({
  name: "which",
  usage: "which [-a] COMMAND...\n\nLocate COMMAND\n\n\t-a\tShow all matches",
  spec: { flags: "a" },
  async run(ctx, opts) {
    if (opts.operands.length === 0) return 1;
    const path = ctx.sys.environ().find((e) => e.startsWith("PATH="))?.slice(5) ?? DEFAULT_PATH;
    for (const name of opts.operands) {
      const candidates = name.includes("/")
        ? [name]
        : path.split(":").map((d) => `${d || "."}/${name}`);
      let found = false;
      for (const c of candidates) {
        const st = ctx.sys.fstatat(AT.FDCWD, c, 0);
        if (isErrno(st) || (st.mode & 0o170000) !== 0o100000) continue;
        if (ctx.sys.faccessat(AT.FDCWD, c, 1, AT.EACCESS) !== 0) continue;
        await ctx.out.write(c + "\n");
        found = true;
        if (!opts.has("a")) break;
      }
      if (!found) ctx.status = 1;
    }
    return ctx.status;
  },
});
