/**
 * `groups [USER]`.
 *
 * @module
 */
import { applet } from "./_applet.ts";
import { readNameDb } from "./_format.ts";

/**
 * `groups [USER]`.
 *
 * @example
 * ```ts ignore
 * await groups(sys, ["groups"]);
 * ```
 */
export const groups = applet({
  name: "groups",
  usage: "groups [USER]\n\nPrint the group memberships of USER (default: current process)",
  async run(ctx, opts) {
    const g = await readNameDb(ctx.sys, "group");
    const user = opts.operands[0];
    let ids: number[];
    if (user !== undefined) {
      const u = await readNameDb(ctx.sys, "passwd");
      const row = u.rows.get(user);
      if (!row) {
        await ctx.error(`'${user}': no such user`);
        return 1;
      }
      ids = [Number(row[3])];
      for (const [name, f] of g.rows) {
        if ((f[3] ?? "").split(",").includes(user)) ids.push(g.byName.get(name)!);
      }
    } else ids = [ctx.sys.getegid(), ...ctx.sys.getgroups().filter((x) => x !== ctx.sys.getegid())];
    const names = ids.map((i) => g.byId.get(i) ?? String(i));
    await ctx.out.write((user !== undefined ? `${user} : ` : "") + names.join(" ") + "\n");
    return 0;
  },
});
