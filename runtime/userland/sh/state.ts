/**
 * Control-flow signals and the variable store of the shell.
 *
 * @module
 */
import { SIGNAL_NAMES_BY_NUMBER } from "../../kernel/signals.ts";

/** Unwinds to the end of the shell (or in-process subshell) with a status: `exit`. */
export class ExitSignal {
  /** Exit status. */
  readonly code: number;
  /**
   * @param code Exit status.
   */
  constructor(code: number) {
    this.code = code;
  }
}

/** Unwinds an interactive shell's command line back to the prompt (Ctrl-C). */
export class InterruptSignal {}

/** Unwinds out of a function or `.` script: `return`. */
export class ReturnSignal {
  /** Return status. */
  readonly code: number;
  /**
   * @param code Return status.
   */
  constructor(code: number) {
    this.code = code;
  }
}

/** Unwinds out of loops: `break n` / `continue n`. */
export class LoopSignal {
  /** Which statement. */
  readonly kind: "break" | "continue";
  /** How many loops remain to unwind. */
  readonly levels: number;
  /**
   * @param kind break or continue.
   * @param levels Loop count.
   */
  constructor(kind: "break" | "continue", levels: number) {
    this.kind = kind;
    this.levels = levels;
  }
}

/**
 * An error the shell reports as `sh: LINE: MESSAGE`; a non-interactive shell exits
 * with `status` (2 for syntax and expansion errors, as dash).
 */
export class ShellError extends Error {
  /** Exit status. */
  readonly status: number;
  /** Whether the message was already printed (inside the redirections in effect). */
  reported = false;
  /**
   * @param message The message after `sh: LINE: `.
   * @param status Exit status.
   */
  constructor(message: string, status = 2) {
    super(message);
    this.name = "ShellError";
    this.status = status;
  }
}

/** One shell variable. */
export interface Var {
  /** Value; undefined for a declared but unset variable (`export X`). */
  value: string | undefined;
  /** In the environment of commands. */
  exported: boolean;
  /** `readonly`. */
  readonly: boolean;
  /** Rope pieces of the value, when it was grown by appending (see `PIECE_BYTES`). */
  pieces?: number;
}

/** Options set with `set -o` / single letters. */
export interface ShellOptions {
  /** -e */
  errexit: boolean;
  /** -u */
  nounset: boolean;
  /** -x */
  xtrace: boolean;
  /** -f */
  noglob: boolean;
  /** -n */
  noexec: boolean;
  /** -v */
  verbose: boolean;
  /** -a */
  allexport: boolean;
  /** -C */
  noclobber: boolean;
  /** -i */
  interactive: boolean;
  /** -m */
  monitor: boolean;
  /** -o pipefail (not in dash; as busybox ash and bash): a pipeline fails when any part does. */
  pipefail: boolean;
}

/** Letter of each option, in the order `$-` shows them. */
export const OPTION_LETTERS: [keyof ShellOptions, string][] = [
  ["nounset", "u"],
  ["allexport", "a"],
  ["noclobber", "C"],
  ["verbose", "v"],
  ["xtrace", "x"],
  ["noexec", "n"],
  ["monitor", "m"],
  ["interactive", "i"],
  ["noglob", "f"],
  ["errexit", "e"],
];

/** Default options (all off). */
export function defaultOptions(): ShellOptions {
  return {
    errexit: false,
    nounset: false,
    xtrace: false,
    noglob: false,
    noexec: false,
    verbose: false,
    allexport: false,
    noclobber: false,
    interactive: false,
    monitor: false,
    pipefail: false,
  };
}

/** Signal names known to `trap` and `kill`, by number (0 is `EXIT`). */
export const SIGNAL_NAMES: readonly string[] = SIGNAL_NAMES_BY_NUMBER.map((n, i) =>
  i === 0 ? "EXIT" : n
);

/**
 * Parses a signal name or number (`TERM`, `SIGTERM`, `15`, `term`).
 *
 * @param s The text.
 * @returns The number (0 = EXIT), or undefined.
 * @example
 * ```ts
 * import { signalNumber } from "./state.ts";
 * console.assert(signalNumber("SIGINT") === 2);
 * ```
 */
export function signalNumber(s: string): number | undefined {
  if (/^[0-9]+$/.test(s)) {
    const n = Number(s);
    return n <= 64 ? n : undefined;
  }
  const name = s.toUpperCase().replace(/^SIG/, "");
  const i = SIGNAL_NAMES.indexOf(name);
  return i < 0 ? undefined : i;
}
