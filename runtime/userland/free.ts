/**
 * `free [-bkmgh]`: memory use from `/proc/meminfo` (which shows the container's limit).
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";
import { readText } from "./_io.ts";
import { humanSize } from "./_format.ts";

/**
 * Parse `/proc/meminfo` into kB values.
 *
 * @param text File text.
 * @returns Field → kB.
 */
export function parseMeminfo(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split("\n")) {
    const r = /^(\w+(?:\(\w+\))?):\s+(\d+)/.exec(line);
    if (r) m.set(r[1]!, Number(r[2]));
  }
  return m;
}

/**
 * The `free` applet (procps layout).
 *
 * @example
 * ```ts ignore
 * await free(sys, ["free", "-m"]);
 * ```
 */
export const free = applet({
  name: "free",
  usage:
    "free [-bkmgh]\n\nDisplay free and used memory\n\n\t-b,-k,-m,-g\tIn bytes, kibibytes, mebibytes, gibibytes\n\t-h\tHuman readable",
  spec: {
    flags: "bkmght",
    long: { bytes: "b", kibi: "k", mebi: "m", gibi: "g", human: "h", total: "t" },
  },
  async run(ctx, opts) {
    const text = await readText(ctx.sys, "/proc/meminfo");
    if (isErrno(text)) {
      await ctx.fail("/proc/meminfo", text);
      return 1;
    }
    const mi = parseMeminfo(text);
    const kb = (k: string) => mi.get(k) ?? 0;
    const total = kb("MemTotal");
    const free = kb("MemFree");
    const buffers = kb("Buffers");
    const cache = kb("Cached") + kb("SReclaimable");
    const shared = kb("Shmem");
    const avail = mi.get("MemAvailable") ?? free + cache;
    const used = Math.max(0, total - free - buffers - cache);
    const swapT = kb("SwapTotal");
    const swapF = kb("SwapFree");
    const conv = (k: number): string => {
      if (opts.has("h")) {
        return humanSize(k * 1024).replace(/([KMGTPE])$/, "$1i").replace(/^(\d+)$/, "$1B");
      }
      if (opts.has("b")) return String(k * 1024);
      if (opts.has("m")) return String(Math.floor(k / 1024));
      if (opts.has("g")) return String(Math.floor(k / 1048576));
      return String(k);
    };
    const row = (label: string, vals: number[]) =>
      label.padEnd(8) + vals.map((v) => conv(v).padStart(12)).join("") + "\n";
    let out = "               total        used        free      shared  buff/cache   available\n";
    out += row("Mem:", [total, used, free, shared, buffers + cache, avail]);
    out += row("Swap:", [swapT, swapT - swapF, swapF]);
    if (opts.has("t")) out += row("Total:", [total + swapT, used + swapT - swapF, free + swapF]);
    await ctx.out.write(out);
    return 0;
  },
});
