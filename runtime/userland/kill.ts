/**
 * `kill [-s SIG | -SIG] PID...`, `kill -l [N]`, and `pkill`/`pgrep` (match process names
 * in the caller's PID namespace by extended regex).
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";
import { parseOpts } from "./_args.ts";
import { readNameDb } from "./_format.ts";
import { readProcs } from "./_proc.ts";
import { compileRegex, RegexError } from "./_regex.ts";
import { SIGNAL_NAMES, signalName, signalNumber } from "./_signals.ts";

/**
 * The `kill` applet (procps-ng messages).
 *
 * @example
 * ```ts ignore
 * await kill(sys, ["kill", "-TERM", "42"]);
 * ```
 */
export const kill = applet({
  name: "kill",
  usage:
    "kill [-s SIG | -SIG] PID...\n  kill -l [SIG]\n\nSend a signal (default: TERM) to given PIDs\n\n" +
    "\t-l\tList all signal names and numbers\n\t-s SIG\tSend signal SIG",
  raw: true,
  async run(ctx, opts) {
    const a = opts.operands;
    let sig = 15;
    let i = 0;
    if (a[0] === "-l" || a[0] === "-L" || a[0] === "--list") {
      if (a.length > 1) {
        for (const x of a.slice(1)) {
          const n = /^\d+$/.test(x) ? Number(x) & 0x7f : signalNumber(x);
          if (n === null || n === 0 || n > 64) {
            await ctx.error(`unknown signal name ${x}`);
            return 1;
          }
          await ctx.out.write(/^\d+$/.test(x) ? `${signalName(n)}\n` : `${n}\n`);
        }
        return 0;
      }
      let line = "";
      for (let n = 1; n < SIGNAL_NAMES.length; n++) {
        line += `${SIGNAL_NAMES[n]}${n % 16 === 0 ? "\n" : " "}`;
      }
      await ctx.out.write(line.trimEnd() + "\n");
      return 0;
    }
    if (a[0] === "-s" || a[0] === "-n" || a[0] === "--signal") {
      const s = a[1] === undefined ? null : signalNumber(a[1]);
      if (s === null) {
        await ctx.error(
          a[1] === undefined ? "option requires an argument -- 's'" : `unknown signal name ${a[1]}`,
        );
        return 1;
      }
      sig = s;
      i = 2;
    } else if (
      a[0] !== undefined && /^-[A-Za-z0-9+-]+$/.test(a[0]) &&
      !/^-\d+$/.test(a[1] === undefined ? "" : "x")
    ) {
      const s = signalNumber(a[0].slice(1));
      if (s === null) {
        await ctx.error(`unknown signal name ${a[0].slice(1)}`);
        return 1;
      }
      sig = s;
      i = 1;
    }
    if (a[i] === "--") i++;
    const targets = a.slice(i);
    if (targets.length === 0) {
      await ctx.usageError("not enough arguments");
      return 1;
    }
    for (const t of targets) {
      if (!/^-?\d+$/.test(t)) {
        await ctx.error(`failed to parse argument: '${t}'`);
        ctx.status = 1;
        continue;
      }
      const r = ctx.sys.kill(Number(t), sig);
      if (isErrno(r)) await ctx.fail(`(${t})`, r);
    }
    return ctx.status;
  },
});

async function matchProcs(
  ctx: Parameters<Parameters<typeof applet>[0]["run"]>[0],
  args: string[],
  isKill: boolean,
): Promise<
  {
    code: number;
    pids: { pid: number; comm: string; argv: string[] }[];
    sig: number;
    opts: Map<string, boolean>;
  }
> {
  let sig = 15;
  let rest = args;
  if (
    isKill && rest[0] && /^-[A-Za-z]+[0-9+-]*$|^-\d+$/.test(rest[0]) &&
    signalNumber(rest[0].slice(1)) !== null && !/^-[fxnolvacu]+$/.test(rest[0])
  ) {
    sig = signalNumber(rest[0].slice(1))!;
    rest = rest.slice(1);
  }
  const parsed = parseOpts(rest, {
    flags: "fxnolvacie",
    withArg: "usPgd",
    long: {
      full: "f",
      exact: "x",
      newest: "n",
      oldest: "o",
      "list-name": "l",
      inverse: "v",
      "list-full": "a",
      count: "c",
      "ignore-case": "i",
      echo: "e",
      "signal=": "s",
      "euid=": "u",
      "parent=": "P",
      "delimiter=": "d",
    },
  });
  const flags = new Map<string, boolean>();
  if ("error" in parsed) {
    await ctx.usageError(parsed.error);
    return { code: 2, pids: [], sig, opts: flags };
  }
  for (const k of "fxnolvacie") flags.set(k, parsed.has(k));
  if (parsed.has("s")) {
    const n = signalNumber(parsed.get("s")!);
    if (n === null) {
      await ctx.error(`Unknown signal "${parsed.get("s")}".`);
      return { code: 2, pids: [], sig, opts: flags };
    }
    sig = n;
  }
  const pattern = parsed.operands[0];
  if (pattern === undefined && !parsed.has("u") && !parsed.has("P")) {
    await ctx.error(
      "no matching criteria specified\nTry `" + ctx.prog + " --help' for more information.",
    );
    return { code: 2, pids: [], sig, opts: flags };
  }
  let re: RegExp | null = null;
  if (pattern !== undefined) {
    try {
      re = compileRegex(parsed.has("x") ? `^(${pattern})$` : pattern, {
        extended: true,
        ignoreCase: parsed.has("i"),
      });
    } catch (e) {
      if (!(e instanceof RegexError)) throw e;
      await ctx.error(`invalid regex: ${e.message}`);
      return { code: 2, pids: [], sig, opts: flags };
    }
  }
  const users = parsed.has("u") ? await readNameDb(ctx.sys, "passwd") : null;
  const uids = parsed.has("u")
    ? parsed.get("u")!.split(",").map((
      u,
    ) => (/^\d+$/.test(u) ? Number(u) : users!.byName.get(u) ?? -1))
    : null;
  const parents = parsed.has("P") ? parsed.get("P")!.split(",").map(Number) : null;
  const me = ctx.sys.getpid();
  let procs = (await readProcs(ctx.sys)).filter((p) => {
    if (p.pid === me) return false;
    let ok = true;
    if (re) ok = re.test(parsed.has("f") ? (p.argv.length ? p.argv.join(" ") : p.comm) : p.comm);
    if (uids) ok = ok && uids.includes(p.euid);
    if (parents) ok = ok && parents.includes(p.ppid);
    return parsed.has("v") ? !ok : ok;
  });
  if (parsed.has("n") && procs.length) {
    procs = [procs.reduce((a, b) => (b.start >= a.start ? b : a))];
  }
  if (parsed.has("o") && procs.length) {
    procs = [procs.reduce((a, b) => (b.start < a.start ? b : a))];
  }
  return { code: procs.length ? 0 : 1, pids: procs, sig, opts: flags };
}

/**
 * The `pgrep` applet.
 *
 * @example
 * ```ts ignore
 * await pgrep(sys, ["pgrep", "-l", "sleep"]);
 * ```
 */
export const pgrep = applet({
  name: "pgrep",
  usage:
    "pgrep [-flanovx] [-s SID|-P PPID|PATTERN]\n\nDisplay process(es) selected by regex PATTERN\n\n" +
    "\t-l\tShow command name too\n\t-a\tShow command line too\n\t-f\tMatch against entire command line\n" +
    "\t-n\tShow the newest process only\n\t-o\tShow the oldest process only\n\t-v\tNegate the match\n\t-x\tMatch whole name (not substring)\n\t-c\tCount",
  raw: true,
  async run(ctx, opts) {
    const r = await matchProcs(ctx, opts.operands, false);
    if (r.code === 2) return 2;
    if (r.opts.get("c")) {
      await ctx.out.write(`${r.pids.length}\n`);
      return r.code;
    }
    for (const p of r.pids) {
      const extra = r.opts.get("a")
        ? ` ${p.argv.join(" ") || p.comm}`
        : r.opts.get("l")
        ? ` ${p.comm}`
        : "";
      await ctx.out.write(`${p.pid}${extra}\n`);
    }
    return r.code;
  },
});

/**
 * The `pkill` applet (signals processes whose name matches, in this PID namespace).
 *
 * @example
 * ```ts ignore
 * await pkill(sys, ["pkill", "-KILL", "sleep"]);
 * ```
 */
export const pkill = applet({
  name: "pkill",
  usage:
    "pkill [-l|-SIGNAL] [-xfvnoe] [-s SID|-P PPID|PATTERN]\n\nSend a signal to process(es) selected by regex PATTERN\n\n" +
    "\t-SIGNAL\tSignal to send (default TERM)\n\t-f\tMatch against entire command line\n\t-x\tMatch whole name\n\t-n\tSignal the newest process only\n" +
    "\t-o\tSignal the oldest process only\n\t-v\tNegate the match\n\t-e\tDisplay what is killed",
  raw: true,
  async run(ctx, opts) {
    const r = await matchProcs(ctx, opts.operands, true);
    if (r.code === 2) return 2;
    let any = false;
    for (const p of r.pids) {
      const k = ctx.sys.kill(p.pid, r.sig);
      if (isErrno(k)) {
        await ctx.error(
          `killing pid ${p.pid} failed: ${
            k === -1 ? "Operation not permitted" : "No such process"
          }`,
        );
      } else {
        any = true;
        if (r.opts.get("e")) await ctx.out.write(`${p.comm} killed (pid ${p.pid})\n`);
      }
    }
    return any ? 0 : 1;
  },
});
