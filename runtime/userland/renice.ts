/**
 * `renice [-n] PRIORITY [[-p] PID...] [[-g] PGRP...] [[-u] USER...]`: set the nice value
 * of running processes, as util-linux's renice (its messages and exit status).
 *
 * @module
 */
import { isErrno, strerror } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";
import { readNameDb } from "./_format.ts";

const WHICH = { p: 0, g: 1, u: 2 } as const;
const LABEL = ["process ID", "process group ID", "user ID"];

/**
 * `renice`. Each target prints `ID (process ID) old priority A, new priority B`.
 *
 * @example
 * ```ts ignore
 * await renice(sys, ["renice", "-n", "5", "-p", "42"]);
 * ```
 */
export const renice = applet({
  name: "renice",
  usage: "renice [-n] PRIORITY [[-p] PID...] [[-g] PGRP...] [[-u] USER...]\n\n" +
    "Alter the priority of running processes\n\n\t-n PRIORITY\tThe new nice value\n" +
    "\t-p\tInterpret the following arguments as process IDs (the default)\n" +
    "\t-g\tInterpret the following arguments as process group IDs\n" +
    "\t-u\tInterpret the following arguments as user names or IDs",
  raw: true,
  async run(ctx, opts) {
    const args = [...opts.operands];
    if (args[0] === "-n") args.shift();
    const prioText = args.shift();
    if (prioText === undefined || !/^[-+]?\d+$/.test(prioText)) {
      await ctx.usageError(
        prioText === undefined ? "missing priority" : `invalid priority '${prioText}'`,
      );
      return 1;
    }
    const prio = Number(prioText);
    let which: number = WHICH.p;
    let any = false;
    const users = args.some((a) => a === "-u") ? await readNameDb(ctx.sys, "passwd") : undefined;
    for (const a of args) {
      if (a === "-p" || a === "-g" || a === "-u") {
        which = WHICH[a[1] as "p" | "g" | "u"];
        continue;
      }
      any = true;
      const who = which === WHICH.u && !/^\d+$/.test(a) ? users?.byName.get(a) : Number(a);
      if (who === undefined || !Number.isInteger(who) || who < 0) {
        await ctx.error(`unknown ${which === WHICH.u ? "user" : "ID"} ${a}`);
        ctx.status = 1;
        continue;
      }
      const old = ctx.sys.getpriority(which, who);
      if (isErrno(old)) {
        await ctx.error(`failed to get priority for ${a} (${LABEL[which]}): ${strerror(old)}`);
        ctx.status = 1;
        continue;
      }
      const r = ctx.sys.setpriority(which, who, prio);
      if (isErrno(r)) {
        await ctx.error(`failed to set priority for ${a} (${LABEL[which]}): ${strerror(r)}`);
        ctx.status = 1;
        continue;
      }
      const now = ctx.sys.getpriority(which, who);
      await ctx.out.write(
        `${a} (${LABEL[which]}) old priority ${20 - old}, new priority ${
          isErrno(now) ? prio : 20 - now
        }\n`,
      );
    }
    if (!any) {
      await ctx.usageError("missing process ID");
      return 1;
    }
    return ctx.status;
  },
});
