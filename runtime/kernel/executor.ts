/**
 * Executors: how a process runs. The kernel's `execve` reads the first bytes of the
 * program file and asks the binfmt table (like Linux's `binfmt_misc`) which
 * {@link Binfmt} handles it; the binfmt's {@link Executor} then runs the program as a
 * green thread on the kernel's one emulated CPU.
 *
 * The contract an executor follows:
 *
 * - It runs only while the scheduler has granted its process the CPU. The kernel grants
 *   the CPU before calling {@link Executor.run}; every {@link Syscalls} call that returns a
 *   promise gives the CPU back while the process sleeps, and the promise settles only once
 *   the scheduler has given the CPU to the process again.
 * - Code that can run long without system calls (instrumented wasm) calls
 *   {@link ExecContext.preempt} at its fuel checks: it returns `undefined` when the slice
 *   is not used up (the fast path), or a promise that resolves when the process holds the
 *   CPU again. When the process is killed meanwhile, the promise rejects with
 *   {@link ProcessKilled} if the binfmt asked for {@link Binfmt.unwindOnKill} (so a
 *   suspended JSPI stack unwinds), and otherwise never settles (the green thread is
 *   abandoned and collected).
 * - Memory the program owns (wasm linear memory) is charged with
 *   {@link ExecContext.chargeMemory}; a refused charge means `memory.grow` returns -1.
 * - `run` resolves with the exit code when the program returns. `sys.exit(code)` throws a
 *   {@link ProcessExit}; executors may let it propagate: the kernel catches it.
 * - Before that, {@link Executor.admit} (optional) validates and prepares the program
 *   while exec can still fail: as Linux's binfmt loaders do before exec's point of no
 *   return, a refusal makes `execve`/`spawn` fail with its errno (`ENOEXEC`, `ENOMEM`,
 *   `EAGAIN`, …), the child of a spawn is never seen to run, and a process calling
 *   `execve` keeps its old image. What `run` finds wrong later (a race with another
 *   process for memory, an instantiation failure admission cannot see) is the program's
 *   own failure: a message on stderr and exit status 126.
 *
 * @module
 */
import type { Errno } from "./errno.ts";
import type { MaybeAsync, Syscalls } from "./syscalls/api.ts";
import type { Task } from "./task.ts";

/**
 * A builtin program: the userland's BusyBox-style applets. It uses only `sys`.
 *
 * @example
 * ```ts
 * import type { BuiltinMain } from "./executor.ts";
 * const echo: BuiltinMain = async (sys, argv) => {
 *   await sys.write(1, new TextEncoder().encode(argv.slice(1).join(" ") + "\n"));
 *   return 0;
 * };
 * ```
 */
export type BuiltinMain = (sys: Syscalls, argv: string[]) => Promise<number>;

/**
 * Builtin programs by applet name, given to the kernel at creation
 * (`new Kernel({ builtins: applets })`).
 */
export type BuiltinRegistry =
  | ReadonlyMap<string, BuiltinMain>
  | Readonly<Record<string, BuiltinMain>>;

/** The 8 bytes a berthbox multi-call stub file starts with: "BERTHBOX". */
export const BERTHBOX_MAGIC: Uint8Array = new Uint8Array([
  0x42,
  0x45,
  0x52,
  0x54,
  0x48,
  0x42,
  0x4f,
  0x58,
]);

/**
 * Thrown by `sys.exit(code)` to unwind a builtin program; the kernel catches it.
 * Programs must not swallow it (catch blocks should rethrow it): the process is already
 * dead when it is thrown, so any later system call throws it again.
 */
export class ProcessExit extends Error {
  /** The exit code. */
  readonly code: number;
  /**
   * The marker of an exit.
   *
   * @param code Exit code (0..255).
   */
  constructor(code: number) {
    super(`process exited with ${code}`);
    this.name = "ProcessExit";
    this.code = code;
  }
}

/** The rejection of a killed process's pending CPU wait, for executors with {@link Binfmt.unwindOnKill}. */
export class ProcessKilled extends Error {
  /** The signal that killed the process. */
  readonly signal: number;
  /**
   * The marker of a kill.
   *
   * @param signal Killing signal.
   */
  constructor(signal: number) {
    super(`process killed by signal ${signal}`);
    this.name = "ProcessKilled";
    this.signal = signal;
  }
}

/** What the kernel gives an executor for one process. */
export interface ExecContext {
  /** The process's system calls. */
  readonly sys: Syscalls;
  /** The process as subsystems see it (ids, credentials, memory cgroup). */
  readonly task: Task;
  /** argv of the new program. */
  readonly argv: readonly string[];
  /** Environment of the new program, `KEY=value`. */
  readonly env: readonly string[];
  /** Path of the program file as exec resolved it. */
  readonly path: string;
  /**
   * Preemption point: `undefined` while the slice lasts; otherwise gives up the CPU and
   * returns a promise that resolves when the scheduler runs the process again.
   */
  preempt(): Promise<void> | undefined;
  /**
   * Charge `bytes` of program memory (anon) to the process and its memory cgroup.
   * With `mustSucceed` (an allocation the program cannot see fail), the OOM killer of the
   * limiting cgroup runs until the charge fits or this process is the victim.
   *
   * @returns false when `memory.max` refuses it (`memory.events` max +1).
   */
  chargeMemory(bytes: number, mustSucceed?: boolean): boolean;
  /** Give back program memory charged earlier. */
  unchargeMemory(bytes: number): void;
  /** Called once when the process is killed or exits, to release executor resources. */
  onExit(cb: () => void): void;
  /** Whether the process is already dead (killed or exited). */
  readonly dead: boolean;
}

/**
 * Why an executor refused a program at admission: the errno `execve`/`spawn` fail with,
 * and a reason for people (the kernel API's `SpawnError`, a container's start error).
 */
export interface ExecRefusal {
  /** The errno exec returns: `ENOEXEC`, `ENOMEM`, `EAGAIN`, `E2BIG`, … */
  readonly errno: Errno;
  /** What is wrong, e.g. `unknown import "env"."foo"`. */
  readonly reason: string;
}

/** What an executor sees of a program at admission: nothing of the process is changed yet. */
export interface AdmitContext {
  /** The process that will run the program (its memory cgroup, credentials). */
  readonly task: Task;
  /** Path of the program file as exec resolved it. */
  readonly path: string;
  /** argv of the new program. */
  readonly argv: readonly string[];
  /** Environment of the new program. */
  readonly env: readonly string[];
}

/** Runs programs of one format. */
export interface Executor {
  /**
   * Admission: validate and prepare (compile) the program before exec's point of no
   * return. Called by `execve` and `spawn` after the file was read and matched this
   * format, before the process's image changes; the calling process sleeps while a
   * promise is pending (other processes run). Optional: without it every file of the
   * format is admitted. The same `image` object is then given to {@link run}, so an
   * executor may keep what it prepared keyed by it.
   *
   * @param ctx The process and the program's path, argv and environment.
   * @param image The whole program file.
   * @returns `undefined` when the program may start, or the refusal.
   * @example
   * ```ts ignore
   * admit: (_ctx, image) =>
   *   image.length < 8 ? { errno: Errno.ENOEXEC, reason: "truncated header" } : undefined,
   * ```
   */
  admit?(ctx: AdmitContext, image: Uint8Array): MaybeAsync<ExecRefusal | undefined>;
  /**
   * Run the program. Called with the CPU held. Resolves with the exit code.
   *
   * @param ctx The process context.
   * @param image The whole program file.
   */
  run(ctx: ExecContext, image: Uint8Array): Promise<number>;
}

/** One entry of the binfmt table. */
export interface Binfmt {
  /** Name shown in errors and `table.ts` ("wasi", "script", "berthbox"). */
  readonly name: string;
  /** Whether this format handles a file starting with `head` (up to 256 bytes). */
  match(head: Uint8Array): boolean;
  /** The executor. */
  readonly executor: Executor;
  /** Reject pending CPU waits with {@link ProcessKilled} on kill (see the module doc). */
  readonly unwindOnKill?: boolean;
}

/**
 * Whether `head` starts with `magic`.
 *
 * @param head First bytes of a file.
 * @param magic Magic bytes.
 * @returns true on a match.
 * @example
 * ```ts
 * import { BERTHBOX_MAGIC, startsWith } from "./executor.ts";
 * console.assert(startsWith(new TextEncoder().encode("BERTHBOX\n"), BERTHBOX_MAGIC));
 * ```
 */
export function startsWith(head: Uint8Array, magic: Uint8Array): boolean {
  if (head.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (head[i] !== magic[i]) return false;
  return true;
}

/** The wasm magic `\0asm`. */
export const WASM_MAGIC: Uint8Array = new Uint8Array([0x00, 0x61, 0x73, 0x6d]);
/** The ELF magic `\x7fELF`. */
export const ELF_MAGIC: Uint8Array = new Uint8Array([0x7f, 0x45, 0x4c, 0x46]);
