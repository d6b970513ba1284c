/**
 * Docker-style flag parsing (pflag conventions): `--flag value`, `--flag=value`,
 * combined short booleans (`-it`, `-dit`), a short flag with its value attached or
 * next (`-eA=1`, `-e A=1`), repeatable list flags (`-e`, `-v`, `--label`), `--` to end
 * flags, and commands that stop at the first positional (`run IMAGE CMD -x`).
 *
 * @module
 */

/** The kind of value a flag takes. */
export type FlagType = "bool" | "string" | "list" | "int";

/** One flag of a command. */
export interface FlagSpec {
  /** Long name without dashes ("rm"). */
  name: string;
  /** One-letter short name. */
  short?: string;
  /** Value type. */
  type: FlagType;
  /** Help text. */
  description: string;
  /** Name of the value in help ("string", "list", "int"). */
  valueName?: string;
  /** Default value shown in help. */
  default?: string;
  /** Not shown in help. */
  hidden?: boolean;
}

/** Parsed flags and positionals. */
export interface ParsedArgs {
  /** Flag values by long name: booleans, strings, numbers, or lists. */
  flags: Record<string, boolean | string | number | string[]>;
  /** Positional arguments, in order. */
  positionals: string[];
}

/** A usage mistake: the CLI prints it with the command's usage hint and exits 125. */
export class UsageError extends Error {
  /**
   * Create it.
   *
   * @param message What is wrong.
   */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const BOOL_WORDS: Record<string, boolean> = {
  "true": true,
  "1": true,
  "t": true,
  "T": true,
  "TRUE": true,
  "True": true,
  "false": false,
  "0": false,
  "f": false,
  "F": false,
  "FALSE": false,
  "False": false,
};

/**
 * Parse arguments against flag specs.
 *
 * @param args Arguments after the command name.
 * @param specs The command's flags (plus `--help`, always accepted).
 * @param interspersed Whether flags may follow positionals (false for run/exec: the
 *   first positional ends flag parsing, so the container's own flags pass through).
 * @returns Flags and positionals.
 * @throws {UsageError} Unknown flag, missing or bad value.
 * @example
 * ```ts
 * import { parseArgs } from "./_args.ts";
 * const p = parseArgs(["-it", "-e", "A=1", "img", "sh"], [
 *   { name: "interactive", short: "i", type: "bool", description: "" },
 *   { name: "tty", short: "t", type: "bool", description: "" },
 *   { name: "env", short: "e", type: "list", description: "" },
 * ], false);
 * console.assert(p.flags.tty === true && p.positionals.length === 2);
 * ```
 */
export function parseArgs(
  args: readonly string[],
  specs: readonly FlagSpec[],
  interspersed = true,
): ParsedArgs {
  const byLong = new Map<string, FlagSpec>();
  const byShort = new Map<string, FlagSpec>();
  for (const s of specs) {
    byLong.set(s.name, s);
    if (s.short) byShort.set(s.short, s);
  }
  if (!byLong.has("help")) {
    const help: FlagSpec = { name: "help", type: "bool", description: "Print usage" };
    byLong.set("help", help);
  }
  const flags: ParsedArgs["flags"] = {};
  const positionals: string[] = [];

  const assign = (spec: FlagSpec, value: string | undefined, shown: string) => {
    switch (spec.type) {
      case "bool": {
        if (value === undefined) flags[spec.name] = true;
        else {
          const b = BOOL_WORDS[value];
          if (b === undefined) {
            throw new UsageError(
              `invalid argument "${value}" for "${shown}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`,
            );
          }
          flags[spec.name] = b;
        }
        return;
      }
      case "int": {
        const n = Number(value);
        if (value === undefined || value.trim() === "" || !Number.isInteger(n)) {
          throw new UsageError(
            `invalid argument "${value}" for "${shown}" flag: strconv.ParseInt: parsing "${value}": invalid syntax`,
          );
        }
        flags[spec.name] = n;
        return;
      }
      case "string":
        flags[spec.name] = value ?? "";
        return;
      case "list": {
        const prev = flags[spec.name];
        const list = Array.isArray(prev) ? prev : [];
        list.push(value ?? "");
        flags[spec.name] = list;
        return;
      }
    }
  };

  let i = 0;
  const takeValue = (shown: string): string => {
    const v = args[i + 1];
    if (v === undefined) throw new UsageError(`flag needs an argument: ${shown}`);
    i++;
    return v;
  };

  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith("--") && arg.length > 2) {
      const eq = arg.indexOf("=");
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      const spec = byLong.get(name);
      if (!spec) throw new UsageError(`unknown flag: --${name}`);
      const shown = `--${name}`;
      if (eq >= 0) assign(spec, arg.slice(eq + 1), shown);
      else if (spec.type === "bool") assign(spec, undefined, shown);
      else assign(spec, takeValue(shown), shown);
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      // A cluster of shorts: booleans until one that takes a value.
      for (let j = 1; j < arg.length; j++) {
        const ch = arg[j]!;
        if (ch === "h" && !byShort.has("h")) {
          flags.help = true;
          continue;
        }
        const spec = byShort.get(ch);
        if (!spec) {
          throw new UsageError(`unknown shorthand flag: '${ch}' in ${arg}`);
        }
        const shown = `-${ch}, --${spec.name}`;
        if (spec.type === "bool") {
          if (arg[j + 1] === "=") {
            assign(spec, arg.slice(j + 2), shown);
            break;
          }
          assign(spec, undefined, shown);
          continue;
        }
        const rest = arg.slice(j + 1);
        if (rest.length > 0) assign(spec, rest.startsWith("=") ? rest.slice(1) : rest, shown);
        else assign(spec, takeValue(shown), shown);
        break;
      }
      continue;
    }
    positionals.push(arg);
    if (!interspersed) {
      positionals.push(...args.slice(i + 1));
      break;
    }
  }
  return { flags, positionals };
}

/**
 * Read a boolean flag.
 *
 * @param p Parsed args.
 * @param name Long name.
 * @returns The value, false when absent.
 * @example
 * ```ts
 * import { flagBool } from "./_args.ts";
 * console.assert(flagBool({ flags: { rm: true }, positionals: [] }, "rm"));
 * ```
 */
export function flagBool(p: ParsedArgs, name: string): boolean {
  return p.flags[name] === true;
}

/**
 * Read a string flag.
 *
 * @param p Parsed args.
 * @param name Long name.
 * @returns The value, or undefined when absent.
 * @example
 * ```ts
 * import { flagString } from "./_args.ts";
 * console.assert(flagString({ flags: { name: "x" }, positionals: [] }, "name") === "x");
 * ```
 */
export function flagString(p: ParsedArgs, name: string): string | undefined {
  const v = p.flags[name];
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;
}

/**
 * Read a list flag.
 *
 * @param p Parsed args.
 * @param name Long name.
 * @returns The values in order (empty when absent).
 * @example
 * ```ts
 * import { flagList } from "./_args.ts";
 * console.assert(flagList({ flags: { env: ["A=1"] }, positionals: [] }, "env").length === 1);
 * ```
 */
export function flagList(p: ParsedArgs, name: string): string[] {
  const v = p.flags[name];
  return Array.isArray(v) ? v : typeof v === "string" ? [v] : [];
}

/**
 * Read an int flag.
 *
 * @param p Parsed args.
 * @param name Long name.
 * @returns The value, or undefined when absent.
 * @example
 * ```ts
 * import { flagInt } from "./_args.ts";
 * console.assert(flagInt({ flags: { time: 3 }, positionals: [] }, "time") === 3);
 * ```
 */
export function flagInt(p: ParsedArgs, name: string): number | undefined {
  const v = p.flags[name];
  return typeof v === "number" ? v : undefined;
}
