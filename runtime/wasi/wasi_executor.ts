/**
 * The WASI executor: runs a wasm32 WASI preview1 module as a green thread of a kernel
 * process. The module is instrumented (fuel checks, `memory.grow` through the kernel)
 * and compiled once per digest ({@link ModuleCache}); each process gets its own
 * instance whose `_start` runs inside `WebAssembly.promising`, so blocking system calls
 * and used-up time slices suspend only this process.
 *
 * - Preemption: the instrumented code calls `berth.yield` every {@link FUEL_PER_CHECK}
 *   fuel checks; it asks the kernel ({@link ExecContext.preempt}) whether the slice is
 *   over and suspends when it is. A kill rejects the pending wait with `ProcessKilled`,
 *   which unwinds the suspended wasm stack.
 * - Memory: initial linear memory and every `memory.grow` are charged to the process's
 *   memory cgroup; a refused grow returns -1 to the guest (malloc returns NULL), and an
 *   initial memory over `memory.max` fails the start with `ENOMEM`.
 * - Limits: at most {@link DEFAULT_MAX_INSTANCES} live WASI instances kernel-wide
 *   (each suspended JSPI stack and instance holds host memory mappings; Deno aborts when
 *   the process runs out of them), beyond which a start fails with `EAGAIN`.
 * - Exit: `proc_exit(n)` exits with n; a trap prints a Wasmtime-like message on stderr
 *   and kills the process with `SIGILL` (unreachable, bad indirect call), `SIGSEGV`
 *   (out-of-bounds access, stack exhaustion) or `SIGFPE` (division, conversion).
 *
 * Only `wasi_snapshot_preview1` is provided: a module importing the older
 * `wasi_unstable` (preview0, with different struct layouts and `whence` numbering) fails
 * exec with `ENOEXEC` ("Exec format error") rather than running on wrong layouts.
 *
 * Admission ({@link WasiExecutor.admit}, run by `execve`/`spawn` before exec's point of
 * no return) instruments and compiles the module (once per digest, {@link ModuleCache})
 * and checks it can start, so that exec fails with an errno as Linux's loaders do:
 * `ENOEXEC` for bytes that do not compile, an import nobody provides (another module
 * than `wasi_snapshot_preview1`, or a name it does not have) or no `_start` export;
 * `ENOMEM` when the initial memory does not fit under `memory.max`; `EAGAIN` at the
 * instance limit. The caller of `spawn`/`execve` gets the errno (a shell reports it,
 * `berth run` fails like Docker with the reason). What only instantiation can find (a
 * data segment out of bounds), or a limit reached between admission and start by another
 * process, prints `berth-wasi: <path>: <reason>` on stderr and exits with 126, since
 * {@link Executor.run} cannot return an errno to exec any more.
 *
 * @module
 */
import { Errno, strerror } from "../kernel/errno.ts";
import {
  type AdmitContext,
  type ExecContext,
  type ExecRefusal,
  type Executor,
  ProcessKilled,
} from "../kernel/executor.ts";
import { AT, O } from "../kernel/syscalls/api.ts";
import { ModuleCache, type ModuleCacheOptions } from "./module_cache.ts";
import { createWasiImports, WASI_PREVIEW1_FUNCTIONS } from "./wasi_preview1.ts";
import { BERTH_IMPORT_MODULE, MEMORY_GROW_IMPORT, YIELD_IMPORT } from "./instrument/instrument.ts";
import { promising, suspending } from "./_jspi.ts";
import { utf8 } from "./_guest_memory.ts";

/**
 * Default kernel-wide limit of live WASI instances. Measured here: 8,192 instances
 * suspended in `poll_oneoff` held 40,769 memory mappings (about 4.9 each; the host's
 * `vm.max_map_count` is 65,530, so about 13,000 would crash Deno) and 700 MB RSS. 6,144
 * keeps a third of the mappings free for everything else in the process.
 */
export const DEFAULT_MAX_INSTANCES = 6144;
/**
 * Live instances of every executor in this JavaScript isolate: host mappings are a
 * process-wide resource, so several kernels in one process share the default limit.
 */
let isolateLive = 0;

/** Fuel given per refill: loop iterations / recursive calls between slice checks. */
export const FUEL_PER_CHECK = 10_000;
/** Exit status of a start that failed before the program ran. */
export const EXIT_CANNOT_EXECUTE = 126;

const WASM_PAGE = 65536;
const WASI_MODULE = "wasi_snapshot_preview1";
const WASI_NAMES: ReadonlySet<string> = new Set(WASI_PREVIEW1_FUNCTIONS);
const BERTH_NAMES: ReadonlySet<string> = new Set([YIELD_IMPORT, MEMORY_GROW_IMPORT]);
const SIGILL = 4;
const SIGFPE = 8;
const SIGKILL = 9;
const SIGSEGV = 11;

/** Options of {@link WasiExecutor}. */
export interface WasiExecutorOptions extends ModuleCacheOptions {
  /** Kernel-wide limit of live WASI instances. Default {@link DEFAULT_MAX_INSTANCES}. */
  maxInstances?: number;
}

/**
 * Runs WASI modules for the kernel's binfmt table (magic `\0asm`).
 *
 * @example
 * ```ts ignore
 * const executor = new WasiExecutor({ cacheDir: `${root}/cache/wasi` });
 * kernel.registerBinfmt({ name: "wasi", match: (h) => startsWith(h, WASM_MAGIC), executor, unwindOnKill: true });
 * ```
 */
export class WasiExecutor implements Executor {
  /** Instrumented, compiled modules. */
  readonly cache: ModuleCache;
  readonly #maxInstances: number;
  #live = 0;
  /** Modules admitted, by the image object exec hands to both admit and run. */
  readonly #admitted = new WeakMap<Uint8Array, WebAssembly.Module>();
  /** What keeps a compiled module from starting (null: nothing), checked once per module. */
  readonly #linkProblems = new WeakMap<WebAssembly.Module, string | null>();

  /**
   * An executor with its own module cache and instance limit.
   *
   * @param options cache location and limits
   */
  constructor(options: WasiExecutorOptions = {}) {
    this.cache = new ModuleCache(options);
    this.#maxInstances = options.maxInstances ?? DEFAULT_MAX_INSTANCES;
  }

  /** Live WASI instances of this executor (its kernel). */
  get liveInstances(): number {
    return this.#live;
  }

  /** Over this executor's limit, or over the default limit counting every kernel here. */
  #full(): boolean {
    return this.#live >= this.#maxInstances || isolateLive >= DEFAULT_MAX_INSTANCES;
  }

  /**
   * Admission, before exec's point of no return: instrument and compile the module (or
   * find it in the cache), check its imports and `_start`, and that its initial memory
   * fits the process's memory cgroup now and the instance limit leaves room.
   *
   * @param ctx the process about to run the module
   * @param image the module's bytes (the same object {@link run} receives)
   * @returns undefined when the module may start, else `ENOEXEC`, `ENOMEM` or `EAGAIN`
   *   with the reason
   * @example
   * ```ts ignore
   * const refusal = await executor.admit({ task, path, argv, env }, bytes);
   * if (refusal) return refusal.errno; // exec fails; the old image keeps running
   * ```
   */
  async admit(ctx: AdmitContext, image: Uint8Array): Promise<ExecRefusal | undefined> {
    if (this.#full()) return this.#limitRefusal();
    let module: WebAssembly.Module;
    try {
      module = await this.cache.load(image); // a hit also refreshes the module's LRU place
    } catch (e) {
      return { errno: Errno.ENOEXEC, reason: (e as Error).message };
    }
    const problem = this.#linkProblem(module);
    if (problem) return { errno: Errno.ENOEXEC, reason: problem };
    // A trial charge: what the start will charge must fit under memory.max now.
    const initial = this.cache.initialMemory(module) ?? 0;
    if (initial > 0) {
      if (!ctx.task.memory.tryCharge(initial, "anon")) {
        return {
          errno: Errno.ENOMEM,
          reason: `initial memory of ${initial} bytes is over memory.max`,
        };
      }
      ctx.task.memory.uncharge(initial, "anon");
    }
    if (this.#full()) return this.#limitRefusal();
    this.#admitted.set(image, module);
    return undefined;
  }

  #limitRefusal(): ExecRefusal {
    return {
      errno: Errno.EAGAIN,
      reason: `limit of ${this.#maxInstances} WASI processes reached`,
    };
  }

  /** Imports no one provides, or no `_start`: why the module cannot start, or null. */
  #linkProblem(module: WebAssembly.Module): string | null {
    const known = this.#linkProblems.get(module);
    if (known !== undefined) return known;
    let problem: string | null = null;
    for (const imp of WebAssembly.Module.imports(module)) {
      const ok = imp.kind === "function" &&
        (imp.module === WASI_MODULE
          ? WASI_NAMES.has(imp.name)
          : imp.module === BERTH_IMPORT_MODULE && BERTH_NAMES.has(imp.name));
      if (ok) continue;
      problem = `unknown import "${imp.module}"."${imp.name}" (${imp.kind})`;
      if (imp.module === "wasi_unstable") {
        problem += ": WASI preview0 (wasi_unstable) is not supported";
      } else if (imp.module !== WASI_MODULE) problem += `: only ${WASI_MODULE} is provided`;
      break;
    }
    if (!problem) {
      const start = WebAssembly.Module.exports(module).find((e) => e.name === "_start");
      if (!start || start.kind !== "function") {
        problem = "no _start function export (not a WASI command module)";
      }
    }
    this.#linkProblems.set(module, problem);
    return problem;
  }

  /**
   * Run a module in the process of `ctx`. Called with the CPU held.
   *
   * @param ctx the process context
   * @param image the module's bytes
   * @returns the exit code (`proc_exit` propagates as the kernel's `ProcessExit`)
   */
  async run(ctx: ExecContext, image: Uint8Array): Promise<number> {
    const { sys } = ctx;
    const fail = async (reason: string): Promise<number> => {
      await sys.write(2, utf8(`berth-wasi: ${ctx.path}: ${reason}\n`));
      return EXIT_CANNOT_EXECUTE;
    };
    if (this.#full()) {
      return fail(`${strerror(Errno.EAGAIN)} (limit of ${this.#maxInstances} WASI processes)`);
    }
    let module = this.#admitted.get(image) ?? this.cache.peek(image);
    if (!module) {
      // Not admitted (an exec path without admission): instrumenting and compiling run off the kernel's CPU: sleep in 1 ms steps (a
      // real kernel sleep, so other processes run) until the module is ready.
      const loading = this.cache.load(image);
      let settled = false;
      loading.then(() => settled = true, () => settled = true);
      while (!settled) {
        await sys.nanosleep({ sec: 0, nsec: 1_000_000 });
        if (ctx.dead) throw new ProcessKilled(SIGKILL);
      }
      try {
        module = await loading;
      } catch (e) {
        return fail(`${strerror(Errno.ENOEXEC)}: ${(e as Error).message}`);
      }
    }
    if (this.#full()) {
      return fail(`${strerror(Errno.EAGAIN)} (limit of ${this.#maxInstances} WASI processes)`);
    }
    this.#live++;
    isolateLive++;
    let charged = 0;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.#live--;
      isolateLive--;
      if (charged > 0) ctx.unchargeMemory(charged);
      charged = 0;
    };
    ctx.onExit(release);
    try {
      return await this.#start(ctx, module, (bytes) => {
        if (!ctx.chargeMemory(bytes)) return false;
        charged += bytes;
        return true;
      }, fail);
    } finally {
      release();
    }
  }

  async #start(
    ctx: ExecContext,
    module: WebAssembly.Module,
    charge: (bytes: number) => boolean,
    fail: (reason: string) => Promise<number>,
  ): Promise<number> {
    const { sys } = ctx;
    const resumed = () => {
      if (ctx.dead) throw new ProcessKilled(SIGKILL);
    };
    const wasi = createWasiImports({ sys, argv: ctx.argv, env: ctx.env, resumed });
    let memory: WebAssembly.Memory | undefined;
    const berth = {
      [YIELD_IMPORT]: suspending(() => {
        if (ctx.dead) throw new ProcessKilled(SIGKILL);
        const wait = ctx.preempt();
        if (!wait) return FUEL_PER_CHECK;
        return wait.then(() => {
          resumed();
          return FUEL_PER_CHECK;
        });
      }),
      [MEMORY_GROW_IMPORT]: (pages: number): number => {
        if (!memory) return -1;
        const bytes = pages * WASM_PAGE;
        if (pages === 0) return memory.buffer.byteLength / WASM_PAGE;
        if (!charge(bytes)) return -1;
        try {
          return memory.grow(pages);
        } catch {
          ctx.unchargeMemory(bytes);
          return -1;
        }
      },
    };
    // Charge the initial memory before instantiation allocates it.
    const initial = this.cache.initialMemory(module) ?? 0;
    if (!charge(initial)) {
      return fail(
        `${strerror(Errno.ENOMEM)} (initial memory of ${initial} bytes is over memory.max)`,
      );
    }
    let instance: WebAssembly.Instance;
    try {
      // Synchronous: the module is compiled, and no event-loop turn passes with the CPU held.
      instance = new WebAssembly.Instance(module, {
        wasi_snapshot_preview1: wasi.imports,
        [BERTH_IMPORT_MODULE]: berth,
      } as WebAssembly.Imports);
    } catch (e) {
      return fail(`${strerror(Errno.ENOEXEC)}: ${(e as Error).message}`);
    }
    if (ctx.dead) throw new ProcessKilled(SIGKILL);
    const exported = instance.exports.memory;
    if (exported instanceof WebAssembly.Memory) {
      memory = exported;
      wasi.memory.attach(memory);
      const actual = memory.buffer.byteLength;
      if (actual > initial && !charge(actual - initial)) {
        return fail(
          `${strerror(Errno.ENOMEM)} (initial memory of ${actual} bytes is over memory.max)`,
        );
      }
    }
    const start = instance.exports._start;
    if (typeof start !== "function") return fail(`${strerror(Errno.ENOEXEC)}: no _start export`);
    const root = await sys.openat(AT.FDCWD, "/", O.RDONLY | O.DIRECTORY | O.CLOEXEC, 0);
    if (root >= 0) wasi.preopens.set(root, "/");
    const cwd = sys.getcwd();
    if (typeof cwd === "string" && cwd !== "/") {
      const dot = await sys.openat(AT.FDCWD, ".", O.RDONLY | O.DIRECTORY | O.CLOEXEC, 0);
      if (dot >= 0) wasi.preopens.set(dot, ".");
    }
    if (ctx.dead) throw new ProcessKilled(SIGKILL);
    try {
      await promising(start as (...args: unknown[]) => unknown)();
      return 0;
    } catch (e) {
      const trap = classifyTrap(e);
      if (!trap || ctx.dead) throw e; // ProcessExit, ProcessKilled: the kernel's
      const msg = `Error: failed to run main module \`${ctx.path}\`\n\nCaused by:\n` +
        `    0: failed to invoke command default\n    1: wasm trap: ${trap.message}\n`;
      const w = sys.write(2, utf8(msg));
      if (w instanceof Promise) await w.catch(() => 0);
      sys.kill(sys.getpid(), trap.signal); // throws ProcessKilled once the signal took
      return 128 + trap.signal;
    }
  }
}

/**
 * The Wasmtime-style message and the signal for an engine trap, or undefined when `e`
 * is not a trap.
 *
 * @param e what the entry threw
 * @returns message and Linux signal number
 */
export function classifyTrap(e: unknown): { message: string; signal: number } | undefined {
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    return { message: "call stack exhausted", signal: SIGSEGV };
  }
  if (!(e instanceof WebAssembly.RuntimeError)) return undefined;
  const m = e.message;
  if (/unreachable/i.test(m)) {
    return { message: "wasm `unreachable` instruction executed", signal: SIGILL };
  }
  if (/memory access out of bounds|out of bounds memory/i.test(m)) {
    return { message: "out of bounds memory access", signal: SIGSEGV };
  }
  if (/divide by zero|remainder by zero/i.test(m)) {
    return { message: "integer divide by zero", signal: SIGFPE };
  }
  if (/integer overflow/i.test(m)) return { message: "integer overflow", signal: SIGFPE };
  if (/conver/i.test(m)) return { message: "invalid conversion to integer", signal: SIGFPE };
  if (/signature mismatch|null function/i.test(m)) {
    return { message: "indirect call type mismatch", signal: SIGILL };
  }
  if (/table/i.test(m)) {
    return { message: "undefined element: out of bounds table access", signal: SIGILL };
  }
  return { message: m, signal: SIGILL };
}
