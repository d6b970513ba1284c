/**
 * `head [-n N] [-c N] [-qv] [FILE]...`: print the first lines or bytes.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";
import { openInput, readAll, readSome } from "./_io.ts";
import { parseCount } from "./_count.ts";
import { tailStart } from "./tail.ts";

/**
 * The `head` applet (`-n -N` prints all but the last N lines).
 *
 * @example
 * ```ts ignore
 * await head(sys, ["head", "-n", "5", "/etc/passwd"]);
 * ```
 */
export const head = applet({
  name: "head",
  usage:
    "head [OPTIONS] [FILE]...\n\nPrint first 10 lines of FILEs (or stdin) to stdout.\nWith more than one FILE, precede each with a filename header.\n\n" +
    "\t-n N[kbm]\tPrint first N lines\n\t-n -N[kbm]\tPrint all except N last lines\n\t-c [-]N[kbm]\tPrint first N bytes\n" +
    "\t-q\t\tNever print headers\n\t-v\t\tAlways print headers",
  spec: {
    flags: "qv",
    withArg: "nc",
    numberOption: "n",
    long: { "lines=": "n", "bytes=": "c", quiet: "q", silent: "q", verbose: "v" },
  },
  async run(ctx, opts) {
    const bytesMode = opts.has("c");
    const spec = (bytesMode ? opts.get("c") : opts.get("n")) ?? "10";
    const allBut = spec.startsWith("-");
    const n = parseCount(allBut ? spec.slice(1) : spec);
    if (n === null) {
      await ctx.error(`invalid number of ${bytesMode ? "bytes" : "lines"}: '${spec}'`);
      return 1;
    }
    const files = opts.operands.length ? opts.operands : ["-"];
    const headers = opts.has("v") || (files.length > 1 && !opts.has("q"));
    let first = true;
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
      if (allBut) {
        const data = await readAll(ctx.sys, fd);
        if (!isErrno(data)) {
          if (bytesMode) await ctx.out.write(data.subarray(0, Math.max(0, data.length - n)));
          else await ctx.out.write(data.subarray(0, tailStart(data, n, false, false)));
        }
      } else {
        let left = n;
        const buf = new Uint8Array(65536);
        while (left > 0) {
          const r = await readSome(ctx.sys, fd, buf);
          if (isErrno(r) || r === 0) break;
          if (bytesMode) {
            const take = Math.min(left, r);
            await ctx.out.write(buf.slice(0, take));
            left -= take;
            continue;
          }
          let i = 0;
          for (; i < r && left > 0; i++) if (buf[i] === 10) left--;
          await ctx.out.write(buf.slice(0, i));
        }
      }
      if (fd !== 0) ctx.sys.close(fd);
    }
    return ctx.status;
  },
});
