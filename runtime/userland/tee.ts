/**
 * `tee [-ai] [FILE]...`: copy stdin to stdout and files.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { O } from "../kernel/syscalls/api.ts";
import { applet } from "./_applet.ts";
import { readSome, writeAll } from "./_io.ts";

/**
 * The `tee` applet.
 *
 * @example
 * ```ts ignore
 * await tee(sys, ["tee", "-a", "/var/log/x"]);
 * ```
 */
export const tee = applet({
  name: "tee",
  usage:
    "tee [-ai] [FILE]...\n\nCopy stdin to each FILE, and also to stdout\n\n\t-a\tAppend to the given FILEs, don't overwrite\n\t-i\tIgnore interrupt signals (SIGINT)",
  spec: { flags: "ai", long: { append: "a", "ignore-interrupts": "i" } },
  async run(ctx, opts) {
    if (opts.has("i")) ctx.sys.sigaction(2, "ignore");
    const fds: { fd: number; name: string }[] = [{ fd: 1, name: "standard output" }];
    for (const f of opts.operands) {
      let fd = ctx.sys.openat(
        -100,
        f,
        O.WRONLY | O.CREAT | O.CLOEXEC | (opts.has("a") ? O.APPEND : O.TRUNC),
        0o666,
      );
      if (fd instanceof Promise) fd = await fd;
      if (isErrno(fd)) await ctx.fail(f, fd);
      else fds.push({ fd, name: f });
    }
    const buf = new Uint8Array(65536);
    for (;;) {
      const n = await readSome(ctx.sys, 0, buf);
      if (isErrno(n)) {
        await ctx.fail("read error", n);
        break;
      }
      if (n === 0) break;
      for (const t of [...fds]) {
        const r = await writeAll(ctx.sys, t.fd, buf.subarray(0, n));
        if (r) {
          await ctx.fail(t.name, r);
          fds.splice(fds.indexOf(t), 1);
        }
      }
    }
    for (const t of fds) if (t.fd !== 1) ctx.sys.close(t.fd);
    return ctx.status;
  },
});
