/**
 * `flock [-sxun] [-w SECS] [-E CODE] [-o] FILE|DIR CMD [ARG]...`, `flock ... FILE -c CMDLINE`
 * and `flock ... FD`, as util-linux's: take a `flock(2)` lock on FILE (created if missing),
 * run the command with the lock held, and let it go when the command ends; or lock an
 * already open descriptor of the shell (`( flock -n 9 || exit 1; ... ) 9>/var/lock/x`).
 *
 * @module
 */
import { Errno } from "../kernel/errno.ts";
import { AT, LOCK, O } from "../kernel/syscalls/api.ts";
import { applet, isErrno } from "./_applet.ts";
import { spawnAndWait } from "./_exec.ts";
import { parseDuration } from "./sleep.ts";

/**
 * The `flock` applet. Exit status: the command's; 1 (or `-E CODE`) when `-n` or `-w` gave
 * up; 64 on a usage error, 66 when FILE cannot be opened, 126/127 when the command cannot
 * run (util-linux's codes).
 *
 * @example
 * ```ts ignore
 * await flock(sys, ["flock", "-x", "/tmp/lock", "sh", "-c", "echo locked"]);
 * ```
 */
export const flock = applet({
  name: "flock",
  usage: "flock [-sxun] [-w SECS] [-E CODE] [-o] FILE|DIR CMD [ARG]...\n" +
    "  or:  flock [-sxun] [-w SECS] [-E CODE] [-o] FILE|DIR -c CMDLINE\n" +
    "  or:  flock [-sxun] [-w SECS] [-E CODE] FD\n\n" +
    "Manage file locks from shell scripts\n\n" +
    "\t-s\tGet a shared lock\n\t-x\tGet an exclusive lock (default)\n" +
    "\t-u\tRemove a lock from FD\n\t-n\tFail rather than wait\n" +
    "\t-w SECS\tWait for at most SECS seconds\n" +
    "\t-E CODE\tExit status when the lock cannot be taken (default 1)\n" +
    "\t-o\tClose the lock's descriptor before running CMD\n" +
    "\t-c CMD\tRun CMDLINE with sh -c",
  usageStatus: 64,
  spec: {
    flags: "sxeuno",
    withArg: "wEc",
    stopAtOperand: true,
    long: {
      shared: "s",
      exclusive: "x",
      unlock: "u",
      nonblock: "n",
      nb: "n",
      close: "o",
      "timeout=": "w",
      "wait=": "w",
      "conflict-exit-code=": "E",
      "command=": "c",
    },
  },
  async run(ctx, opts) {
    const [target, ...rest] = opts.operands;
    if (target === undefined) {
      await ctx.usageError("requires file path, directory path, or file descriptor");
      return 64;
    }
    const conflictCode = opts.has("E") ? Number(opts.get("E")) : 1;
    if (!Number.isInteger(conflictCode) || conflictCode < 0 || conflictCode > 255) {
      await ctx.usageError(`invalid exit code: '${opts.get("E")}'`);
      return 64;
    }
    let deadline = Infinity;
    if (opts.has("w")) {
      const secs = parseDuration(opts.get("w")!);
      if (secs === null) {
        await ctx.usageError(`invalid timeout value: '${opts.get("w")}'`);
        return 64;
      }
      deadline = performance.now() + secs * 1000;
    }
    let cmd: string[] = rest;
    if (opts.has("c")) cmd = ["sh", "-c", opts.get("c")!, ...rest];
    else if ((rest[0] === "-c" || rest[0] === "--command") && rest.length >= 2) {
      cmd = ["sh", "-c", rest[1]!, ...rest.slice(2)];
    }
    const sys = ctx.sys;
    let fd: number;
    let ownFd = false;
    if (cmd.length === 0 && /^\d+$/.test(target)) {
      fd = Number(target);
    } else {
      if (cmd.length === 0) {
        await ctx.usageError("requires file path, directory path, or file descriptor");
        return 64;
      }
      let r = await sys.openat(AT.FDCWD, target, O.RDONLY | O.NOCTTY | O.CREAT, 0o666);
      if (r === Errno.EISDIR) r = await sys.openat(AT.FDCWD, target, O.RDONLY | O.NOCTTY, 0);
      if (isErrno(r)) {
        await ctx.fail(`cannot open lock file ${target}`, r);
        return 66;
      }
      fd = r;
      ownFd = true;
    }
    let op: number = opts.has("u") ? LOCK.UN : opts.has("s") ? LOCK.SH : LOCK.EX;
    if (opts.has("n") || deadline !== Infinity) op |= LOCK.NB;
    for (;;) {
      const r = await sys.flock(fd, op);
      if (r === 0) break;
      if (r === Errno.EINTR) continue;
      if (r === Errno.EAGAIN && !opts.has("n") && performance.now() < deadline) {
        await sys.nanosleep({ sec: 0, nsec: 20_000_000 });
        continue;
      }
      if (r === Errno.EAGAIN) return conflictCode;
      await ctx.fail(`${target}`, r);
      return 1;
    }
    if (cmd.length === 0) return 0;
    // The command inherits the locked descriptor (it holds the lock too) unless -o.
    if (opts.has("o") && ownFd) sys.fcntl(fd, 2, 1);
    await ctx.out.flush();
    const run = await spawnAndWait(sys, { path: cmd[0]!, argv: cmd });
    if (!run.ok) {
      await ctx.fail(`failed to execute ${cmd[0]}`, run.errno);
      return run.errno === Errno.ENOENT ? 127 : 126;
    }
    return run.exitCode;
  },
});
