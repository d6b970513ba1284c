/**
 * `du [-aschkmx] [-d N] [FILE]...` and `df [-hkTa] [FILE]...`: disk usage.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";
import type { Ctx } from "./_applet.ts";
import type { Opts } from "./_args.ts";
import { isDir, joinPath, listDir, lstat, stat } from "./_fs.ts";
import { humanSize } from "./_format.ts";
import { readText } from "./_io.ts";

function sizeText(opts: Opts, kb: number): string {
  if (opts.has("h")) return humanSize(kb * 1024);
  if (opts.has("m")) return String(Math.ceil(kb / 1024));
  return String(kb);
}

async function usage(
  ctx: Ctx,
  opts: Opts,
  path: string,
  depth: number,
  seen: Set<string>,
  dev: number,
): Promise<number> {
  const st = opts.has("L") ? stat(ctx.sys, path) : lstat(ctx.sys, path);
  if (isErrno(st)) {
    await ctx.fail(`cannot access '${path}'`, st);
    return 0;
  }
  if (opts.has("x") && dev >= 0 && st.dev !== dev) return 0;
  const key = `${st.dev}:${st.ino}`;
  if (st.nlink > 1 && !isDir(st.mode)) {
    if (seen.has(key)) return 0;
    seen.add(key);
  }
  let kb = Math.ceil(st.blocks / 2);
  const maxDepth = opts.has("s") ? 0 : opts.has("d") ? Number(opts.get("d")) : Infinity;
  if (isDir(st.mode)) {
    const list = await listDir(ctx.sys, path);
    if (isErrno(list)) await ctx.fail(`cannot read directory '${path}'`, list);
    else {for (const e of list) {
        kb += await usage(ctx, opts, joinPath(path, e.name), depth + 1, seen, st.dev);
      }}
    if (depth <= maxDepth) await ctx.out.write(`${sizeText(opts, kb)}\t${path}\n`);
  } else if ((opts.has("a") && depth <= maxDepth) || depth === 0) {
    await ctx.out.write(`${sizeText(opts, kb)}\t${path}\n`);
  }
  return kb;
}

/**
 * The `du` applet (1K blocks by default).
 *
 * @example
 * ```ts ignore
 * await du(sys, ["du", "-sh", "/usr"]);
 * ```
 */
export const du = applet({
  name: "du",
  usage: "du [-aHLdclsxhmk] [FILE]...\n\nSummarize disk space used for FILEs (or directories)\n\n" +
    "\t-a\tShow file sizes too\n\t-L\tFollow all symlinks\n\t-d N\tLimit output to directories (and files with -a) of depth < N\n" +
    "\t-c\tShow grand total\n\t-l\tCount sizes many times if hard linked\n\t-s\tDisplay only a total for each argument\n" +
    "\t-x\tSkip directories on different filesystems\n\t-h\tSizes in human readable format (e.g., 1K 243M 2G)\n\t-m\tSizes in megabytes\n\t-k\tSizes in kilobytes (default)",
  spec: {
    flags: "aHLclsxhmkb",
    withArg: "d",
    long: {
      all: "a",
      "max-depth=": "d",
      total: "c",
      summarize: "s",
      "one-file-system": "x",
      "human-readable": "h",
    },
  },
  async run(ctx, opts) {
    const seen = new Set<string>();
    let total = 0;
    for (const p of opts.operands.length ? opts.operands : ["."]) {
      total += await usage(ctx, opts, p, 0, seen, -1);
    }
    if (opts.has("c")) await ctx.out.write(`${sizeText(opts, total)}\ttotal\n`);
    return ctx.status;
  },
});

/**
 * The `df` applet: file systems from `/proc/mounts`, sizes from `statfs`.
 *
 * @example
 * ```ts ignore
 * await df(sys, ["df", "-h"]);
 * ```
 */
export const df = applet({
  name: "df",
  usage: "df [-PkmhTai] [FILESYSTEM]...\n\nPrint filesystem usage statistics\n\n" +
    "\t-P\tPOSIX output format\n\t-k\t1024-byte blocks (default)\n\t-m\t1M-byte blocks\n\t-h\tHuman readable (e.g. 1K 243M 2G)\n" +
    "\t-T\tPrint filesystem type\n\t-a\tShow all filesystems\n\t-i\tInodes",
  spec: {
    flags: "PkmhTaiH",
    long: { "human-readable": "h", "print-type": "T", all: "a", inodes: "i", portability: "P" },
  },
  async run(ctx, opts) {
    const mounts = await readText(ctx.sys, "/proc/mounts");
    let rows = isErrno(mounts)
      ? [{ src: "rootfs", point: "/", type: "?" }]
      : mounts.split("\n").filter(Boolean).map((l) => {
        const f = l.split(" ");
        return { src: f[0]!, point: f[1]!, type: f[2]! };
      });
    if (opts.operands.length) {
      const wanted: typeof rows = [];
      for (const o of opts.operands) {
        const st = stat(ctx.sys, o);
        if (isErrno(st)) {
          await ctx.fail(`${o}`, st);
          continue;
        }
        // The mount holding o: the longest mount point that is a prefix of its real path.
        let best = rows[0]!;
        const abs = o.startsWith("/") ? o : `${ctx.sys.getcwd()}/${o}`;
        for (const r of rows) {
          if (
            (abs === r.point || abs.startsWith(r.point.endsWith("/") ? r.point : r.point + "/")) &&
            r.point.length >= best.point.length
          ) best = r;
        }
        wanted.push(best);
      }
      rows = wanted;
    }
    const human = opts.has("h") || opts.has("H");
    const unit = opts.has("m") ? 1024 * 1024 : 1024;
    const head = opts.has("i")
      ? ["Filesystem", "Inodes", "IUsed", "IFree", "IUse%", "Mounted on"]
      : [
        "Filesystem",
        human ? "Size" : opts.has("m") ? "1M-blocks" : "1K-blocks",
        "Used",
        human ? "Avail" : "Available",
        human ? "Use%" : "Use%",
        "Mounted on",
      ];
    if (opts.has("T")) head.splice(1, 0, "Type");
    const table: string[][] = [head];
    for (const r of rows) {
      const s = ctx.sys.statfs(r.point);
      if (isErrno(s)) continue;
      if (!opts.has("a") && s.blocks === 0 && !opts.operands.length) continue;
      let cells: string[];
      if (opts.has("i")) {
        const used = s.files - s.ffree;
        cells = [
          r.src,
          String(s.files),
          String(used),
          String(s.ffree),
          s.files ? `${Math.ceil((used / s.files) * 100)}%` : "-",
          r.point,
        ];
      } else {
        const total = s.blocks * s.bsize;
        const used = (s.blocks - s.bfree) * s.bsize;
        const avail = s.bavail * s.bsize;
        const fmt = (b: number) => (human ? humanSize(b) : String(Math.ceil(b / unit)));
        const pct = used + avail > 0 ? `${Math.ceil((used / (used + avail)) * 100)}%` : "-";
        cells = [r.src, fmt(total), fmt(used), fmt(avail), pct, r.point];
      }
      if (opts.has("T")) cells.splice(1, 0, r.type);
      table.push(cells);
    }
    const widths = head.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
    let out = "";
    for (const row of table) {
      out += row.map((c, i) => (i === row.length - 1
        ? c
        : i === 0 || (opts.has("T") && i === 1)
        ? c.padEnd(widths[i]!)
        : c.padStart(widths[i]!))
      ).join(" ") + "\n";
    }
    await ctx.out.write(out);
    return ctx.status;
  },
});
