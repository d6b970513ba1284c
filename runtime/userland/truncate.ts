/**
 * `truncate -s SIZE FILE...` (`+N`/`-N` relative sizes, K/M/G suffixes, `-c`).
 *
 * @module
 */
import { Errno, isErrno } from "../kernel/errno.ts";
import { O } from "../kernel/syscalls/api.ts";
import { applet } from "./_applet.ts";

/**
 * `truncate -s SIZE FILE...` (`+N`/`-N` relative sizes, K/M/G suffixes, `-c`).
 *
 * @example
 * ```ts ignore
 * await truncate(sys, ["truncate", "-s", "1M", "/tmp/f"]);
 * ```
 */
export const truncate = applet({
  name: "truncate",
  usage:
    "truncate [-c] -s SIZE FILE...\n\nTruncate FILEs to the given size\n\n\t-c\tDo not create files\n\t-s SIZE\tTruncate to SIZE",
  spec: { flags: "co", withArg: "s", long: { "no-create": "c", "size=": "s" } },
  async run(ctx, opts) {
    const spec = opts.get("s");
    const m = spec === undefined ? null : /^([-+<>]?)(\d+)([KMGT]?)(i?B)?$/.exec(spec);
    if (!m) {
      await ctx.usageError(
        spec === undefined
          ? "you must specify either '--size' or '--reference'"
          : `Invalid number: '${spec}'`,
      );
      return 1;
    }
    const mult = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[m[3] as ""]!;
    const n = Number(m[2]) * mult;
    for (const f of opts.operands) {
      let fd = ctx.sys.openat(-100, f, O.WRONLY | O.CLOEXEC | (opts.has("c") ? 0 : O.CREAT), 0o666);
      if (fd instanceof Promise) fd = await fd;
      if (isErrno(fd)) {
        if (!(fd === Errno.ENOENT && opts.has("c"))) {
          await ctx.fail(`cannot open '${f}' for writing`, fd);
        }
        continue;
      }
      const st = ctx.sys.fstat(fd);
      const cur = isErrno(st) ? 0 : st.size;
      const size = m[1] === "+"
        ? cur + n
        : m[1] === "-"
        ? Math.max(0, cur - n)
        : m[1] === "<"
        ? Math.min(cur, n)
        : m[1] === ">"
        ? Math.max(cur, n)
        : n;
      const r = ctx.sys.ftruncate(fd, size);
      if (isErrno(r)) await ctx.fail(`failed to truncate '${f}' at ${size} bytes`, r);
      ctx.sys.close(fd);
    }
    return ctx.status;
  },
});
