/**
 * Signal numbers and default actions, as on Linux x86_64.
 *
 * @module
 */

/** Signal numbers (Linux x86_64). */
export const SIG = {
  HUP: 1,
  INT: 2,
  QUIT: 3,
  ILL: 4,
  TRAP: 5,
  ABRT: 6,
  BUS: 7,
  FPE: 8,
  KILL: 9,
  USR1: 10,
  SEGV: 11,
  USR2: 12,
  PIPE: 13,
  ALRM: 14,
  TERM: 15,
  STKFLT: 16,
  CHLD: 17,
  CONT: 18,
  STOP: 19,
  TSTP: 20,
  TTIN: 21,
  TTOU: 22,
  URG: 23,
  XCPU: 24,
  XFSZ: 25,
  VTALRM: 26,
  PROF: 27,
  WINCH: 28,
  IO: 29,
  PWR: 30,
  SYS: 31,
} as const;

/** Highest signal number the kernel accepts (real-time signals 32..64 are accepted and terminate by default). */
export const NSIG = 64;

/** What a signal does when its disposition is "default". */
export type DefaultAction = "term" | "core" | "ignore" | "stop" | "cont";

const CORE = new Set<number>([
  SIG.QUIT,
  SIG.ILL,
  SIG.TRAP,
  SIG.ABRT,
  SIG.BUS,
  SIG.FPE,
  SIG.SEGV,
  SIG.XCPU,
  SIG.XFSZ,
  SIG.SYS,
]);
const STOP = new Set<number>([SIG.STOP, SIG.TSTP, SIG.TTIN, SIG.TTOU]);
const IGNORE = new Set<number>([SIG.CHLD, SIG.URG, SIG.WINCH]);

/**
 * The default action of a signal (signal(7)).
 *
 * @param sig Signal number, 1..64.
 * @returns "term", "core" (a termination reported with the core bit clear: Berth writes no core files), "ignore", "stop" or "cont".
 * @example
 * ```ts
 * import { defaultAction, SIG } from "./signals.ts";
 * console.assert(defaultAction(SIG.CHLD) === "ignore");
 * ```
 */
export function defaultAction(sig: number): DefaultAction {
  if (sig === SIG.CONT) return "cont";
  if (CORE.has(sig)) return "core";
  if (STOP.has(sig)) return "stop";
  if (IGNORE.has(sig)) return "ignore";
  return "term";
}

/**
 * The bit of a signal in a mask (`bit n-1 = signal n`, as `sigset_t`).
 *
 * @param sig Signal number.
 * @returns The mask bit.
 * @example
 * ```ts
 * import { sigBit } from "./signals.ts";
 * console.assert(sigBit(1) === 1n);
 * ```
 */
export function sigBit(sig: number): bigint {
  return 1n << BigInt(sig - 1);
}

/** Signals that can be neither caught, ignored nor blocked. */
export const UNBLOCKABLE: bigint = sigBit(SIG.KILL) | sigBit(SIG.STOP);

/**
 * Signal names without `SIG`, indexed by number (1–31; index 0 is empty), from {@link SIG}.
 *
 * @example
 * ```ts
 * import { SIGNAL_NAMES_BY_NUMBER } from "./signals.ts";
 * console.assert(SIGNAL_NAMES_BY_NUMBER[15] === "TERM");
 * ```
 */
export const SIGNAL_NAMES_BY_NUMBER: readonly string[] = (() => {
  const names: string[] = [""];
  for (const [name, n] of Object.entries(SIG)) names[n] = name;
  return names;
})();

const NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(SIG).map(([k, v]) => [v, `SIG${k}`]),
);

/**
 * The name of a signal.
 *
 * @param sig Signal number.
 * @returns e.g. "SIGTERM", or "SIG<n>" for a real-time signal.
 * @example
 * ```ts
 * import { signalName } from "./signals.ts";
 * console.assert(signalName(15) === "SIGTERM");
 * ```
 */
export function signalName(sig: number): string {
  return NAMES[sig] ?? `SIG${sig}`;
}

/**
 * A signal number from a name ("TERM", "SIGTERM") or a number text ("15").
 *
 * @param text Name or number.
 * @returns The number, or undefined when unknown.
 * @example
 * ```ts
 * import { parseSignal } from "./signals.ts";
 * console.assert(parseSignal("SIGKILL") === 9 && parseSignal("term") === 15);
 * ```
 */
export function parseSignal(text: string): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= 0 && n <= NSIG ? n : undefined;
  }
  const up = text.toUpperCase().replace(/^SIG/, "");
  return (SIG as Record<string, number>)[up];
}
