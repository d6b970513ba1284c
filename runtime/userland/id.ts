/**
 * `id [-ugGnr] [USER]` and `whoami`: print user and group identity.
 *
 * @module
 */
import { applet } from "./_applet.ts";
import { readNameDb } from "./_format.ts";

/**
 * The `id` applet.
 *
 * @example
 * ```ts ignore
 * await id(sys, ["id", "-u"]);
 * ```
 */
export const id = applet({
  name: "id",
  usage: "id [-ugGnr] [USER]\n\nPrint information about USER or the current user\n\n" +
    "\t-u\tUser ID\n\t-g\tGroup ID\n\t-G\tSupplementary group IDs\n\t-n\tPrint names instead of numbers\n\t-r\tPrint real ID instead of effective ID",
  spec: { flags: "ugGnrz", long: { user: "u", group: "g", groups: "G", name: "n", real: "r" } },
  async run(ctx, opts) {
    const users = await readNameDb(ctx.sys, "passwd");
    const groupsDb = await readNameDb(ctx.sys, "group");
    let uid: number;
    let gid: number;
    let groups: number[];
    const who = opts.operands[0];
    if (who !== undefined) {
      const u = /^\d+$/.test(who) && !users.byName.has(who) ? Number(who) : users.byName.get(who);
      const row = u === undefined ? undefined : users.rows.get(users.byId.get(u) ?? "");
      if (u === undefined || !row) {
        await ctx.error(`'${who}': no such user`);
        return 1;
      }
      uid = u;
      gid = Number(row[3] ?? 0);
      groups = [gid];
      const name = row[0]!;
      for (const [gname, f] of groupsDb.rows) {
        const members = (f[3] ?? "").split(",");
        if (members.includes(name)) groups.push(groupsDb.byName.get(gname)!);
      }
    } else {
      uid = opts.has("r") ? ctx.sys.getuid() : ctx.sys.geteuid();
      gid = opts.has("r") ? ctx.sys.getgid() : ctx.sys.getegid();
      groups = [gid, ...ctx.sys.getgroups().filter((g) => g !== gid)];
    }
    const uname = (u: number) => users.byId.get(u);
    const gname = (g: number) => groupsDb.byId.get(g);
    const one = async (n: number, name: string | undefined, kind: string) => {
      if (opts.has("n")) {
        if (name === undefined) {
          await ctx.error(`cannot find name for ${kind} ID ${n}`);
          await ctx.out.write(`${n}\n`);
          return 1;
        }
        await ctx.out.write(`${name}\n`);
      } else await ctx.out.write(`${n}\n`);
      return 0;
    };
    if (opts.has("u")) return await one(uid, uname(uid), "user");
    if (opts.has("g")) return await one(gid, gname(gid), "group");
    if (opts.has("G")) {
      await ctx.out.write(
        groups.map((g) => (opts.has("n") ? gname(g) ?? String(g) : String(g))).join(" ") + "\n",
      );
      return 0;
    }
    const fmt = (
      n: number,
      name: string | undefined,
    ) => (name === undefined ? `${n}` : `${n}(${name})`);
    await ctx.out.write(
      `uid=${fmt(uid, uname(uid))} gid=${fmt(gid, gname(gid))} groups=${
        groups.map((g) => fmt(g, gname(g))).join(",")
      }\n`,
    );
    return 0;
  },
});

/**
 * The `whoami` applet.
 *
 * @example
 * ```ts ignore
 * await whoami(sys, ["whoami"]);
 * ```
 */
export const whoami = applet({
  name: "whoami",
  usage: "whoami\n\nPrint the user name associated with the current effective user id",
  async run(ctx) {
    const uid = ctx.sys.geteuid();
    const name = (await readNameDb(ctx.sys, "passwd")).byId.get(uid);
    if (name === undefined) {
      await ctx.error(`cannot find name for user ID ${uid}`);
      return 1;
    }
    await ctx.out.write(name + "\n");
    return 0;
  },
});
