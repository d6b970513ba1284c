/**
 * `nproc [--all] [--ignore=N]`: processors available, following the cgroup's `cpu.max`
 * (as `nproc` in a CPU-limited container reports what it may use) and `/proc/cpuinfo`.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import type { Syscalls } from "../kernel/syscalls/api.ts";
import { applet } from "./_applet.ts";
import { readText } from "./_io.ts";

/**
 * Processors in `/proc/cpuinfo` (1 when unreadable).
 *
 * @param sys System calls.
 * @returns The count.
 */
export async function cpuinfoCount(sys: Syscalls): Promise<number> {
  const text = await readText(sys, "/proc/cpuinfo");
  if (isErrno(text)) return 1;
  return Math.max(1, text.split("\n").filter((l) => /^processor\s*:/.test(l)).length);
}

/**
 * CPUs allowed by `/sys/fs/cgroup/cpu.max` (`QUOTA PERIOD` → ceil(quota/period)), or null
 * when unlimited or unreadable.
 *
 * @param sys System calls.
 * @returns The limit or null.
 */
export async function cpuMaxLimit(sys: Syscalls): Promise<number | null> {
  const text = await readText(sys, "/sys/fs/cgroup/cpu.max");
  if (isErrno(text)) return null;
  const [q, p] = text.trim().split(/\s+/);
  if (!q || q === "max") return null;
  const quota = Number(q);
  const period = Number(p ?? 100000);
  if (!(quota > 0) || !(period > 0)) return null;
  return Math.max(1, Math.ceil(quota / period));
}

/**
 * The `nproc` applet.
 *
 * @example
 * ```ts ignore
 * await nproc(sys, ["nproc"]);
 * ```
 */
export const nproc = applet({
  name: "nproc",
  usage:
    "nproc [--all] [--ignore=N]\n\nPrint number of available CPUs\n\n\t--all\t\tNumber of installed CPUs\n\t--ignore=N\tExclude N CPUs",
  spec: { long: { all: "a", "ignore=": "i" } },
  async run(ctx, opts) {
    let n = await cpuinfoCount(ctx.sys);
    if (!opts.has("a")) {
      const lim = await cpuMaxLimit(ctx.sys);
      if (lim !== null) n = Math.min(n, lim);
    }
    const ign = Number(opts.get("i") ?? 0);
    if (!Number.isInteger(ign) || ign < 0) {
      await ctx.error(`invalid number: '${opts.get("i")}'`);
      return 1;
    }
    await ctx.out.write(`${Math.max(1, n - ign)}\n`);
    return 0;
  },
});
