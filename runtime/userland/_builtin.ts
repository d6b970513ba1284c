/**
 * The shape of a builtin program, until the kernel exports its own `BuiltinMain`
 * (then this file re-exports it).
 *
 * @module
 */
import type { Syscalls } from "../kernel/syscalls/api.ts";

/**
 * A builtin (BusyBox-style) program: runs with the system calls of its process and its
 * argv, resolves with its exit status (0..255).
 *
 * @example
 * ```ts ignore
 * const t: BuiltinMain = async () => 0;
 * ```
 */
export type BuiltinMain = (sys: Syscalls, argv: string[]) => Promise<number>;
