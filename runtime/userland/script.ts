/**
 * `script [-qe] [-c COMMAND] [FILE]`, as util-linux's: run a shell (or COMMAND) on a new
 * pseudo-terminal, copy what it prints to stdout and to FILE (default `typescript`), and
 * what arrives on stdin to it (end of stdin types `^D`).
 *
 * @module
 */
import { Errno } from "../kernel/errno.ts";
import { AT, O, W } from "../kernel/syscalls/api.ts";
import { applet, isErrno } from "./_applet.ts";
import { utf8, writeAll } from "./_io.ts";

/** `TIOCGPTN`, `TIOCSPTLCK` (Linux numbers). */
const TIOCGPTN = 0x80045430, TIOCSPTLCK = 0x40045431;

/**
 * The `script` applet. Exit status: 0, or the command's with `-e`; 1 when no
 * pseudo-terminal can be made (no devpts at `/dev/pts`).
 *
 * @example
 * ```ts ignore
 * await script(sys, ["script", "-qc", "tty", "/dev/null"]);
 * ```
 */
export const script = applet({
  name: "script",
  usage: "script [-qe] [-c COMMAND] [FILE]\n\n" +
    "Make a typescript of a terminal session\n\n" +
    "\t-c CMD\tRun CMD instead of an interactive shell\n" +
    "\t-e\tReturn the exit status of the child\n" +
    "\t-q\tBe quiet (no start and done messages)",
  spec: {
    flags: "qef",
    withArg: "c",
    long: { "command=": "c", quiet: "q", "return": "e", flush: "f" },
  },
  async run(ctx, opts) {
    const sys = ctx.sys;
    const file = opts.operands[0] ?? "typescript";
    const log = await sys.openat(AT.FDCWD, file, O.WRONLY | O.CREAT | O.TRUNC | O.CLOEXEC, 0o666);
    if (isErrno(log)) {
      await ctx.fail(`cannot open ${file}`, log);
      return 1;
    }
    const m = await sys.openat(AT.FDCWD, "/dev/ptmx", O.RDWR | O.NOCTTY | O.CLOEXEC, 0);
    const n = isErrno(m) ? m : sys.ioctl(m, TIOCGPTN);
    if (isErrno(m) || typeof n !== "number" || n < 0) {
      await ctx.fail("failed to create pseudo-terminal", isErrno(m) ? m : Errno.ENOTTY);
      return 1;
    }
    sys.ioctl(m, TIOCSPTLCK, 0);
    const shell = sys.environ().find((e) => e.startsWith("SHELL="))?.slice(6) || "/bin/sh";
    const argv = opts.has("c") ? [shell, "-c", opts.get("c")!] : [shell, "-i"];
    if (!opts.has("q")) {
      await ctx.out.write(`Script started, output log file is '${file}'.\n`);
      await ctx.out.flush();
    }
    const child = await sys.spawn({
      path: shell,
      argv,
      setsid: true,
      fileActions: [
        { op: "open", fd: 0, path: `/dev/pts/${n}`, flags: O.RDWR, mode: 0 },
        { op: "dup2", fd: 0, newfd: 1 },
        { op: "dup2", fd: 0, newfd: 2 },
      ],
    });
    if (isErrno(child)) {
      await ctx.fail(`failed to execute ${shell}`, child);
      return 1;
    }
    const buf = new Uint8Array(65536);
    let stdinOpen = true;
    for (;;) {
      const fds = [{ fd: m, events: 1, revents: 0 }];
      if (stdinOpen) fds.push({ fd: 0, events: 1, revents: 0 });
      const ready = await sys.poll(fds, -1);
      if (ready === Errno.EINTR) continue;
      if (isErrno(ready)) break;
      if (fds[0]!.revents) {
        const r = await sys.read(m, buf);
        if (r === Errno.EINTR || r === Errno.EAGAIN) continue;
        if (isErrno(r) || r === 0) break; // EIO: every slave descriptor is closed
        const data = buf.slice(0, r);
        if (await writeAll(sys, 1, data) !== 0) break;
        await writeAll(sys, log, data);
      }
      if (stdinOpen && fds[1]?.revents) {
        const r = await sys.read(0, buf);
        if (r === Errno.EINTR || r === Errno.EAGAIN) continue;
        if (isErrno(r) || r === 0) {
          stdinOpen = false;
          await sys.write(m, utf8("\x04"));
        } else await writeAll(sys, m, buf.slice(0, r));
      }
    }
    let status = 0;
    for (;;) {
      const w = await sys.wait4(child, 0);
      if (w === Errno.EINTR) continue;
      if (!isErrno(w)) status = w.status;
      break;
    }
    sys.close(m);
    sys.close(log);
    if (!opts.has("q")) await ctx.out.write("Script done.\n");
    if (!opts.has("e")) return 0;
    return W.IFSIGNALED(status) ? 128 + W.TERMSIG(status) : W.EXITSTATUS(status);
  },
});
