/**
 * `addgroup [-g GID] [-S] GROUP`, `addgroup USER GROUP`, `adduser [-h DIR] [-g GECOS]
 * [-s SHELL] [-G GROUP] [-S] [-D] [-H] [-u UID] USER`, `deluser USER`, `delgroup GROUP`:
 * BusyBox-style account management editing /etc/passwd, /etc/group and /etc/shadow.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";
import type { Ctx } from "./_applet.ts";
import { readText, writeFile } from "./_io.ts";
import { exists } from "./_fs.ts";

interface Db {
  passwd: string[][];
  group: string[][];
  shadow: string[][] | null;
}

async function load(ctx: Ctx): Promise<Db> {
  const rows = async (p: string) => {
    const t = await readText(ctx.sys, p);
    return isErrno(t) ? null : t.split("\n").filter(Boolean).map((l) => l.split(":"));
  };
  return {
    passwd: (await rows("/etc/passwd")) ?? [],
    group: (await rows("/etc/group")) ?? [],
    shadow: await rows("/etc/shadow"),
  };
}

async function save(ctx: Ctx, db: Db): Promise<boolean> {
  const text = (r: string[][]) => r.map((f) => f.join(":")).join("\n") + "\n";
  for (
    const [p, r] of [["/etc/passwd", db.passwd], ["/etc/group", db.group], [
      "/etc/shadow",
      db.shadow,
    ]] as const
  ) {
    if (!r) continue;
    const w = await writeFile(ctx.sys, p, text(r));
    if (w) {
      await ctx.fail(p, w);
      return false;
    }
  }
  return true;
}

function freeId(used: number[], system: boolean): number {
  const [lo, hi] = system ? [100, 999] : [1000, 60000];
  for (let i = lo; i <= hi; i++) if (!used.includes(i)) return i;
  return -1;
}

const validName = (n: string) => /^[a-zA-Z0-9_.][a-zA-Z0-9_.-]*\$?$/.test(n) && n.length <= 32;

/**
 * The `addgroup` applet.
 *
 * @example
 * ```ts ignore
 * await addgroup(sys, ["addgroup", "-S", "app"]);
 * ```
 */
export const addgroup = applet({
  name: "addgroup",
  usage:
    "addgroup [-g GID] [-S] [USER] GROUP\n\nAdd a group or add a user to a group\n\n\t-g GID\tGroup id\n\t-S\tCreate a system group",
  spec: { withArg: "g", flags: "S", long: { "gid=": "g", system: "S" } },
  async run(ctx, opts) {
    const ops = opts.operands;
    if (ops.length < 1 || ops.length > 2) {
      await ctx.usageError("bad usage");
      return 1;
    }
    const db = await load(ctx);
    if (ops.length === 2) {
      const [user, group] = ops as [string, string];
      if (!db.passwd.some((r) => r[0] === user)) {
        await ctx.error(`unknown user ${user}`);
        return 1;
      }
      const g = db.group.find((r) => r[0] === group);
      if (!g) {
        await ctx.error(`unknown group ${group}`);
        return 1;
      }
      const members = (g[3] ?? "").split(",").filter(Boolean);
      if (!members.includes(user)) members.push(user);
      g[3] = members.join(",");
      return (await save(ctx, db)) ? 0 : 1;
    }
    const name = ops[0]!;
    if (!validName(name)) {
      await ctx.error(`invalid group name '${name}'`);
      return 1;
    }
    if (db.group.some((r) => r[0] === name)) {
      await ctx.error(`group '${name}' in use`);
      return 1;
    }
    const used = db.group.map((r) => Number(r[2]));
    let gid = opts.has("g") ? Number(opts.get("g")) : freeId(used, opts.has("S"));
    if (!Number.isInteger(gid) || gid < 0) {
      await ctx.error(`invalid gid '${opts.get("g")}'`);
      return 1;
    }
    if (opts.has("g") && used.includes(gid)) {
      await ctx.error(`gid '${gid}' in use`);
      return 1;
    }
    if (gid < 0) gid = 0;
    db.group.push([name, "x", String(gid), ""]);
    return (await save(ctx, db)) ? 0 : 1;
  },
});

/**
 * The `adduser` applet.
 *
 * @example
 * ```ts ignore
 * await adduser(sys, ["adduser", "-S", "-D", "-G", "app", "app"]);
 * ```
 */
export const adduser = applet({
  name: "adduser",
  usage: "adduser [OPTIONS] USER [GROUP]\n\nCreate new user, or add USER to GROUP\n\n" +
    "\t-h DIR\t\tHome directory\n\t-g GECOS\tGECOS field\n\t-s SHELL\tLogin shell\n\t-G GRP\t\tGroup\n\t-S\t\tCreate a system user\n" +
    "\t-D\t\tDon't assign a password\n\t-H\t\tDon't create home directory\n\t-u UID\t\tUser id\n\t-k SKEL\t\tSkeleton directory (/etc/skel)",
  spec: {
    flags: "SDH",
    withArg: "hgsGuk",
    long: {
      "home=": "h",
      "gecos=": "g",
      "shell=": "s",
      "ingroup=": "G",
      system: "S",
      "disabled-password": "D",
      "no-create-home": "H",
      "uid=": "u",
    },
  },
  async run(ctx, opts) {
    const ops = opts.operands;
    if (ops.length === 2) return await addgroup(ctx.sys, ["addgroup", ops[0]!, ops[1]!]);
    if (ops.length !== 1) {
      await ctx.usageError("bad usage");
      return 1;
    }
    const name = ops[0]!;
    if (!validName(name)) {
      await ctx.error(`invalid user name '${name}'`);
      return 1;
    }
    const db = await load(ctx);
    if (db.passwd.some((r) => r[0] === name)) {
      await ctx.error(`user '${name}' in use`);
      return 1;
    }
    const system = opts.has("S");
    const usedU = db.passwd.map((r) => Number(r[2]));
    const uid = opts.has("u") ? Number(opts.get("u")) : freeId(usedU, system);
    if (!Number.isInteger(uid) || uid < 0 || (opts.has("u") && usedU.includes(uid))) {
      await ctx.error(`uid '${opts.get("u")}' in use or invalid`);
      return 1;
    }
    let gid: number;
    const gname = opts.get("G");
    if (gname !== undefined) {
      const g = db.group.find((r) => r[0] === gname);
      if (!g) {
        await ctx.error(`unknown group ${gname}`);
        return 1;
      }
      gid = Number(g[2]);
    } else if (system) {
      gid = db.group.find((r) => r[0] === "nogroup")?.[2] !== undefined
        ? Number(db.group.find((r) => r[0] === "nogroup")![2])
        : 65534;
    } else {
      // A user group of the same name, with the uid as gid when free.
      const usedG = db.group.map((r) => Number(r[2]));
      gid = usedG.includes(uid) ? freeId(usedG, false) : uid;
      if (db.group.some((r) => r[0] === name)) {
        await ctx.error(`group '${name}' in use`);
        return 1;
      }
      db.group.push([name, "x", String(gid), ""]);
    }
    const home = opts.get("h") ?? (system ? "/" : `/home/${name}`);
    const shell = opts.get("s") ?? (system ? "/sbin/nologin" : "/bin/sh");
    db.passwd.push([
      name,
      "x",
      String(uid),
      String(gid),
      opts.get("g") ?? (system ? "" : "Linux User,,,"),
      home,
      shell,
    ]);
    if (db.shadow) {
      db.shadow.push([
        name,
        "!",
        String(Math.floor(Date.now() / 86400000)),
        "0",
        "99999",
        "7",
        "",
        "",
        "",
      ]);
    }
    if (!(await save(ctx, db))) return 1;
    if (!opts.has("H") && home !== "/" && !exists(ctx.sys, home)) {
      let cur = "";
      for (const part of home.split("/").filter(Boolean)) {
        cur += "/" + part;
        ctx.sys.mkdirat(-100, cur, 0o755);
      }
      ctx.sys.fchmodat(-100, home, 0o2755 & 0o755 | 0o700, 0);
      ctx.sys.fchownat(-100, home, uid, gid, 0);
    }
    return 0;
  },
});

/**
 * The `deluser` applet (`deluser USER` or `deluser USER GROUP`).
 *
 * @example
 * ```ts ignore
 * await deluser(sys, ["deluser", "app"]);
 * ```
 */
export const deluser = applet({
  name: "deluser",
  usage:
    "deluser [--remove-home] USER [GROUP]\n\nDelete USER from the system, or remove USER from GROUP",
  spec: { long: { "remove-home": "r" } },
  async run(ctx, opts) {
    const [user, group] = opts.operands;
    if (user === undefined) {
      await ctx.usageError("bad usage");
      return 1;
    }
    const db = await load(ctx);
    if (!db.passwd.some((r) => r[0] === user)) {
      await ctx.error(`unknown user ${user}`);
      return 1;
    }
    for (const g of db.group) {
      if (group !== undefined && g[0] !== group) continue;
      g[3] = (g[3] ?? "").split(",").filter((m) => m && m !== user).join(",");
    }
    if (group === undefined) {
      db.passwd = db.passwd.filter((r) => r[0] !== user);
      if (db.shadow) db.shadow = db.shadow.filter((r) => r[0] !== user);
    }
    return (await save(ctx, db)) ? 0 : 1;
  },
});

/**
 * The `delgroup` applet.
 *
 * @example
 * ```ts ignore
 * await delgroup(sys, ["delgroup", "app"]);
 * ```
 */
export const delgroup = applet({
  name: "delgroup",
  usage:
    "delgroup [USER] GROUP\n\nDelete group GROUP from the system or user USER from group GROUP",
  async run(ctx, opts) {
    const ops = opts.operands;
    if (ops.length === 2) return await deluser(ctx.sys, ["deluser", ops[0]!, ops[1]!]);
    const name = ops[0];
    if (name === undefined) {
      await ctx.usageError("bad usage");
      return 1;
    }
    const db = await load(ctx);
    const g = db.group.find((r) => r[0] === name);
    if (!g) {
      await ctx.error(`unknown group ${name}`);
      return 1;
    }
    if (db.passwd.some((r) => r[3] === g[2])) {
      await ctx.error(
        `'${name}' still has '${db.passwd.find((r) => r[3] === g[2])![0]}' as their primary group!`,
      );
      return 1;
    }
    db.group = db.group.filter((r) => r[0] !== name);
    return (await save(ctx, db)) ? 0 : 1;
  },
});
