/**
 * `mktemp [-dqu] [-p DIR] [TEMPLATE]`: make a unique file or directory.
 *
 * @module
 */
import { Errno, isErrno } from "../kernel/errno.ts";
import { O } from "../kernel/syscalls/api.ts";
import { applet } from "./_applet.ts";

/**
 * `mktemp [-dqu] [-p DIR] [TEMPLATE]`: make a unique file or directory.
 *
 * @example
 * ```ts ignore
 * await mktemp(sys, ["mktemp", "-d"]);
 * ```
 */
export const mktemp = applet({
  name: "mktemp",
  usage:
    "mktemp [-dt] [-p DIR] [TEMPLATE]\n\nCreate a temporary file with name based on TEMPLATE and print its name.\nTEMPLATE must end with XXXXXX (e.g. [/dir/]nameXXXXXX).\n" +
    "Without TEMPLATE, -t tmp.XXXXXX is assumed.\n\n\t-d\tMake directory, not file\n\t-q\tFail silently on errors\n\t-t\tPrepend base directory name to TEMPLATE\n\t-p DIR\tUse DIR as a base directory (implies -t)\n\t-u\tDo not create anything; print a name",
  spec: {
    flags: "dqtu",
    withArg: "p",
    long: { directory: "d", quiet: "q", "dry-run": "u", "tmpdir=": "p" },
  },
  async run(ctx, opts) {
    const tmpl = opts.operands[0] ?? "tmp.XXXXXXXXXX";
    const m = /X{3,}$/.exec(tmpl);
    if (!m) {
      if (!opts.has("q")) await ctx.error(`too few X's in template '${tmpl}'`);
      return 1;
    }
    const tmpdir = opts.get("p") ?? ctx.sys.environ().find((e) =>
      e.startsWith("TMPDIR=")
    )?.slice(7) ?? "/tmp";
    const base = opts.has("p") || opts.has("t") || opts.operands.length === 0
      ? `${tmpdir.replace(/\/$/, "")}/`
      : "";
    const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    for (let attempt = 0; attempt < 100; attempt++) {
      const rnd = new Uint8Array(m[0].length);
      ctx.sys.getrandom(rnd);
      const name = base + tmpl.slice(0, m.index) +
        [...rnd].map((b) => chars[b % chars.length]).join("");
      if (opts.has("u")) {
        await ctx.out.write(name + "\n");
        return 0;
      }
      let r: number;
      if (opts.has("d")) r = ctx.sys.mkdirat(-100, name, 0o700);
      else {
        let fd = ctx.sys.openat(-100, name, O.RDWR | O.CREAT | O.EXCL | O.CLOEXEC, 0o600);
        if (fd instanceof Promise) fd = await fd;
        r = fd;
        if (fd >= 0) ctx.sys.close(fd);
      }
      if (r === Errno.EEXIST) continue;
      if (isErrno(r)) {
        if (!opts.has("q")) {
          await ctx.fail(
            `failed to create ${
              opts.has("d") ? "directory" : "file"
            } via template '${base}${tmpl}'`,
            r,
          );
        }
        return 1;
      }
      await ctx.out.write(name + "\n");
      return 0;
    }
    return 1;
  },
});
