/**
 * `uname [-asnrvmpio]` and `hostname [-s] [NAME]`.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";

/**
 * The `uname` applet.
 *
 * @example
 * ```ts ignore
 * await uname(sys, ["uname", "-a"]);
 * ```
 */
export const uname = applet({
  name: "uname",
  usage: "uname [-amnrspvio]\n\nPrint system information\n\n" +
    "\t-a\tPrint all\n\t-m\tMachine (hardware) type\n\t-n\tHostname\n\t-r\tKernel release\n\t-s\tKernel name (default)\n" +
    "\t-p\tProcessor type\n\t-v\tKernel version\n\t-i\tHardware platform\n\t-o\tOS name",
  spec: {
    flags: "asnrvmpio",
    long: {
      all: "a",
      "kernel-name": "s",
      nodename: "n",
      "kernel-release": "r",
      "kernel-version": "v",
      machine: "m",
      processor: "p",
      "hardware-platform": "i",
      "operating-system": "o",
    },
  },
  async run(ctx, opts) {
    const u = ctx.sys.uname();
    const all = opts.has("a");
    const parts: string[] = [];
    const want = (k: string) => all || opts.has(k);
    if (want("s") || (!all && !"snrvmpio".split("").some((k) => opts.has(k)))) {
      parts.push(u.sysname);
    }
    if (want("n")) parts.push(u.nodename);
    if (want("r")) parts.push(u.release);
    if (want("v")) parts.push(u.version);
    if (want("m")) parts.push(u.machine);
    if (opts.has("p")) parts.push("unknown");
    if (opts.has("i")) parts.push("unknown");
    if (want("o")) parts.push("GNU/Linux");
    await ctx.out.write(parts.join(" ") + "\n");
    return 0;
  },
});

/**
 * The `hostname` applet: print, or set (root in the UTS namespace).
 *
 * @example
 * ```ts ignore
 * await hostname(sys, ["hostname"]);
 * ```
 */
export const hostname = applet({
  name: "hostname",
  usage:
    "hostname [-s] [HOSTNAME]\n\nGet or set hostname or DNS domain name\n\n\t-s\tShort\n\t-d\tDNS domain name",
  spec: { flags: "sdf", long: { short: "s", domain: "d", fqdn: "f" } },
  async run(ctx, opts) {
    const name = opts.operands[0];
    if (name !== undefined) {
      const r = ctx.sys.sethostname(name);
      if (isErrno(r)) {
        await ctx.fail("sethostname", r);
        return 1;
      }
      return 0;
    }
    const n = ctx.sys.uname().nodename;
    if (opts.has("d")) {
      const i = n.indexOf(".");
      await ctx.out.write((i < 0 ? "" : n.slice(i + 1)) + "\n");
    } else await ctx.out.write((opts.has("s") ? n.split(".")[0] : n) + "\n");
    return 0;
  },
});
