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

/** `berth build` (not available yet). */
export const build: (ctx: Context, args: ParsedArgs) => Promise<number> = pending("build");
/** `berth history` (not available yet). */
export const history: (ctx: Context, args: ParsedArgs) => Promise<number> = pending("history");
/** `berth images` (not available yet). */
export const images: (ctx: Context, args: ParsedArgs) => Promise<number> = pending("images");
/** `berth importImage` (not available yet). */
export const importImage: (ctx: Context, args: ParsedArgs) => Promise<number> = pending(
  "importImage",
);
/** `berth inspectImage` (not available yet). */
export const inspectImage: (ctx: Context, args: ParsedArgs) => Promise<number> = pending(
  "inspectImage",
);
/** `berth load` (not available yet). */
export const load: (ctx: Context, args: ParsedArgs) => Promise<number> = pending("load");
/** `berth prune` (not available yet). */
export const prune: (ctx: Context, args: ParsedArgs) => Promise<number> = pending("prune");
/** `berth rmi` (not available yet). */
export const rmi: (ctx: Context, args: ParsedArgs) => Promise<number> = pending("rmi");
/** `berth save` (not available yet). */
export const save: (ctx: Context, args: ParsedArgs) => Promise<number> = pending("save");
/** `berth tag` (not available yet). */
export const tag: (ctx: Context, args: ParsedArgs) => Promise<number> = pending("tag");
