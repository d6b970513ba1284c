/**
 * `touch [-cam] [-d DATE] [-t STAMP] [-r FILE] FILE...`: update times, creating files.
 *
 * @module
 */
import { Errno, isErrno } from "../kernel/errno.ts";
import { O } from "../kernel/syscalls/api.ts";
import type { Timespec } from "../kernel/syscalls/api.ts";
import { applet } from "./_applet.ts";
import { stat } from "./_fs.ts";

const OMIT: Timespec = { sec: 0, nsec: 0x3ffffffe };

/**
 * Parse `touch -t [[CC]YY]MMDDhhmm[.ss]` (UTC).
 *
 * @param s The stamp.
 * @returns Seconds since the epoch, or null.
 */
export function parseTouchStamp(s: string): number | null {
  const m = /^(\d{2})?(\d{2})?(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{2}))?$/.exec(s);
  if (!m) return null;
  let year = new Date().getUTCFullYear();
  if (m[1] && m[2]) year = Number(m[1] + m[2]);
  else if (m[1]) year = Number(m[1]) < 69 ? 2000 + Number(m[1]) : 1900 + Number(m[1]);
  const ms = Date.UTC(
    year,
    Number(m[3]) - 1,
    Number(m[4]),
    Number(m[5]),
    Number(m[6]),
    Number(m[7] ?? 0),
  );
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
}

/**
 * The `touch` applet.
 *
 * @example
 * ```ts ignore
 * await touch(sys, ["touch", "/tmp/stamp"]);
 * ```
 */
export const touch = applet({
  name: "touch",
  usage: "touch [-cham] [-d DATE] [-t DATE] [-r FILE] FILE...\n\nUpdate mtime of FILEs\n\n" +
    "\t-c\tDon't create files\n\t-h\tDon't follow links\n\t-a\tChange only atime\n\t-m\tChange only mtime\n" +
    "\t-d DT\tDate/time to use\n\t-t DT\tDate/time to use ([[CC]YY]MMDDhhmm[.ss])\n\t-r FILE\tUse FILE's date/time",
  spec: {
    flags: "cham",
    withArg: "dtr",
    long: { "no-create": "c", "date=": "d", "reference=": "r" },
  },
  async run(ctx, opts) {
    if (opts.operands.length === 0) {
      await ctx.usageError("missing file operand");
      return 1;
    }
    let when: Timespec | null = null;
    const d = opts.get("d");
    const t = opts.get("t");
    const r = opts.get("r");
    if (t !== undefined) {
      const sec = parseTouchStamp(t);
      if (sec === null) {
        await ctx.error(`invalid date format '${t}'`);
        return 1;
      }
      when = { sec, nsec: 0 };
    } else if (d !== undefined) {
      const ms = /^@\d+$/.test(d)
        ? Number(d.slice(1)) * 1000
        : Date.parse(d.includes("T") || /[zZ+]/.test(d) ? d : `${d.replace(" ", "T")}Z`);
      if (Number.isNaN(ms)) {
        await ctx.error(`invalid date format '${d}'`);
        return 1;
      }
      when = { sec: Math.floor(ms / 1000), nsec: 0 };
    } else if (r !== undefined) {
      const st = stat(ctx.sys, r);
      if (isErrno(st)) {
        await ctx.fail(`failed to get attributes of '${r}'`, st);
        return 1;
      }
      when = st.mtime;
    }
    const onlyA = opts.has("a") && !opts.has("m");
    const onlyM = opts.has("m") && !opts.has("a");
    for (const f of opts.operands) {
      let res = ctx.sys.utimensat(
        -100,
        f,
        onlyM ? OMIT : when,
        onlyA ? OMIT : when,
        opts.has("h") ? 0x100 : 0,
      );
      if (res === Errno.ENOENT && !opts.has("c")) {
        let fd = ctx.sys.openat(-100, f, O.WRONLY | O.CREAT | O.CLOEXEC | O.NONBLOCK, 0o666);
        if (fd instanceof Promise) fd = await fd;
        if (isErrno(fd)) {
          await ctx.fail(`cannot touch '${f}'`, fd);
          continue;
        }
        ctx.sys.close(fd);
        res = when ? ctx.sys.utimensat(-100, f, when, when, 0) : 0;
      } else if (res === Errno.ENOENT) continue;
      if (isErrno(res)) await ctx.fail(`cannot touch '${f}'`, res);
    }
    return ctx.status;
  },
});
