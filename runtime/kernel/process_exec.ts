/**
 * `execve`: the binfmt table and program start.
 *
 * Exec reads the first bytes of the file and picks a format, like Linux's binfmt
 * handlers: `#!` scripts (interpreter resolved inside the process's root, up to 4 levels
 * of nesting), the berthbox multi-call stub (dispatch on `basename(argv[0])` to a builtin
 * program), formats registered by `Kernel.registerBinfmt` (the WASI executor for
 * `\0asm`), and ELF or anything else → `ENOEXEC`. `PATH` search follows execvp.
 *
 * Everything that can fail fails here, before exec's point of no return
 * ({@link startProgram}): the file (`ENOENT`, `EACCES`, `ENOEXEC`), the size of argv and
 * environment (`E2BIG`, Linux's limits) and the format's own admission
 * (`Executor.admit`: a wasm module that does not compile, imports what nobody provides,
 * has no `_start`, or whose initial memory is over `memory.max`). The reason of the last
 * refusal of a process is kept for the kernel API's error ({@link execRefusalOf}).
 *
 * A process without a root file system ({@link MinimalFs}) resolves a program name
 * straight to the builtin of that basename: the kernel's test and embedding hook.
 *
 * @module
 */
import { Errno } from "./errno.ts";
import {
  BERTHBOX_MAGIC,
  type BuiltinMain,
  ELF_MAGIC,
  type ExecContext,
  type ExecRefusal,
  ProcessExit,
  ProcessKilled,
  startsWith,
} from "./executor.ts";
import type { Kernel } from "./kernel.ts";
import type { Process } from "./process.ts";
import { exitProcess } from "./process_exit.ts";
import { MinimalFs, type ProcessFs } from "./process_fs.ts";
import { W } from "./syscalls/api.ts";

/** A program ready to start in a process. */
export interface Program {
  /** Format name ("berthbox", "wasi", "builtin", …). */
  readonly format: string;
  /** Resolved path of the program file. */
  readonly path: string;
  /** argv after format rewriting (scripts prepend the interpreter). */
  readonly argv: string[];
  /** Environment. */
  readonly env: string[];
  /** Reject CPU waits on kill (see executor.ts). */
  readonly unwindOnKill: boolean;
  /** Runs the program; resolves with the exit code. */
  run(ctx: ExecContext): Promise<number>;
}

/** Default `PATH` when the environment has none (glibc's execvp default, plus sbin as Docker's). */
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

const SCRIPT_DEPTH = 4;
const HEAD = 256;

/** Longest single argv or environment string, with its NUL (Linux's `MAX_ARG_STRLEN`). */
export const MAX_ARG_STRLEN = 32 * 4096;
/**
 * Most bytes of argv plus environment: strings with their NULs plus a pointer each
 * (Linux's limit with the default 8 MiB stack rlimit: a quarter of it).
 */
export const ARG_MAX = 2 * 1024 * 1024;

const refusals = new WeakMap<Process, ExecRefusal>();

/**
 * Why the last exec of `p` failed, when a check of this module or an executor's
 * admission said (not for a plain `ENOENT`).
 *
 * @param p The process (for a failed spawn: the discarded child).
 * @returns The refusal, or undefined.
 * @example
 * ```ts ignore
 * const prog = await resolveProgramPath(k, child, path, argv, env);
 * if (typeof prog === "number") throw new SpawnError(prog, path, execRefusalOf(child)?.reason);
 * ```
 */
export function execRefusalOf(p: Process): ExecRefusal | undefined {
  return refusals.get(p);
}

/**
 * Linux's `E2BIG` check of execve: one string over {@link MAX_ARG_STRLEN}, or all of them
 * (with a pointer each) over {@link ARG_MAX}.
 *
 * @param argv Arguments.
 * @param env Environment.
 * @returns The refusal, or undefined when they fit.
 * @example
 * ```ts
 * import { argvRefusal } from "./process_exec.ts";
 * console.assert(argvRefusal(["ls"], []) === undefined);
 * console.assert(argvRefusal(["echo", "x".repeat(200_000)], []) !== undefined);
 * ```
 */
export function argvRefusal(
  argv: readonly string[],
  env: readonly string[],
): ExecRefusal | undefined {
  let total = 0;
  for (const list of [argv, env]) {
    for (const s of list) {
      const n = utf8Length(s) + 1;
      if (n > MAX_ARG_STRLEN) {
        return {
          errno: Errno.E2BIG,
          reason: `an argument of ${n} bytes is over ${MAX_ARG_STRLEN}`,
        };
      }
      total += n + 8;
    }
  }
  if (total > ARG_MAX) {
    return {
      errno: Errno.E2BIG,
      reason: `argv and environment take ${total} bytes, over ${ARG_MAX}`,
    };
  }
  return undefined;
}

/** The last path component. */
export function basename(path: string): string {
  let end = path.length;
  while (end > 1 && path.charCodeAt(end - 1) === 47) end--;
  const i = path.lastIndexOf("/", end - 1);
  return path.slice(i + 1, end);
}

/**
 * A program that runs a builtin main directly (the kernel API's `program` hook).
 *
 * @param main The builtin.
 * @param argv argv.
 * @param env Environment.
 * @returns The program.
 */
export function builtinProgram(main: BuiltinMain, argv: string[], env: string[]): Program {
  return {
    format: "builtin",
    path: argv[0] ?? "",
    argv,
    env,
    unwindOnKill: false,
    run: (ctx) => main(ctx.sys, [...ctx.argv]),
  };
}

function berthboxProgram(k: Kernel, path: string, argv: string[], env: string[]): Program {
  let args = argv;
  let name = basename(args[0] ?? path);
  if (name === "berthbox" && args.length > 1) {
    args = args.slice(1);
    name = basename(args[0] ?? "");
  }
  const main = k.builtin(name);
  return {
    format: "berthbox",
    path,
    argv: args,
    env,
    unwindOnKill: false,
    run: async (ctx) => {
      if (!main) {
        await ctx.sys.write(2, new TextEncoder().encode(`berthbox: applet not found\n`));
        return 127;
      }
      return await main(ctx.sys, [...ctx.argv]);
    },
  };
}

/**
 * Resolve `path` into a program as execve does (no PATH search).
 *
 * @param k The kernel.
 * @param p The process that execs (its root, cwd and credentials apply).
 * @param path Program path.
 * @param argv argv.
 * @param env Environment.
 * @param depth Script nesting so far.
 * @returns The program, or an errno (`ENOENT`, `EACCES`, `ENOEXEC`, `ELOOP`…).
 */
export async function resolveProgram(
  k: Kernel,
  p: Process,
  path: string,
  argv: string[],
  env: string[],
  depth = 0,
): Promise<Program | Errno> {
  if (path === "") return Errno.ENOENT;
  if (p.fs instanceof MinimalFs) {
    const main = k.builtin(basename(path));
    return main ? berthboxProgram(k, path, argv.length ? argv : [path], env) : Errno.ENOENT;
  }
  const read = k.readExecutable(p, path);
  const image = read instanceof Promise ? await read : read;
  if (typeof image === "number") return image;
  const tooBig = argvRefusal(argv, env);
  if (tooBig) return refuse(p, tooBig);
  const head = image.subarray(0, HEAD);
  if (head[0] === 0x23 && head[1] === 0x21) {
    if (depth >= SCRIPT_DEPTH) {
      return refuse(p, {
        errno: Errno.ELOOP,
        reason: `more than ${SCRIPT_DEPTH} nested #! scripts`,
      });
    }
    const nl = head.indexOf(0x0a);
    const line = new TextDecoder().decode(head.subarray(2, nl < 0 ? head.length : nl)).trim();
    const m = /^(\S+)(?:\s+(.*))?$/.exec(line);
    if (!m || !m[1]) {
      return refuse(p, { errno: Errno.ENOEXEC, reason: "#! without an interpreter" });
    }
    const interp = m[1];
    // As Linux: an interpreter path cut by the end of the header buffer is not guessed at.
    const last = head[head.length - 1];
    if (nl < 0 && image.length > HEAD && m[2] === undefined && last !== 0x20 && last !== 0x09) {
      return refuse(p, {
        errno: Errno.ENOEXEC,
        reason: `#! interpreter path longer than the ${HEAD}-byte header`,
      });
    }
    const args = [interp, ...(m[2] ? [m[2].trim()] : []), path, ...argv.slice(1)];
    return resolveProgram(k, p, interp, args, env, depth + 1);
  }
  if (startsWith(head, BERTHBOX_MAGIC)) return berthboxProgram(k, path, argv, env);
  for (const fmt of k.binfmts) {
    if (!fmt.match(head)) continue;
    if (fmt.executor.admit) {
      const verdict = fmt.executor.admit({ task: p, path, argv, env }, image);
      const refusal = verdict instanceof Promise ? await verdict : verdict;
      if (refusal) return refuse(p, refusal);
    }
    return {
      format: fmt.name,
      path,
      argv,
      env,
      unwindOnKill: fmt.unwindOnKill ?? false,
      run: (ctx) => fmt.executor.run(ctx, image),
    };
  }
  if (startsWith(head, ELF_MAGIC)) {
    return refuse(p, {
      errno: Errno.ENOEXEC,
      reason: "an ELF executable (Berth runs WASI modules and its builtins)",
    });
  }
  return Errno.ENOEXEC;
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function refuse(p: Process, refusal: ExecRefusal): Errno {
  refusals.set(p, refusal);
  return refusal.errno;
}

/**
 * Resolve `file` as execvp does: with a `/` it is a path; otherwise each directory of
 * `PATH` is tried, skipping `ENOENT`/`ENOTDIR`/`EACCES` (reported at the end when seen).
 *
 * @param k The kernel.
 * @param p The process that execs.
 * @param file Program name or path.
 * @param argv argv.
 * @param env Environment of the new program.
 * @param searchPath `PATH` to search (the caller's).
 * @returns The program or an errno.
 */
export async function resolveProgramPath(
  k: Kernel,
  p: Process,
  file: string,
  argv: string[],
  env: string[],
  searchPath?: string,
): Promise<Program | Errno> {
  refusals.delete(p);
  if (file === "") return Errno.ENOENT;
  if (file.includes("/")) return resolveProgram(k, p, file, argv, env);
  const dirs = (searchPath ?? DEFAULT_PATH).split(":");
  let sawEacces = false;
  for (const d of dirs) {
    const full = `${d === "" ? "." : d.replace(/\/+$/, "")}/${file}`;
    const r = await resolveProgram(k, p, full, argv, env);
    if (typeof r !== "number") return r;
    if (r === Errno.EACCES) sawEacces = true;
    else if (r !== Errno.ENOENT && r !== Errno.ENOTDIR) return r;
  }
  return sawEacces ? Errno.EACCES : Errno.ENOENT;
}

/**
 * The `PATH` value of an environment.
 *
 * @param env `KEY=value` strings.
 * @returns The value, or undefined.
 */
export function pathOf(env: readonly string[]): string | undefined {
  for (const e of env) if (e.startsWith("PATH=")) return e.slice(5);
  return undefined;
}

/**
 * Install `prog` as the process's program and run it: exec's point of no return.
 * `FD_CLOEXEC` descriptors close, handled signals reset to default, the heap declared with
 * `sbrk` is released, argv/env change.
 * The program's end exits the process (unless another exec replaced it).
 *
 * @param k The kernel.
 * @param p The process, holding the CPU when `holdsCpu`, else waiting for it.
 * @param prog The program.
 * @param holdsCpu Whether `p` holds the CPU now (execve) or must wait for it (spawn).
 */
export function startProgram(k: Kernel, p: Process, prog: Program, holdsCpu: boolean): void {
  (p.fs as ProcessFs).fds.closeOnExec();
  for (const [sig, d] of [...p.handlers]) if (typeof d === "function") p.handlers.delete(sig);
  p.argv = prog.argv;
  p.env = prog.env;
  p.exePath = prog.path;
  p.comm = basename(prog.argv[0] ?? prog.path).slice(0, 15);
  if (prog.format === "berthbox" || prog.format === "builtin") {
    p.comm = basename(prog.argv[0] ?? "").slice(0, 15);
  }
  p.unwindOnKill = prog.unwindOnKill;
  // The old program's heap goes with it (what it declared with sbrk).
  p.uncharge(p.heapBytes, "anon");
  p.heapBytes = 0;
  const gen = ++p.execGeneration;
  const ctx = k.execContext(p, prog);
  const body = async () => {
    let code = 0;
    try {
      code = await prog.run(ctx);
    } catch (err) {
      if (err instanceof ProcessExit) code = err.code;
      else if (err instanceof ProcessKilled) return;
      else if (p.alive && p.execGeneration === gen) {
        code = 1;
        k.reportProgramError(p, err);
      }
    }
    if (p.alive && p.execGeneration === gen) exitProcess(k, p, W.exited(code & 0xff));
  };
  if (holdsCpu) body();
  else k.scheduler.waitCpu(p).then(body, () => {});
}
