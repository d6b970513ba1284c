/**
 * The frame every applet runs in: `--help`, option errors with GNU wording, buffered
 * stdout, stderr messages prefixed with the program name, flushing at exit.
 *
 * @module
 */
import { Errno, isErrno, strerror } from "../kernel/errno.ts";
import type { Syscalls } from "../kernel/syscalls/api.ts";
import type { BuiltinMain } from "./_builtin.ts";
import { Opts, parseOpts } from "./_args.ts";
import type { OptSpec } from "./_args.ts";
import { Output, utf8, writeAll } from "./_io.ts";

/** What an applet body gets: its system calls, name, output and error helpers. */
export class Ctx {
  /** Buffered stdout. */
  readonly out: Output;
  /** Exit status so far: set to 1 (or more) by {@link Ctx.fail}. */
  status = 0;

  /**
   * @param sys System calls of the process.
   * @param prog Program name used in messages.
   */
  constructor(readonly sys: Syscalls, readonly prog: string) {
    this.out = new Output(sys, 1);
  }

  /**
   * Print `prog: msg` on stderr (after flushing stdout, so output keeps its order).
   *
   * @param msg The message.
   * @returns Resolves when written.
   */
  async error(msg: string): Promise<void> {
    await this.out.flush();
    await writeAll(this.sys, 2, utf8(`${this.prog}: ${msg}\n`));
  }

  /**
   * Print `prog: msg` and the GNU hint `Try 'prog --help' for more information.`
   *
   * @param msg The message, e.g. `missing operand`.
   * @returns Resolves when written.
   */
  async usageError(msg: string): Promise<void> {
    await this.error(`${msg}\nTry '${this.prog} --help' for more information.`);
  }

  /**
   * Print `prog: what: strerror(errno)` and set the exit status.
   *
   * @param what What failed, e.g. `cannot access 'x'`.
   * @param errno The errno.
   * @param status Exit status to record (default 1).
   * @returns Resolves when written.
   */
  async fail(what: string, errno: number, status = 1): Promise<void> {
    this.status = Math.max(this.status, status);
    await this.error(`${what}: ${strerror(errno)}`);
  }
}

/** An applet definition. */
export interface AppletDef {
  /** Program name for messages when argv[0] is empty. */
  name: string;
  /** Help text printed after `Usage: ` by `--help`. */
  usage: string;
  /** Accepted options. */
  spec?: OptSpec;
  /** Exit status on an option error (GNU `ls`/`grep` use 2). */
  usageStatus?: number;
  /** Do not treat `--help` specially (e.g. `echo`, `true`). */
  noHelp?: boolean;
  /** Do not parse options at all (argv is given raw as operands). */
  raw?: boolean;
  /** The program. Returns its exit status. */
  run(ctx: Ctx, opts: Opts): Promise<number>;
}

/**
 * Build a {@link BuiltinMain} from a definition.
 *
 * @param def The applet.
 * @returns The program entry.
 * @example
 * ```ts ignore
 * export const hello = applet({ name: "hello", usage: "hello", async run(ctx) {
 *   await ctx.out.write("hi\n");
 *   return 0;
 * } });
 * ```
 */
export function applet(def: AppletDef): BuiltinMain {
  return async (sys: Syscalls, argv: string[]): Promise<number> => {
    const prog = baseName(argv[0] ?? "") || def.name;
    const ctx = new Ctx(sys, prog);
    const args = argv.slice(1);
    if (!def.noHelp) {
      const dd = args.indexOf("--");
      const upto = dd < 0 ? args : args.slice(0, dd);
      if (upto.includes("--help")) {
        await ctx.out.write(`Usage: ${def.usage.replaceAll("{prog}", prog)}\n`);
        await ctx.out.flush();
        return 0;
      }
    }
    let opts: Opts;
    if (def.raw) {
      opts = new Opts();
      opts.operands.push(...args);
    } else {
      const r = parseOpts(args, def.spec ?? {});
      if ("error" in r) {
        await ctx.error(r.error);
        await writeAll(sys, 2, utf8(`Try '${prog} --help' for more information.\n`));
        return def.usageStatus ?? 1;
      }
      opts = r;
    }
    let code: number;
    try {
      code = await def.run(ctx, opts);
    } finally {
      await ctx.out.flush();
    }
    // A failed write to stdout (EINVAL from a /proc/sys file, ENOSPC, EIO…) is an error,
    // as in coreutils and BusyBox; EPIPE is SIGPIPE's business.
    const failed = ctx.out.error;
    if (failed && failed !== Errno.EPIPE) {
      await writeAll(sys, 2, utf8(`${prog}: write error: ${strerror(failed)}\n`));
      return code === 0 ? 1 : code;
    }
    return code;
  };
}

/**
 * Last path component (`/bin/ls` → `ls`), ignoring trailing slashes.
 *
 * @param p A path.
 * @returns The base name.
 */
export function baseName(p: string): string {
  const t = p.replace(/\/+$/, "");
  if (t === "" && p.startsWith("/")) return "/";
  return t.slice(t.lastIndexOf("/") + 1);
}

/**
 * Parse a decimal integer operand strictly.
 *
 * @param s Text.
 * @returns The number, or null when `s` is not an integer.
 */
export function parseIntStrict(s: string): number | null {
  return /^\s*[+-]?\d+\s*$/.test(s) ? Number.parseInt(s, 10) : null;
}

/** Re-exported for applets: whether a result is an errno. */
export { isErrno };
