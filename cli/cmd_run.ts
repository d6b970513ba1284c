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

/** `berth attach` (not available yet). */
export const attach: (ctx: Context, args: ParsedArgs) => Promise<number> = pending("attach");
/** `berth create` (not available yet). */
export const create: (ctx: Context, args: ParsedArgs) => Promise<number> = pending("create");
/** `berth exec` (not available yet). */
export const exec: (ctx: Context, args: ParsedArgs) => Promise<number> = pending("exec");
/** `berth run` (not available yet). */
export const run: (ctx: Context, args: ParsedArgs) => Promise<number> = pending("run");
/** `berth start` (not available yet). */
export const start: (ctx: Context, args: ParsedArgs) => Promise<number> = pending("start");
