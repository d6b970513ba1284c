/**
 * `tail [-n N|+N] [-c N|+N] [-f] [-qv] [FILE]...`: print the last lines or bytes.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";
import { openInput, readAll, readSome } from "./_io.ts";
import { parseCount } from "./_count.ts";

/**
 * The `tail` applet. `-f` keeps reading appended data (polling once a second) until
 * the process is killed.
 *
 * @example
 * ```ts ignore
 * await tail(sys, ["tail", "-n", "+2", "file"]);
 * ```
 */
export const tail = applet({
  name: "tail",
  usage:
    "tail [OPTIONS] [FILE]...\n\nPrint last 10 lines of FILEs (or stdin) to stdout.\nWith more than one FILE, precede each with a filename header.\n\n" +
    "\t-f\t\tPrint data as file grows\n\t-n N[kbm]\tPrint last N lines\n\t-n +N[kbm]\tStart on Nth line and print the rest\n" +
    "\t-c [+]N[kbm]\tPrint last N bytes\n\t-q\t\tNever print headers\n\t-v\t\tAlways print headers",
  spec: {
    flags: "qvfF",
    withArg: "ncs",
    numberOption: "n",
    long: { "lines=": "n", "bytes=": "c", quiet: "q", verbose: "v", follow: "f" },
  },
  async run(ctx, opts) {
    const bytesMode = opts.has("c");
    const spec = (bytesMode ? opts.get("c") : opts.get("n")) ?? "10";
    const fromStart = spec.startsWith("+");
    const n = parseCount(spec.replace(/^[+-]/, ""));
    if (n === null) {
      await ctx.error(`invalid number of ${bytesMode ? "bytes" : "lines"}: '${spec}'`);
      return 1;
    }
    const files = opts.operands.length ? opts.operands : ["-"];
    const headers = opts.has("v") || (files.length > 1 && !opts.has("q"));
    let first = true;
    let lastFd = -1;
    for (const f of files) {
      const fd = await openInput(ctx.sys, f);
      if (isErrno(fd)) {
        await ctx.fail(`cannot open '${f}' for reading`, fd);
        continue;
      }
      if (headers) {
        await ctx.out.write(`${first ? "" : "\n"}==> ${f === "-" ? "standard input" : f} <==\n`);
      }
      first = false;
      const data = await readAll(ctx.sys, fd);
      if (isErrno(data)) {
        await ctx.fail(`error reading '${f}'`, data);
        continue;
      }
      await ctx.out.write(data.subarray(tailStart(data, n, bytesMode, fromStart)));
      if (opts.has("f") && files.length === 1) lastFd = fd;
      else if (fd !== 0) ctx.sys.close(fd);
    }
    if (lastFd >= 0) {
      await ctx.out.flush();
      const buf = new Uint8Array(65536);
      for (;;) {
        const r = await readSome(ctx.sys, lastFd, buf);
        if (isErrno(r)) break;
        if (r > 0) {
          await ctx.out.write(buf.slice(0, r));
          await ctx.out.flush();
          continue;
        }
        const s = await ctx.sys.nanosleep({ sec: 1, nsec: 0 });
        if (isErrno(s)) break;
      }
    }
    return ctx.status;
  },
});

/**
 * Where the output of `tail` starts in `data`.
 *
 * @param data Whole input.
 * @param n Count.
 * @param bytes Count bytes instead of lines.
 * @param fromStart `+N`: start at the Nth line/byte (1-based).
 * @returns Start offset.
 */
export function tailStart(data: Uint8Array, n: number, bytes: boolean, fromStart: boolean): number {
  if (bytes) {
    return fromStart ? Math.min(data.length, Math.max(0, n - 1)) : Math.max(0, data.length - n);
  }
  if (fromStart) {
    let line = 1;
    let i = 0;
    while (line < n && i < data.length) if (data[i++] === 10) line++;
    return i;
  }
  if (n === 0) return data.length;
  let i = data.length - 1;
  if (i >= 0 && data[i] === 10) i--;
  let count = 0;
  for (; i >= 0; i--) if (data[i] === 10 && ++count === n) return i + 1;
  return 0;
}
