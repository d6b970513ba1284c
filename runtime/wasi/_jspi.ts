/**
 * Typed access to JavaScript Promise Integration (`WebAssembly.Suspending`,
 * `WebAssembly.promising`), which Deno 2.9 ships but its type library does not declare.
 *
 * @module
 */

// deno-lint-ignore no-explicit-any
type AnyFunction = (...args: any[]) => unknown;

interface Jspi {
  Suspending: new (fn: AnyFunction) => object;
  promising: (fn: AnyFunction) => (...args: unknown[]) => Promise<unknown>;
}

const jspi = WebAssembly as unknown as Partial<Jspi>;

/** Whether this engine supports JSPI. */
export const HAVE_JSPI: boolean = typeof jspi.Suspending === "function" &&
  typeof jspi.promising === "function";

/** Wrap an import so that a returned promise suspends the calling wasm stack. */
export function suspending(fn: AnyFunction): object {
  return new jspi.Suspending!(fn);
}

/** Wrap an exported wasm function as a promise-returning entry that can suspend. */
export function promising(fn: AnyFunction): (...args: unknown[]) => Promise<unknown> {
  return jspi.promising!(fn);
}
