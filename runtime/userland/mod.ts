/**
 * The Berth userland: BusyBox-style programs reached through `/bin/berthbox` by
 * `argv[0]`. The kernel is given {@link applets}; the base image links `/bin/<name>` for
 * every name in {@link appletNames}.
 *
 * @module
 */
import type { BuiltinMain } from "./_builtin.ts";
import { cat } from "./cat.ts";
import { chmod } from "./chmod.ts";
import { chgrp, chown } from "./chown.ts";
import { cp } from "./cp.ts";
import { echo } from "./echo.ts";
import { ln } from "./ln.ts";
import { ls } from "./ls.ts";
import { mkdir } from "./mkdir.ts";
import { mv } from "./mv.ts";
import { pwd } from "./pwd.ts";
import { rm } from "./rm.ts";
import { rmdir } from "./rmdir.ts";
import { touch } from "./touch.ts";
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
  chgrp,
  chmod,
  chown,
  cp,
  echo,
  false: falseMain,
  ln,
  ls,
  mkdir,
  mv,
  pwd,
  rm,
  rmdir,
  touch,
  true: trueMain,
};

/** The applet names, sorted (the base image makes `/bin/<name>` for each). */
export const appletNames: readonly string[] = Object.keys(applets).sort();
