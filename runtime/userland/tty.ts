/**
 * `tty`: print the terminal on stdin, or "not a tty" (exit 1).
 *
 * @module
 */
import { AT, type Syscalls } from "../kernel/syscalls/api.ts";
import { applet, isErrno } from "./_applet.ts";

/**
 * The name of the terminal open on `fd`, as glibc's `ttyname`: a pseudo-terminal slave is
 * `/dev/pts/N` (from its device number, 136:N); otherwise the path `/proc/self/fd/N`
 * names when it is under `/dev/`; else `/dev/tty`.
 *
 * @param sys System calls.
 * @param fd A descriptor that is a terminal.
 * @returns The name.
 */
function ttyName(sys: Syscalls, fd: number): string {
  const st = sys.fstat(fd);
  if (!isErrno(st) && (st.mode & 0o170000) === 0o020000) {
    const major = (st.rdev >> 8) & 0xfff;
    const minor = (st.rdev & 0xff) | ((st.rdev >> 12) & ~0xff);
    if (major === 136) return `/dev/pts/${minor}`;
  }
  const link = sys.readlinkat(AT.FDCWD, `/proc/self/fd/${fd}`);
  if (!isErrno(link) && link.startsWith("/dev/")) return link;
  return "/dev/tty";
}

/**
 * `tty`: print the terminal on stdin, or "not a tty" (exit 1).
 *
 * @example
 * ```ts ignore
 * await tty(sys, ["tty"]);
 * ```
 */
export const tty = applet({
  name: "tty",
  usage: "tty\n\nPrint file name of stdin's terminal",
  spec: { flags: "s", long: { silent: "s", quiet: "s" } },
  async run(ctx, opts) {
    if (!ctx.sys.isatty(0)) {
      if (!opts.has("s")) await ctx.out.write("not a tty\n");
      return 1;
    }
    if (!opts.has("s")) await ctx.out.write(`${ttyName(ctx.sys, 0)}\n`);
    return 0;
  },
});
