/**
 * `tail [-n N|+N] [-c N|+N] [-f] [-qv] [FILE]...`: print the last lines or bytes.
 *
 * @module
 */
import { type Errno, isErrno } from "../kernel/errno.ts";
import type { Syscalls } from "../kernel/syscalls/api.ts";
import { applet } from "./_applet.ts";
import type { Ctx } from "./_applet.ts";
import { openInput, readSome } from "./_io.ts";
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
      const r = fromStart
        ? await copyFrom(ctx, fd, n, bytesMode)
        : await lastPart(ctx.sys, fd, n, bytesMode);
      if (isErrno(r)) {
        await ctx.fail(`error reading '${f}'`, r);
        continue;
      }
      if (r) await ctx.out.write(r.subarray(tailStart(r, n, bytesMode, false)));
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

/**
 * Read `fd` to its end keeping only what the last `n` lines (or bytes) can be in: whole
 * read blocks are dropped from the front while the rest still holds `n` lines and the
 * newline before them, so `cat big.log | tail -n 5` holds a few blocks, not the input.
 *
 * @param sys System calls.
 * @param fd Input.
 * @param n Lines or bytes.
 * @param bytes Count bytes.
 * @returns The kept tail of the input (`tailStart` finds the exact start), or an errno.
 */
async function lastPart(
  sys: Syscalls,
  fd: number,
  n: number,
  bytes: boolean,
): Promise<Uint8Array | Errno> {
  const kept: { data: Uint8Array; lines: number }[] = [];
  let lines = 0;
  let size = 0;
  const buf = new Uint8Array(65536);
  for (;;) {
    const got = await readSome(sys, fd, buf);
    if (isErrno(got)) return got;
    if (got === 0) break;
    const data = buf.slice(0, got);
    let nl = 0;
    for (const b of data) if (b === 10) nl++;
    kept.push({ data, lines: nl });
    lines += nl;
    size += got;
    while (kept.length > 1) {
      const head = kept[0]!;
      const enough = bytes ? size - head.data.length >= n : lines - head.lines >= n + 1;
      if (!enough) break;
      kept.shift();
      lines -= head.lines;
      size -= head.data.length;
    }
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const k of kept) {
    out.set(k.data, at);
    at += k.data.length;
  }
  return out;
}

/**
 * `tail -n +N` / `-c +N`: skip to the Nth line (or byte) and copy the rest as it arrives.
 *
 * @param ctx Applet context.
 * @param fd Input.
 * @param n 1-based start.
 * @param bytes Count bytes.
 * @returns null once copied, or an errno.
 */
async function copyFrom(ctx: Ctx, fd: number, n: number, bytes: boolean): Promise<null | Errno> {
  let toSkip = Math.max(0, n - 1);
  const buf = new Uint8Array(65536);
  for (;;) {
    const got = await readSome(ctx.sys, fd, buf);
    if (isErrno(got)) return got;
    if (got === 0) return null;
    let start = 0;
    if (bytes) {
      start = Math.min(got, toSkip);
      toSkip -= start;
    } else {
      while (toSkip > 0 && start < got) if (buf[start++] === 10) toSkip--;
    }
    if (start < got) {
      await ctx.out.write(buf.slice(start, got));
      await ctx.out.flush();
    }
  }
}
