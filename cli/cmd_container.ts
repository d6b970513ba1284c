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

/** `berth inspectAny` (not available yet). */
export const inspectAny: (ctx: Context, args: ParsedArgs) => Promise<number> = pending(
  "inspectAny",
);
/** `berth inspectContainer` (not available yet). */
export const inspectContainer: (ctx: Context, args: ParsedArgs) => Promise<number> = pending(
  "inspectContainer",
);
/** `berth kill` (not available yet). */
export const kill: (ctx: Context, args: ParsedArgs) => Promise<number> = pending("kill");
/** `berth logs` (not available yet). */
export const logs: (ctx: Context, args: ParsedArgs) => Promise<number> = pending("logs");
/** `berth pause` (not available yet). */
export const pause: (ctx: Context, args: ParsedArgs) => Promise<number> = pending("pause");
/** `berth port` (not available yet). */
export const port: (ctx: Context, args: ParsedArgs) => Promise<number> = pending("port");
/** `berth prune` (not available yet). */
export const prune: (ctx: Context, args: ParsedArgs) => Promise<number> = pending("prune");
/** `berth ps` (not available yet). */
export const ps: (ctx: Context, args: ParsedArgs) => Promise<number> = pending("ps");
/** `berth rename` (not available yet). */
export const rename: (ctx: Context, args: ParsedArgs) => Promise<number> = pending("rename");
/** `berth restart` (not available yet). */
export const restart: (ctx: Context, args: ParsedArgs) => Promise<number> = pending("restart");
/** `berth rm` (not available yet). */
export const rm: (ctx: Context, args: ParsedArgs) => Promise<number> = pending("rm");
/** `berth stats` (not available yet). */
export const stats: (ctx: Context, args: ParsedArgs) => Promise<number> = pending("stats");
/** `berth stop` (not available yet). */
export const stop: (ctx: Context, args: ParsedArgs) => Promise<number> = pending("stop");
/** `berth top` (not available yet). */
export const top: (ctx: Context, args: ParsedArgs) => Promise<number> = pending("top");
/** `berth unpause` (not available yet). */
export const unpause: (ctx: Context, args: ParsedArgs) => Promise<number> = pending("unpause");
/** `berth update` (not available yet). */
export const update: (ctx: Context, args: ParsedArgs) => Promise<number> = pending("update");
/** `berth wait` (not available yet). */
export const wait: (ctx: Context, args: ParsedArgs) => Promise<number> = pending("wait");
