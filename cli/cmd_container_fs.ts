/**
 * Commands of this group arrive with the container engine; until then they say so.
 *
 * @module
 */
import type { ParsedArgs } from "./_args.ts";
import type { Context } from "./_context.ts";
import { ExitError } from "./_errors.ts";

function pending(name: string): (ctx: Context, args: ParsedArgs) => Promise<number> {
  return () =>
    Promise.reject(new ExitError(125, `berth: "${name}" is not available yet in this build`));
}

/** `berth commit` (not available yet). */
export const commit: (ctx: Context, args: ParsedArgs) => Promise<number> = pending("commit");
/** `berth cp` (not available yet). */
export const cp: (ctx: Context, args: ParsedArgs) => Promise<number> = pending("cp");
/** `berth diff` (not available yet). */
export const diff: (ctx: Context, args: ParsedArgs) => Promise<number> = pending("diff");
/** `berth exportContainer` (not available yet). */
export const exportContainer: (ctx: Context, args: ParsedArgs) => Promise<number> = pending(
  "exportContainer",
);
