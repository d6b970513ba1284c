/**
 * Inputs as lines: whole (for filters that need all of it, like sort and tac), or one line
 * at a time as it arrives (for the ones that do not, like cut and uniq).
 *
 * @module
 */
import { Errno, isErrno } from "../kernel/errno.ts";
import type { Ctx } from "./_applet.ts";
import { LineReader, openInput, readFile } from "./_io.ts";
import { HeapMeter } from "./_heap.ts";

/**
 * The lines of every input (`-` = stdin) concatenated; unreadable inputs are reported
 * as `prog: NAME: error` and skipped.
 *
 * @param ctx Applet context.
 * @param files Operands (empty = stdin).
 * @returns Lines without their newlines.
 */
export async function readLines(ctx: Ctx, files: string[]): Promise<string[]> {
  const lines: string[] = [];
  // The lines are kept until the filter ends: declared to the kernel as they are read, so
  // `yes | sort` in a container stops at its memory.max (see _heap.ts).
  const heap = new HeapMeter(ctx.sys);
  for (const f of files.length ? files : ["-"]) {
    const data = await readFile(ctx.sys, f, heap);
    if (isErrno(data)) {
      await ctx.fail(f, data, 2);
      continue;
    }
    const text = new TextDecoder().decode(data);
    const parts = text.split("\n");
    if (parts[parts.length - 1] === "") parts.pop();
    // Each line is a string of its own and a slot of the array: ~32 bytes more.
    if (!heap.hold(parts.length * 32)) {
      await ctx.fail(f, Errno.ENOMEM, 2);
      continue;
    }
    for (const p of parts) lines.push(p);
  }
  return lines;
}

/**
 * Call `onLine` for each line of every input (`-` = stdin) as it arrives, and write what it
 * returns to stdout, before each wait for more input: `tail -f log | cut -f1` prints as lines
 * come, `yes | cut -c1 | head -n 1` ends, and memory stays at one read. Unreadable inputs
 * are reported as `prog: NAME: error` (exit status 2) and skipped.
 *
 * @param ctx Applet context.
 * @param files Operands (empty = stdin).
 * @param onLine The text to write for a line (without its newline), "" for none.
 * @example
 * ```ts ignore
 * await forEachLine(ctx, opts.operands, (line) => line.toUpperCase() + "\n");
 * ```
 */
export async function forEachLine(
  ctx: Ctx,
  files: string[],
  onLine: (line: string) => string,
): Promise<void> {
  for (const f of files.length ? files : ["-"]) {
    const fd = await openInput(ctx.sys, f);
    if (isErrno(fd)) {
      await ctx.fail(f, fd, 2);
      continue;
    }
    const reader = new LineReader(ctx.sys, fd);
    let out = "";
    const emit = async () => {
      if (out === "") return;
      await ctx.out.write(out);
      await ctx.out.flush();
      out = "";
    };
    try {
      for (;;) {
        const line = reader.nextBuffered() ?? await reader.next(emit);
        if (line === null) break;
        out += onLine(line);
        if (out.length > 65536) {
          await ctx.out.write(out);
          out = "";
        }
      }
      if (out !== "") await ctx.out.write(out);
      if (reader.error) await ctx.fail(f, reader.error, 2);
    } finally {
      if (fd !== 0) ctx.sys.close(fd);
    }
  }
}
