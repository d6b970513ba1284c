/**
 * `sleep N[smhd]...`: pause for the sum of the durations.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";

/**
 * Parse a duration like `1.5`, `2m`, `1h`, `inf`.
 *
 * @param s Text.
 * @returns Seconds, or null when invalid.
 */
export function parseDuration(s: string): number | null {
  if (s === "inf" || s === "infinity") return Infinity;
  const m = /^(\d+\.?\d*|\.\d+)([smhd]?)$/.exec(s);
  if (!m) return null;
  const mult = { "": 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as "" | "s" | "m" | "h" | "d"];
  return Number(m[1]) * mult;
}

/**
 * The `sleep` applet (a signal ends it early, as with a real sleep's default actions).
 *
 * @example
 * ```ts ignore
 * await sleep(sys, ["sleep", "0.1"]);
 * ```
 */
export const sleep = applet({
  name: "sleep",
  usage:
    "sleep [N]...\n\nPause for a time equal to the total of the args given, where each arg can\nhave an optional suffix of (s)econds, (m)inutes, (h)ours, or (d)ays",
  async run(ctx, opts) {
    if (opts.operands.length === 0) {
      await ctx.usageError("missing operand");
      return 1;
    }
    let total = 0;
    for (const a of opts.operands) {
      const d = parseDuration(a);
      if (d === null) {
        await ctx.usageError(`invalid time interval '${a}'`);
        return 1;
      }
      total += d;
    }
    while (total > 0) {
      const chunk = Math.min(total, 86400);
      const sec = Math.floor(chunk);
      const r = await ctx.sys.nanosleep({ sec, nsec: Math.round((chunk - sec) * 1e9) });
      if (isErrno(r)) return 1;
      total -= chunk;
    }
    return 0;
  },
});
