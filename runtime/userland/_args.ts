/**
 * BusyBox/GNU-style option parsing: clustered short options (`-la`), options with an
 * argument (`-n 5`, `-n5`), long options (`--recursive`, `--lines=5`), `--` to end
 * options, and GNU permutation (options after operands) unless `stopAtOperand`.
 *
 * @module
 */

/** What an applet accepts. */
export interface OptSpec {
  /** Short option letters without an argument, e.g. `"alR1hd"`. */
  flags?: string;
  /** Short option letters that take an argument, e.g. `"n"`. */
  withArg?: string;
  /** Long option names mapped to a short letter (or to themselves when they have none). Suffix the name with `=` when it takes an argument. */
  long?: Record<string, string>;
  /** Stop at the first operand (for `env`, `xargs`, `nice`, `timeout`, …). */
  stopAtOperand?: boolean;
  /** Accept a leading number option like `head -5` and store it under this letter. */
  numberOption?: string;
}

/** Parsed options: every value given for an option, in order. */
export class Opts {
  /** Values per option key; flags store `""`. */
  readonly values: Map<string, string[]> = new Map();
  /** Operands (non-option arguments), in order. */
  readonly operands: string[] = [];

  /**
   * Whether the option was given.
   * @param k Option letter or long key.
   * @returns true when present.
   */
  has(k: string): boolean {
    return this.values.has(k);
  }
  /**
   * The last value of an option.
   * @param k Option key.
   * @returns The value, or undefined.
   */
  get(k: string): string | undefined {
    const v = this.values.get(k);
    return v ? v[v.length - 1] : undefined;
  }
  /**
   * All values of an option.
   * @param k Option key.
   * @returns The values (empty when absent).
   */
  all(k: string): string[] {
    return this.values.get(k) ?? [];
  }
  /**
   * How many times an option was given.
   * @param k Option key.
   * @returns The count.
   */
  count(k: string): number {
    return this.values.get(k)?.length ?? 0;
  }
  /**
   * Record an option value.
   * @param k Option key.
   * @param v Value (`""` for a flag).
   */
  add(k: string, v: string): void {
    const list = this.values.get(k);
    if (list) list.push(v);
    else this.values.set(k, [v]);
  }
}

/** A parse failure, with the message GNU tools print. */
export interface OptError {
  /** Message without the program prefix, e.g. `invalid option -- 'z'`. */
  error: string;
}

/**
 * Parse argv (without argv[0]).
 *
 * @param args Arguments after the program name.
 * @param spec Accepted options.
 * @returns Parsed options, or an error message.
 * @example
 * ```ts
 * import { parseOpts } from "./_args.ts";
 * const r = parseOpts(["-la", "x", "-n", "3"], { flags: "la", withArg: "n" });
 * if ("error" in r) throw new Error(r.error);
 * console.assert(r.has("l") && r.get("n") === "3" && r.operands[0] === "x");
 * ```
 */
export function parseOpts(args: string[], spec: OptSpec): Opts | OptError {
  const flags = spec.flags ?? "";
  const withArg = spec.withArg ?? "";
  const long = spec.long ?? {};
  const opts = new Opts();
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") {
      i++;
      break;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const matches = Object.keys(long).filter((k) => k.replace(/=$/, "") === name);
      const prefix = matches.length ? matches : Object.keys(long).filter((k) => k.startsWith(name));
      if (prefix.length !== 1) {
        return {
          error: prefix.length > 1
            ? `option '--${name}' is ambiguous`
            : `unrecognized option '${a}'`,
        };
      }
      const key = prefix[0]!;
      const target = long[key]!;
      if (key.endsWith("=")) {
        let v: string | undefined = eq < 0 ? undefined : a.slice(eq + 1);
        if (v === undefined) {
          v = args[++i];
          if (v === undefined) {
            return { error: `option '--${key.slice(0, -1)}' requires an argument` };
          }
        }
        opts.add(target, v);
      } else {
        if (eq >= 0) return { error: `option '--${key}' doesn't allow an argument` };
        opts.add(target, "");
      }
      continue;
    }
    if (a.length > 1 && a[0] === "-") {
      if (spec.numberOption && /^-\d+$/.test(a)) {
        opts.add(spec.numberOption, a.slice(1));
        continue;
      }
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        if (withArg.includes(c)) {
          let v = a.slice(j + 1);
          if (v === "") {
            const next = args[++i];
            if (next === undefined) return { error: `option requires an argument -- '${c}'` };
            v = next;
          }
          opts.add(c, v);
          break;
        }
        if (!flags.includes(c)) return { error: `invalid option -- '${c}'` };
        opts.add(c, "");
      }
      continue;
    }
    opts.operands.push(a);
    if (spec.stopAtOperand) {
      i++;
      break;
    }
  }
  for (; i < args.length; i++) opts.operands.push(args[i]!);
  return opts;
}
