/**
 * Declaring the memory a builtin keeps. A builtin's data lives in the daemon's JS heap,
 * where the kernel cannot see it, so builtins that hold input (whole-input filters, the
 * shell's variables) declare it with `sbrk`: it is charged to the process's memory cgroup,
 * and `memory.max` then bounds it as it bounds a native program (the OOM killer runs, exit
 * 137). Declarations go in 64 KiB steps, so small growth costs no system call.
 *
 * @module
 */
import type { Syscalls } from "../kernel/syscalls/api.ts";

/** The declaration step. */
const STEP = 64 * 1024;

/**
 * Characters of text below which a builtin declares none of it (a shell variable's value,
 * what a sed script holds): small text is cheap to hold and costly to count at every change.
 */
export const COUNTED_FROM = 16 * 1024;

/**
 * The bytes a string holds at most: two a character, as V8 keeps a string with any
 * character past U+00FF (one a character otherwise; telling them apart would read it).
 *
 * @param text The string.
 * @returns Bytes.
 * @example
 * ```ts
 * import { textBytes } from "./_heap.ts";
 * console.assert(textBytes("abc") === 6);
 * ```
 */
export function textBytes(text: string): number {
  return charBytes(text.length);
}

/**
 * The bytes `chars` characters of strings hold at most (see {@link textBytes}).
 *
 * @param chars Characters.
 * @returns Bytes.
 * @example
 * ```ts
 * import { charBytes } from "./_heap.ts";
 * console.assert(charBytes(3) === 6);
 * ```
 */
export function charBytes(chars: number): number {
  return chars * 2;
}

/**
 * What one builtin declares it holds.
 *
 * @example
 * ```ts ignore
 * const heap = new HeapMeter(sys);
 * if (!heap.hold(chunk.length)) return Errno.ENOMEM;
 * heap.release(chunk.length);
 * ```
 */
export class HeapMeter {
  readonly #sys: Syscalls;
  #held = 0;
  #declared = 0;

  /**
   * Create it.
   *
   * @param sys The builtin's system calls.
   */
  constructor(sys: Syscalls) {
    this.#sys = sys;
  }

  /** Bytes held. */
  get held(): number {
    return this.#held;
  }

  /**
   * The builtin now holds `bytes` more.
   *
   * @param bytes Bytes.
   * @returns False when the kernel refused (`ENOMEM`); a caller that is the OOM killer's
   *   victim does not get here, it is killed at the call.
   */
  hold(bytes: number): boolean {
    const want = this.#held + bytes;
    if (want > this.#declared) {
      const step = Math.ceil((want - this.#declared) / STEP) * STEP;
      if (this.#sys.sbrk(step) < 0) return false;
      this.#declared += step;
    }
    this.#held = want;
    return true;
  }

  /**
   * The builtin let go of `bytes`. Declared memory more than 4 steps above what is held is
   * given back.
   *
   * @param bytes Bytes.
   */
  release(bytes: number): void {
    this.#held = Math.max(0, this.#held - bytes);
    const spare = this.#declared - Math.ceil(this.#held / STEP) * STEP;
    if (spare >= 4 * STEP) {
      this.#sys.sbrk(-spare);
      this.#declared -= spare;
    }
  }

  /** Give back everything declared (the builtin dropped what it held). */
  close(): void {
    if (this.#declared > 0) this.#sys.sbrk(-this.#declared);
    this.#declared = 0;
    this.#held = 0;
  }

  /**
   * Make what is held `bytes` (a recount).
   *
   * @param bytes Bytes held now.
   * @returns False when the kernel refused the growth.
   */
  set(bytes: number): boolean {
    if (bytes > this.#held) return this.hold(bytes - this.#held);
    this.release(this.#held - bytes);
    return true;
  }
}

/**
 * The bytes one piece of a rope holds besides its text, about. V8 keeps `a + b` as a rope
 * (a cons string, ≈ 24 bytes, plus ≈ 24 for a short piece of its own) until something reads
 * a character: `:a;N;ba` in sed over `yes` held 28 bytes a character, 2 of them counted as
 * text. So builtins that grow a value by appending count its pieces too (see
 * {@link piecesAfter}). They do not flatten their ropes to drop the pieces: the copies made
 * garbage many times the text (a flattening each 1/32 more text grew the daemon by 150 MB
 * under a 16 MiB limit).
 */
export const PIECE_BYTES = 32;

/**
 * The rope pieces a value holds after an assignment: one more than the old value's when it
 * grew from it (an append, `x="$x$l"` or `s = s $0`), none when it was made anew.
 *
 * @param old The value replaced.
 * @param value The new value.
 * @param pieces The old value's pieces.
 * @returns The new value's pieces.
 * @example
 * ```ts
 * import { piecesAfter } from "./_heap.ts";
 * console.assert(piecesAfter("ab", "abc", 4) === 5 && piecesAfter("ab", "x", 4) === 0);
 * ```
 */
export function piecesAfter(old: string | undefined, value: string, pieces: number): number {
  return old !== undefined && old !== "" && value.length > old.length ? pieces + 1 : 0;
}
