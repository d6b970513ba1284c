/**
 * `date [-uR] [-I[SPEC]] [-d TIME] [-r FILE] [+FORMAT]`: print the date (UTC; the
 * kernel has no time zones).
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";
import { stat } from "./_fs.ts";
import { strftime } from "./_format.ts";

/**
 * Parse a `date -d` string: `@SECONDS`, ISO 8601, `YYYY-MM-DD[ HH:MM[:SS]]`, `now`,
 * `yesterday`, `tomorrow`, `N seconds/minutes/hours/days ago`.
 *
 * @param s Text.
 * @param nowMs Current time.
 * @returns Milliseconds since the epoch, or null.
 */
export function parseDate(s: string, nowMs: number): number | null {
  const t = s.trim();
  if (/^@-?\d+(\.\d+)?$/.test(t)) return Number(t.slice(1)) * 1000;
  if (t === "" || t === "now") return nowMs;
  if (t === "yesterday") return nowMs - 86400000;
  if (t === "tomorrow") return nowMs + 86400000;
  const rel = /^([-+]?\d+) *(sec|second|min|minute|hour|day|week)s?( ago)?$/.exec(t);
  if (rel) {
    const unit = {
      sec: 1,
      second: 1,
      min: 60,
      minute: 60,
      hour: 3600,
      day: 86400,
      week: 604800,
    }[rel[2] as "sec"]!;
    const v = Number(rel[1]) * unit * 1000;
    return rel[3] ? nowMs - v : nowMs + v;
  }
  const m =
    /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?( ?(Z|UTC|[+-]\d{2}:?\d{2}))?$/
      .exec(t);
  if (m) {
    let ms = Date.UTC(
      Number(m[1]),
      Number(m[2]) - 1,
      Number(m[3]),
      Number(m[4] ?? 0),
      Number(m[5] ?? 0),
      Number(m[6] ?? 0),
    );
    const z = m[8];
    if (z && z !== "Z" && z !== "UTC") {
      const sign = z[0] === "-" ? -1 : 1;
      const d = z.slice(1).replace(":", "");
      ms -= sign * (Number(d.slice(0, 2)) * 60 + Number(d.slice(2))) * 60000;
    }
    return Number.isNaN(ms) ? null : ms;
  }
  const p = Date.parse(t);
  return Number.isNaN(p) ? null : p;
}

/**
 * The `date` applet. Setting the clock is refused (`EPERM`): the kernel's clock is the host's.
 *
 * @example
 * ```ts ignore
 * await date(sys, ["date", "+%Y-%m-%d"]);
 * ```
 */
export const date = applet({
  name: "date",
  usage: "date [OPTIONS] [+FMT]\n\nDisplay time (using +FMT)\n\n" +
    "\t-u\tWork in UTC (default here)\n\t-R\tOutput RFC-2822 date\n\t-I[SPEC]\tOutput ISO-8601 date (date, hours, minutes, seconds, ns)\n" +
    "\t-d TIME\tDisplay TIME, not 'now'\n\t-r FILE\tDisplay last modification time of FILE",
  spec: {
    flags: "uRI",
    withArg: "dr",
    long: {
      utc: "u",
      "rfc-2822": "R",
      "rfc-email": "R",
      "date=": "d",
      "reference=": "r",
      "iso-8601": "I",
    },
  },
  async run(ctx, opts) {
    const now = ctx.sys.clock_gettime(0);
    let ms = isErrno(now) ? 0 : now.sec * 1000 + Math.floor(now.nsec / 1e6);
    const d = opts.get("d");
    const r = opts.get("r");
    if (d !== undefined) {
      const v = parseDate(d, ms);
      if (v === null) {
        await ctx.error(`invalid date '${d}'`);
        return 1;
      }
      ms = v;
    } else if (r !== undefined) {
      const st = stat(ctx.sys, r);
      if (isErrno(st)) {
        await ctx.fail(r, st);
        return 1;
      }
      ms = st.mtime.sec * 1000 + Math.floor(st.mtime.nsec / 1e6);
    }
    let fmt = "%a %b %e %H:%M:%S %Z %Y";
    if (opts.has("R")) fmt = "%a, %d %b %Y %H:%M:%S %z";
    if (opts.has("I")) fmt = "%Y-%m-%d";
    const plus = opts.operands.find((o) => o.startsWith("+"));
    const other = opts.operands.find((o) => !o.startsWith("+"));
    if (other !== undefined) {
      await ctx.fail("cannot set date", -1);
      return 1;
    }
    if (plus !== undefined) fmt = plus.slice(1);
    await ctx.out.write(strftime(fmt, ms) + "\n");
    return 0;
  },
});
