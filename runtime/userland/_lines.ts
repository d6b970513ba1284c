/**
 * Reading whole inputs as lines, for filters like sort, uniq, cut, tr, grep and sed.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import type { Ctx } from "./_applet.ts";
import { readFile } from "./_io.ts";

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
  for (const f of files.length ? files : ["-"]) {
    const data = await readFile(ctx.sys, f);
    if (isErrno(data)) {
      await ctx.fail(f, data, 2);
      continue;
    }
    const text = new TextDecoder().decode(data);
    const parts = text.split("\n");
    if (parts[parts.length - 1] === "") parts.pop();
    for (const p of parts) lines.push(p);
  }
  return lines;
}
