/**
 * `chown [-Rhv] USER[:GROUP] FILE...` and `chgrp [-Rhv] GROUP FILE...`.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { AT } from "../kernel/syscalls/api.ts";
import { applet } from "./_applet.ts";
import type { Ctx } from "./_applet.ts";
import type { Opts } from "./_args.ts";
import { isDir, joinPath, listDir, lstat } from "./_fs.ts";
import { readNameDb } from "./_format.ts";

async function walk(
  ctx: Ctx,
  opts: Opts,
  path: string,
  uid: number,
  gid: number,
  top: boolean,
): Promise<void> {
  const noFollow = opts.has("h") || (!top && opts.has("R"));
  const r = ctx.sys.fchownat(-100, path, uid, gid, noFollow ? AT.SYMLINK_NOFOLLOW : 0);
  if (isErrno(r)) {
    await ctx.fail(`${top && r === -2 ? "cannot access" : "changing ownership of"} '${path}'`, r);
    return;
  }
  if (opts.has("v")) await ctx.out.write(`ownership of '${path}' retained or changed\n`);
  if (opts.has("R")) {
    const st = lstat(ctx.sys, path);
    if (isErrno(st) || !isDir(st.mode)) return;
    const list = await listDir(ctx.sys, path);
    if (isErrno(list)) return;
    for (const e of list) await walk(ctx, opts, joinPath(path, e.name), uid, gid, false);
  }
}

async function resolveId(
  ctx: Ctx,
  which: "passwd" | "group",
  name: string,
): Promise<number | null> {
  if (/^\d+$/.test(name)) return Number(name);
  const db = await readNameDb(ctx.sys, which);
  return db.byName.get(name) ?? null;
}

/**
 * The `chown` applet.
 *
 * @example
 * ```ts ignore
 * await chown(sys, ["chown", "-R", "app:app", "/srv"]);
 * ```
 */
export const chown = applet({
  name: "chown",
  usage:
    "chown [-Rhv] USER[:[GRP]] FILE...\n\nChange the owner and/or group of FILEs to USER and/or GRP\n\n" +
    "\t-h\tAffect symlinks instead of symlink targets\n\t-R\tRecurse\n\t-v\tVerbose",
  spec: { flags: "RhvfLHP", long: { recursive: "R", verbose: "v", "no-dereference": "h" } },
  async run(ctx, opts) {
    const ops = opts.operands;
    if (ops.length < 2) {
      await ctx.usageError(
        ops.length === 0 ? "missing operand" : `missing operand after '${ops[0]}'`,
      );
      return 1;
    }
    const spec = ops[0]!;
    const m = /^([^:.]*)(?:[:.](.*))?$/.exec(spec)!;
    let uid = -1;
    let gid = -1;
    if (m[1]) {
      const u = await resolveId(ctx, "passwd", m[1]);
      if (u === null) {
        await ctx.error(`invalid user: '${spec}'`);
        return 1;
      }
      uid = u;
    }
    if (m[2]) {
      const g = await resolveId(ctx, "group", m[2]);
      if (g === null) {
        await ctx.error(`invalid group: '${spec}'`);
        return 1;
      }
      gid = g;
    } else if (m[2] === "" && m[1]) {
      const db = await readNameDb(ctx.sys, "passwd");
      const row = db.rows.get(m[1]);
      if (row?.[3]) gid = Number(row[3]);
    }
    for (const f of ops.slice(1)) await walk(ctx, opts, f, uid, gid, true);
    return ctx.status;
  },
});

/**
 * The `chgrp` applet.
 *
 * @example
 * ```ts ignore
 * await chgrp(sys, ["chgrp", "app", "/srv"]);
 * ```
 */
export const chgrp = applet({
  name: "chgrp",
  usage: "chgrp [-Rhv] GROUP FILE...\n\nChange the group membership of FILEs to GROUP",
  spec: { flags: "RhvfLHP", long: { recursive: "R", verbose: "v", "no-dereference": "h" } },
  async run(ctx, opts) {
    const ops = opts.operands;
    if (ops.length < 2) {
      await ctx.usageError(
        ops.length === 0 ? "missing operand" : `missing operand after '${ops[0]}'`,
      );
      return 1;
    }
    const g = await resolveId(ctx, "group", ops[0]!);
    if (g === null) {
      await ctx.error(`invalid group: '${ops[0]}'`);
      return 1;
    }
    for (const f of ops.slice(1)) await walk(ctx, opts, f, -1, g, true);
    return ctx.status;
  },
});
