/**
 * `mkdir [-pv] [-m MODE] DIRECTORY...`: make directories.
 *
 * @module
 */
import { Errno, isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";
import { isDir, stat } from "./_fs.ts";
import { applyMode } from "./_mode.ts";

/**
 * The `mkdir` applet.
 *
 * @example
 * ```ts ignore
 * await mkdir(sys, ["mkdir", "-p", "/a/b/c"]);
 * ```
 */
export const mkdir = applet({
  name: "mkdir",
  usage:
    "mkdir [-m MODE] [-pv] DIRECTORY...\n\nCreate DIRECTORY\n\n\t-m MODE\tMode\n\t-p\tNo error if exists; make parent directories as needed\n\t-v\tVerbose",
  spec: { flags: "pv", withArg: "m", long: { parents: "p", verbose: "v", "mode=": "m" } },
  async run(ctx, opts) {
    if (opts.operands.length === 0) {
      await ctx.usageError("missing operand");
      return 1;
    }
    const umask = ctx.sys.umask(0);
    ctx.sys.umask(umask);
    let mode = 0o777;
    const m = opts.get("m");
    if (m !== undefined) {
      const r = applyMode(m, 0o777 & ~umask, true, umask);
      if (r === null) {
        await ctx.error(`invalid mode '${m}'`);
        return 1;
      }
      mode = r;
    }
    for (const dir of opts.operands) {
      if (opts.has("p")) {
        const parts = dir.split("/");
        let path = dir.startsWith("/") ? "" : ".";
        for (let i = 0; i < parts.length; i++) {
          const part = parts[i]!;
          if (part === "") continue;
          path = path === "" ? `/${part}` : path === "." ? part : `${path}/${part}`;
          const last = parts.slice(i + 1).every((x) => x === "");
          const r = ctx.sys.mkdirat(-100, path, last ? mode : 0o777);
          if (r === 0) {
            if (last && m !== undefined) ctx.sys.fchmodat(-100, path, mode, 0);
            if (opts.has("v")) await ctx.out.write(`mkdir: created directory '${path}'\n`);
            continue;
          }
          if (r === Errno.EEXIST) {
            const st = stat(ctx.sys, path);
            if (!isErrno(st) && isDir(st.mode)) continue;
            await ctx.fail(`cannot create directory '${dir}'`, last ? Errno.EEXIST : Errno.ENOTDIR);
            break;
          }
          await ctx.fail(`cannot create directory '${dir}'`, r);
          break;
        }
        continue;
      }
      const r = ctx.sys.mkdirat(-100, dir, mode);
      if (isErrno(r)) {
        await ctx.fail(`cannot create directory '${dir}'`, r);
        continue;
      }
      if (m !== undefined) ctx.sys.fchmodat(-100, dir, mode, 0);
      if (opts.has("v")) await ctx.out.write(`mkdir: created directory '${dir}'\n`);
    }
    return ctx.status;
  },
});
