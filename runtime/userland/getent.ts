/**
 * `getent DATABASE [KEY]...`: entries of `passwd`, `group`, `hosts` and `services`-less
 * databases read from `/etc`.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";
import { readText } from "./_io.ts";

const FILES: Record<string, string> = {
  passwd: "/etc/passwd",
  group: "/etc/group",
  shadow: "/etc/shadow",
  hosts: "/etc/hosts",
  services: "/etc/services",
  protocols: "/etc/protocols",
};

/**
 * The `getent` applet: exit 0 found, 1 bad usage, 2 a key not found, 3 unknown database.
 *
 * @example
 * ```ts ignore
 * await getent(sys, ["getent", "passwd", "root"]);
 * ```
 */
export const getent = applet({
  name: "getent",
  usage:
    "getent DATABASE [KEY]...\n\nGet entries from administrative database (passwd, group, shadow, hosts, services, protocols)",
  async run(ctx, opts) {
    const [db, ...keys] = opts.operands;
    if (db === undefined) {
      await ctx.usageError("wrong number of arguments");
      return 1;
    }
    const file = FILES[db];
    if (!file) {
      await ctx.error(`Unknown database: ${db}`);
      return 3;
    }
    const text = await readText(ctx.sys, file);
    const lines = isErrno(text) ? [] : text.split("\n").filter((l) => l && !l.startsWith("#"));
    if (keys.length === 0) {
      await ctx.out.write(lines.map((l) => l + "\n").join(""));
      return 0;
    }
    let status = 0;
    for (const k of keys) {
      const hit = lines.find((l) => {
        if (db === "hosts") return l.split(/\s+/).slice(1).includes(k) || l.split(/\s+/)[0] === k;
        if (db === "services" || db === "protocols") {
          return l.split(/\s+/)[0] === k || l.split(/\s+/).slice(2).includes(k);
        }
        const f = l.split(":");
        return f[0] === k || (/^\d+$/.test(k) && (db === "passwd" || db === "group") && f[2] === k);
      });
      if (hit === undefined) status = 2;
      else await ctx.out.write(hit + "\n");
    }
    return status;
  },
});
