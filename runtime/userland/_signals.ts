/**
 * Signal names and numbers (Linux x86_64), for kill, pkill, timeout and trap-like uses.
 *
 * @module
 */
import { SIGNAL_NAMES_BY_NUMBER } from "../kernel/signals.ts";

/** Names without the SIG prefix, indexed by number (procps prints `POLL` for 29). */
export const SIGNAL_NAMES: readonly string[] = SIGNAL_NAMES_BY_NUMBER.map((n, i) =>
  i === 0 ? "0" : n === "IO" ? "POLL" : n
);

/**
 * A signal number from a name (`TERM`, `SIGTERM`, `term`) or number (`15`).
 *
 * @param s Text.
 * @returns The number, or null when unknown.
 * @example
 * ```ts
 * import { signalNumber } from "./_signals.ts";
 * console.assert(signalNumber("SIGKILL") === 9 && signalNumber("hup") === 1);
 * ```
 */
export function signalNumber(s: string): number | null {
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    return n < 65 ? n : null;
  }
  const name = s.toUpperCase().replace(/^SIG/, "");
  if (name === "IO") return 29;
  if (name === "IOT") return 6;
  if (name === "CLD") return 17;
  const i = SIGNAL_NAMES.indexOf(name);
  if (i > 0) return i;
  const rt = /^RTMIN(?:\+(\d+))?$/.exec(name) ?? /^RTMAX(?:-(\d+))?$/.exec(name);
  if (rt) return name.startsWith("RTMIN") ? 34 + Number(rt[1] ?? 0) : 64 - Number(rt[1] ?? 0);
  return null;
}

/**
 * The name of a signal number without `SIG` (`15` → `TERM`).
 *
 * @param n Number.
 * @returns The name, or the number as text.
 */
export function signalName(n: number): string {
  if (n >= 34 && n <= 64) {
    return n === 34 ? "RTMIN" : n === 64 ? "RTMAX" : n < 49 ? `RTMIN+${n - 34}` : `RTMAX-${64 - n}`;
  }
  return SIGNAL_NAMES[n] ?? String(n);
}
