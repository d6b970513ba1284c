/**
 * The shape of a builtin program, as the kernel defines it (`runtime/kernel/executor.ts`).
 *
 * @module
 */
export type { BuiltinMain } from "../kernel/executor.ts";
