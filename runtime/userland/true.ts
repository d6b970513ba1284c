/**
 * `true` and `false`: do nothing, successfully or not.
 *
 * @module
 */
import type { BuiltinMain } from "./_builtin.ts";

/**
 * `true`: exit 0.
 *
 * @example
 * ```ts ignore
 * await trueMain(sys, ["true"]); // 0
 * ```
 */
export const trueMain: BuiltinMain = () => Promise.resolve(0);

/**
 * `false`: exit 1.
 *
 * @example
 * ```ts ignore
 * await falseMain(sys, ["false"]); // 1
 * ```
 */
export const falseMain: BuiltinMain = () => Promise.resolve(1);
