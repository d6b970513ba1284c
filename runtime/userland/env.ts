/**
 * `env [-i] [-u NAME] [-C DIR] [NAME=VALUE]... [COMMAND [ARG]...]`: run a program in a
 * modified environment, or print the environment.
 *
 * @module
 */
import { Errno, isErrno } from "../kernel/errno.ts";
import { findInPath } from "./_exec.ts";
import { applet } from "./_applet.ts";

/**
 * The `env` applet. With a command it `execve`s it (so `env` leaves no process behind);
 * a command that cannot run exits 127 (not found) or 126.
 *
 * @example
 * ```ts ignore
 * await env(sys, ["env", "-i", "FOO=1", "sh", "-c", "echo $FOO"]);
 * ```
 */
export const env = applet({
  name: "env",
  usage:
    "env [-i0] [-u NAME] [-C DIR] [-] [NAME=VALUE]... [PROG ARGS]\n\nPrint current environment or run PROG after setting up environment\n\n" +
    "\t-, -i\tStart with empty environment\n\t-0\tNUL terminated output\n\t-u NAME\tRemove variable from environment\n\t-C DIR\tChange working directory",
  spec: {
    flags: "i0",
    withArg: "uC",
    stopAtOperand: true,
    long: { "ignore-environment": "i", null: "0", "unset=": "u", "chdir=": "C" },
  },
  async run(ctx, opts) {
    let ops = opts.operands;
    let vars = opts.has("i") ? [] : ctx.sys.environ();
    if (ops[0] === "-") {
      vars = [];
      ops = ops.slice(1);
    }
    for (const u of opts.all("u")) vars = vars.filter((v) => !v.startsWith(`${u}=`));
    let i = 0;
    for (; i < ops.length && ops[i]!.includes("=") && !ops[i]!.startsWith("="); i++) {
      const name = ops[i]!.slice(0, ops[i]!.indexOf("="));
      vars = vars.filter((v) => !v.startsWith(`${name}=`));
      vars.push(ops[i]!);
    }
    const cmd = ops.slice(i);
    const dir = opts.get("C");
    if (dir !== undefined) {
      const r = ctx.sys.chdir(dir);
      if (r < 0) {
        await ctx.fail(`cannot change directory to '${dir}'`, r, 125);
        return 125;
      }
    }
    if (cmd.length === 0) {
      const end = opts.has("0") ? "\0" : "\n";
      await ctx.out.write(vars.map((v) => v + end).join(""));
      return 0;
    }
    await ctx.out.flush();
    const path = findInPath(ctx.sys, cmd[0]!, vars);
    const err = isErrno(path) ? path : await ctx.sys.execve(path, cmd, vars);
    await ctx.fail(`'${cmd[0]}'`, err);
    return err === Errno.ENOENT ? 127 : 126;
  },
});
