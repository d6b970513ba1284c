/**
 * The Berth shell: a POSIX `sh` for Dockerfile `RUN` lines, entrypoint scripts and
 * interactive use, written against the syscall API only.
 *
 * Register it with the userland's applet table: `import { sh } from "./sh/mod.ts"`.
 *
 * @module
 */
import type { BuiltinMain } from "../_builtin.ts";
import { sh as shMain } from "./main.ts";

/**
 * The `sh` applet.
 *
 * @example
 * ```ts ignore
 * import { sh } from "./mod.ts";
 * const kernel = new Kernel({ builtins: { sh } });
 * ```
 */
export const sh: BuiltinMain = shMain;

export type * from "./ast.ts";
export { evalArith } from "./arith.ts";
export type { ArithVars } from "./arith.ts";
export { parseScript, ScriptReader, ShellSyntaxError } from "./parser.ts";
export { matchPattern } from "./pattern.ts";
