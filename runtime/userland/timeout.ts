/**
 * `timeout [-s SIG] [-k DURATION] [--preserve-status] DURATION COMMAND [ARG]...` and
 * `nice [-n N] [COMMAND [ARG]...]`.
 *
 * @module
 */
import { Errno, isErrno } from "../kernel/errno.ts";
import { W } from "../kernel/syscalls/api.ts";
import type { Syscalls } from "../kernel/syscalls/api.ts";
import { applet } from "./_applet.ts";
import { spawnAndWait } from "./_exec.ts";
import { signalNumber } from "./_signals.ts";
import { parseDuration } from "./sleep.ts";

/** `PRIO_PROCESS` of `getpriority`/`setpriority`. */
const PRIO_PROCESS = 0;

async function waitPid(
  sys: Syscalls,
  pid: number,
): Promise<{ pid: number; status: number } | Errno> {
  for (;;) {
    const r = await sys.wait4(pid, 0);
    if (r === Errno.EINTR) continue;
    return isErrno(r) ? r : { pid: r.pid, status: r.status };
  }
}

const exitOf = (
  status: number,
) => (W.IFSIGNALED(status) ? 128 + W.TERMSIG(status) : W.EXITSTATUS(status));

/**
 * The `timeout` applet. The deadline is kept by a watchdog child (`sleep`), so the only
 * blocking call is `wait4(-1)`: whichever child ends first decides. Exit 124 on timeout
 * (or the command's status with `--preserve-status`), 125 on timeout's own failure,
 * 126/127 when the command cannot run.
 *
 * @example
 * ```ts ignore
 * await timeout(sys, ["timeout", "0.5", "sleep", "10"]);
 * ```
 */
export const timeout = applet({
  name: "timeout",
  usage:
    "timeout [-s SIG] [-k KILL_SECS] [--preserve-status] SECS PROG ARGS\n\nRun PROG. Send SIG to it if it is not gone in SECS seconds.\n" +
    "Default SIG: TERM. If it still exists in KILL_SECS seconds, send KILL.\n",
  spec: {
    flags: "fv",
    withArg: "sk",
    stopAtOperand: true,
    long: {
      "signal=": "s",
      "kill-after=": "k",
      "preserve-status": "p",
      foreground: "f",
      verbose: "v",
    },
  },
  async run(ctx, opts) {
    const [dur, ...cmd] = opts.operands;
    if (dur === undefined || cmd.length === 0) {
      await ctx.usageError(
        dur === undefined ? "missing operand" : `missing operand after '${dur}'`,
      );
      return 125;
    }
    const secs = parseDuration(dur);
    if (secs === null) {
      await ctx.usageError(`invalid time interval '${dur}'`);
      return 125;
    }
    const sig = opts.has("s") ? signalNumber(opts.get("s")!) : 15;
    if (sig === null) {
      await ctx.error(`${opts.get("s")}: invalid signal`);
      return 125;
    }
    const killAfter = opts.has("k") ? parseDuration(opts.get("k")!) : null;
    await ctx.out.flush();
    const child = await ctx.sys.spawn({ path: cmd[0]!, argv: cmd });
    if (isErrno(child)) {
      await ctx.fail(`failed to run command '${cmd[0]}'`, child);
      return child === Errno.ENOENT ? 127 : 126;
    }
    if (secs === 0 || secs === Infinity) {
      const r = await waitPid(ctx.sys, child);
      return isErrno(r) ? 125 : exitOf(r.status);
    }
    const dog = await ctx.sys.spawn({
      path: "sleep",
      argv: ["sleep", String(secs)],
      fileActions: [],
    });
    if (isErrno(dog)) {
      await ctx.fail("cannot start the timer", dog);
      ctx.sys.kill(child, 9);
      return 125;
    }
    for (;;) {
      const r = await ctx.sys.wait4(-1, 0);
      if (r === Errno.EINTR) continue;
      if (isErrno(r)) return 125;
      if (r.pid === child) {
        ctx.sys.kill(dog, 9);
        await waitPid(ctx.sys, dog);
        return exitOf(r.status);
      }
      if (r.pid === dog) break;
    }
    if (opts.has("v")) {
      await ctx.error(`sending signal ${opts.get("s") ?? "TERM"} to command '${cmd[0]}'`);
    }
    ctx.sys.kill(child, sig);
    let final: { pid: number; status: number } | Errno;
    if (killAfter !== null) {
      const dog2 = await ctx.sys.spawn({ path: "sleep", argv: ["sleep", String(killAfter)] });
      for (;;) {
        const r = await ctx.sys.wait4(-1, 0);
        if (r === Errno.EINTR) continue;
        if (isErrno(r)) return 125;
        if (r.pid === child) {
          if (!isErrno(dog2)) {
            ctx.sys.kill(dog2, 9);
            await waitPid(ctx.sys, dog2);
          }
          final = { pid: r.pid, status: r.status };
          break;
        }
        if (!isErrno(dog2) && r.pid === dog2) {
          ctx.sys.kill(child, 9);
          final = await waitPid(ctx.sys, child);
          if (!isErrno(final) && !opts.has("p")) return 137;
          break;
        }
      }
    } else final = await waitPid(ctx.sys, child);
    if (isErrno(final)) return 125;
    return opts.has("p") ? exitOf(final.status) : 124;
  },
});

/**
 * The `nice` applet. The syscall table has no `setpriority`, so the niceness cannot be
 * changed: like GNU nice when it is refused, it warns and runs the command anyway.
 * Without a command it prints the current niceness (0).
 *
 * @example
 * ```ts ignore
 * await nice(sys, ["nice", "-n", "10", "make"]);
 * ```
 */
export const nice = applet({
  name: "nice",
  usage:
    "nice [-n ADJUST] [PROG ARGS]\n\nChange scheduling priority, run PROG\n\n\t-n ADJUST\tAdjust priority by ADJUST (default 10)",
  spec: { withArg: "n", stopAtOperand: true, numberOption: "n", long: { "adjustment=": "n" } },
  async run(ctx, opts) {
    const adj = opts.get("n");
    if (adj !== undefined && !/^[-+]?\d+$/.test(adj)) {
      await ctx.error(`invalid adjustment '${adj}'`);
      return 125;
    }
    const cur = ctx.sys.getpriority(PRIO_PROCESS, 0);
    const now = isErrno(cur) ? 0 : 20 - cur;
    if (opts.operands.length === 0) {
      await ctx.out.write(`${now}\n`);
      return 0;
    }
    // The command inherits the new value; refused (a lower value needs root), it still
    // runs, as coreutils does.
    const set = ctx.sys.setpriority(PRIO_PROCESS, 0, now + Number(adj ?? 10));
    if (isErrno(set)) await ctx.fail("cannot set niceness", set);
    await ctx.out.flush();
    const r = await spawnAndWait(ctx.sys, { path: opts.operands[0]!, argv: opts.operands });
    if (!r.ok) {
      await ctx.fail(`'${opts.operands[0]}'`, r.errno);
      return r.errno === Errno.ENOENT ? 127 : 126;
    }
    return r.exitCode;
  },
});
