/**
 * Reading whole inputs as lines, for filters like sort, uniq, cut, tr, grep and sed.
 *
 * @module
 */
import { Errno, isErrno } from "../kernel/errno.ts";
import type { Ctx } from "./_applet.ts";
import { readFile } from "./_io.ts";
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
