/**
 * The Berth userland: BusyBox-style programs reached through `/bin/berthbox` by
 * `argv[0]`. The kernel is given {@link applets}; the base image links `/bin/<name>` for
 * every name in {@link appletNames}.
 *
 * @module
 */
import type { BuiltinMain } from "./_builtin.ts";
import { cat } from "./cat.ts";
import { echo } from "./echo.ts";
import { pwd } from "./pwd.ts";
import { falseMain, trueMain } from "./true.ts";

export type { BuiltinMain } from "./_builtin.ts";

/**
 * Every applet by name.
 *
 * @example
 * ```ts ignore
 * import { applets } from "./mod.ts";
 * const kernel = new Kernel({ builtins: new Map(Object.entries(applets)) });
 * ```
 */
export const applets: Record<string, BuiltinMain> = {
  cat,
  echo,
  false: falseMain,
  pwd,
  true: trueMain,
};

/** The applet names, sorted (the base image makes `/bin/<name>` for each). */
export const appletNames: readonly string[] = Object.keys(applets).sort();
