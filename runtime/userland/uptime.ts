/**
 * `uptime`: time, time since boot, load averages (from /proc).
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";
import { readText } from "./_io.ts";

/**
 * `uptime`: time, time since boot, load averages (from /proc).
 *
 * @example
 * ```ts ignore
 * await uptime(sys, ["uptime"]);
 * ```
 */
export const uptime = applet({
  name: "uptime",
  usage: "uptime\n\nDisplay the time since the last boot",
  spec: { flags: "ps", long: { pretty: "p", since: "s" } },
  async run(ctx, opts) {
    const up = await readText(ctx.sys, "/proc/uptime");
    const load = await readText(ctx.sys, "/proc/loadavg");
    if (isErrno(up)) {
      await ctx.fail("/proc/uptime", up);
      return 1;
    }
    const sec = Math.floor(Number(up.split(" ")[0]));
    const now = ctx.sys.clock_gettime(0);
    const nowSec = isErrno(now) ? 0 : now.sec;
    const d = new Date(nowSec * 1000);
    const p2 = (n: number) => String(n).padStart(2, "0");
    if (opts.has("s")) {
      const b = new Date((nowSec - sec) * 1000);
      await ctx.out.write(
        `${b.getUTCFullYear()}-${p2(b.getUTCMonth() + 1)}-${p2(b.getUTCDate())} ${
          p2(b.getUTCHours())
        }:${p2(b.getUTCMinutes())}:${p2(b.getUTCSeconds())}\n`,
      );
      return 0;
    }
    const days = Math.floor(sec / 86400);
    const h = Math.floor((sec % 86400) / 3600);
    const m = Math.floor((sec % 3600) / 60);
    if (opts.has("p")) {
      const parts = [
        days && `${days} day${days > 1 ? "s" : ""}`,
        h && `${h} hour${h > 1 ? "s" : ""}`,
        `${m} minute${m === 1 ? "" : "s"}`,
      ].filter(Boolean);
      await ctx.out.write(`up ${parts.join(", ")}\n`);
      return 0;
    }
    const upText = (days ? `${days} day${days > 1 ? "s" : ""}, ` : "") +
      (h ? `${h}:${p2(m)}` : `${m} min`);
    const avg = isErrno(load) ? "0.00, 0.00, 0.00" : load.split(" ").slice(0, 3).join(", ");
    await ctx.out.write(
      ` ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${
        p2(d.getUTCSeconds())
      } up ${upText},  0 users,  load average: ${avg}\n`,
    );
    return 0;
  },
});
