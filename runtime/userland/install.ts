/**
 * `install [-cdDpsv] [-m MODE] [-o USER] [-g GROUP] SOURCE... DEST`: copy files and set
 * attributes; `-d` makes directories.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet, baseName } from "./_applet.ts";
import type { Ctx } from "./_applet.ts";
import { copyPath } from "./_copy.ts";
import { isDir, joinPath, stat } from "./_fs.ts";
import { readNameDb } from "./_format.ts";
import { applyMode } from "./_mode.ts";

async function mkdirs(ctx: Ctx, dir: string, mode: number): Promise<boolean> {
  let cur = dir.startsWith("/") ? "" : ".";
  for (const part of dir.split("/").filter(Boolean)) {
    cur = cur === "" ? `/${part}` : `${cur}/${part}`;
    const r = ctx.sys.mkdirat(-100, cur, mode);
    if (isErrno(r) && r !== -17) {
      await ctx.fail(`cannot create directory '${cur}'`, r);
      return false;
    }
  }
  return true;
}

/**
 * The `install` applet.
 *
 * @example
 * ```ts ignore
 * await install(sys, ["install", "-m", "755", "app", "/usr/local/bin/app"]);
 * ```
 */
export const install = applet({
  name: "install",
  usage:
    "install [-cdDsp] [-o USER] [-g GRP] [-m MODE] [-t DIR] [SOURCE]... DEST\n\nCopy files and set attributes\n\n" +
    "\t-c\tJust copy (default)\n\t-d\tCreate directories\n\t-D\tCreate leading target directories\n\t-s\tStrip symbol table (no-op)\n" +
    "\t-p\tPreserve date\n\t-o USER\tSet ownership\n\t-g GRP\tSet group ownership\n\t-m MODE\tSet permissions\n\t-t DIR\tInstall to DIR\n\t-v\tVerbose",
  spec: {
    flags: "cdDspvbCT",
    withArg: "mogt",
    long: {
      directory: "d",
      "mode=": "m",
      "owner=": "o",
      "group=": "g",
      "target-directory=": "t",
      verbose: "v",
      "preserve-timestamps": "p",
      strip: "s",
    },
  },
  async run(ctx, opts) {
    const umask = ctx.sys.umask(0);
    ctx.sys.umask(umask);
    const m = opts.get("m");
    const mode = m === undefined ? 0o755 : applyMode(m, 0o755, false, 0);
    if (mode === null) {
      await ctx.error(`invalid mode '${m}'`);
      return 1;
    }
    let uid = -1;
    let gid = -1;
    if (opts.has("o")) {
      const o = opts.get("o")!;
      const u = /^\d+$/.test(o) ? Number(o) : (await readNameDb(ctx.sys, "passwd")).byName.get(o);
      if (u === undefined) {
        await ctx.error(`invalid user '${o}'`);
        return 1;
      }
      uid = u;
    }
    if (opts.has("g")) {
      const g0 = opts.get("g")!;
      const g = /^\d+$/.test(g0) ? Number(g0) : (await readNameDb(ctx.sys, "group")).byName.get(g0);
      if (g === undefined) {
        await ctx.error(`invalid group '${g0}'`);
        return 1;
      }
      gid = g;
    }
    const finish = (p: string) => {
      ctx.sys.fchmodat(-100, p, mode, 0);
      if (uid >= 0 || gid >= 0) ctx.sys.fchownat(-100, p, uid, gid, 0);
    };
    const ops = opts.operands;
    if (opts.has("d")) {
      for (const d of ops) if (await mkdirs(ctx, d, 0o755)) finish(d);
      return ctx.status;
    }
    const tdir = opts.get("t");
    if (ops.length < (tdir ? 1 : 2)) {
      await ctx.usageError(
        ops.length ? `missing destination file operand after '${ops[0]}'` : "missing file operand",
      );
      return 1;
    }
    const dest = tdir ?? ops[ops.length - 1]!;
    const sources = tdir ? ops : ops.slice(0, -1);
    if (opts.has("D")) {
      const parent = tdir ?? (sources.length > 1 ? dest : dest.slice(0, dest.lastIndexOf("/")));
      if (parent && !(await mkdirs(ctx, parent, 0o755))) return 1;
    }
    const st = stat(ctx.sys, dest);
    const intoDir = tdir !== undefined || (!isErrno(st) && isDir(st.mode));
    if (sources.length > 1 && !intoDir) {
      await ctx.error(`target '${dest}' is not a directory`);
      return 1;
    }
    for (const s of sources) {
      const target = intoDir ? joinPath(dest, baseName(s)) : dest;
      ctx.sys.unlinkat(-100, target, 0);
      const ok = await copyPath(ctx, s, target, {
        recursive: false,
        preserve: opts.has("p"),
        noDereference: false,
        force: true,
        noClobber: false,
        verbose: false,
      });
      if (!ok) continue;
      finish(target);
      if (opts.has("v")) await ctx.out.write(`'${s}' -> '${target}'\n`);
    }
    return ctx.status;
  },
});
