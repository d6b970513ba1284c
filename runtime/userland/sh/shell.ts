/**
 * The shell's state and its interpreter of lists, pipelines and compound commands.
 * Simple commands are in `exec_simple.ts`, redirections in `redirect.ts`, builtins in
 * `builtins.ts`.
 *
 * Subshells (`( … )`, `$( … )`, the parts of a pipeline that are not external commands,
 * and background lists) run in this process as concurrent tasks on a copy of the shell
 * state, with their own virtual file-descriptor table: a Berth process cannot fork, and
 * this keeps functions and unexported variables visible to them, as a forked shell sees.
 *
 * @module
 */
import type { SignalDisposition, Syscalls } from "../../kernel/syscalls/api.ts";
import { charBytes, COUNTED_FROM, HeapMeter, PIECE_BYTES, piecesAfter } from "../_heap.ts";
import type { AndOr, Command, Pipeline, Redir, Script } from "./ast.ts";
import { execSimple } from "./exec_simple.ts";
import { runPipeline } from "./pipeline.ts";
import { execCompound } from "./compound.ts";
import { startBackground } from "./background.ts";
import { parseScript } from "./parser.ts";
import { applyRedirs } from "./redirect.ts";
import { type ArithVars, evalArith } from "./arith.ts";
import type { ExpandContext } from "./expand.ts";
import { glob } from "./glob.ts";
import { BrokenPipe, Output } from "./output.ts";
import { FdTable, MemFile, type RealFds } from "./fd_table.ts";
import {
  defaultOptions,
  ExitSignal,
  InterruptSignal,
  LoopSignal,
  OPTION_LETTERS,
  ReturnSignal,
  ShellError,
  type ShellOptions,
  type Var,
} from "./state.ts";

const SIGINT = 2;

/** dash's limit on nested function calls. */
export const MAX_FUNCTION_DEPTH = 1000;

/** A function definition. */
export type FuncDef = Command & { type: "func" };

/** A background job. */
export interface Job {
  /** `$!` value: the real pid for an external command, a shell-made id otherwise. */
  id: number;
  /** Real pid to `wait4`, when the job is one external command. */
  pid?: number;
  /** Completion of an in-process job. */
  done?: Promise<number>;
  /** Status once known. */
  status?: number;
  /** Command text for `jobs`. */
  text: string;
}

/** State shared by a shell and all its in-process subshells. */
export interface Shared {
  /** `$$`. */
  pid: number;
  /** Real fds and their reference counts. */
  real: RealFds;
  /** Background jobs. */
  jobs: Job[];
  /** Next id for in-process jobs. */
  nextJobId: number;
  /** Signals caught and not yet handled by a trap. */
  pendingSignals: number[];
  /** Whether the top-level shell is interactive (SIGINT then interrupts commands). */
  interactive: boolean;
  /** The memory the process's variables hold, declared to the kernel (see `setVar`). */
  heap: HeapMeter;
}

/**
 * One shell: variables, functions, options, positional parameters, traps and its
 * file-descriptor table.
 *
 * @example
 * ```ts ignore
 * const shell = Shell.create(sys, "sh", []);
 * const status = await shell.runText("echo hi");
 * ```
 */
export class Shell implements ExpandContext {
  /** The process's system calls. */
  readonly sys: Syscalls;
  /** `$0`, also the prefix of error messages. */
  arg0: string;
  /** Variables. */
  vars: Map<string, Var>;
  /** Functions. */
  funcs: Map<string, FuncDef>;
  /** Aliases (`alias`), expanded by the parser in command position. */
  aliases: Map<string, string> = new Map();
  /** `$1…`. */
  params: string[];
  /** Options. */
  opts: ShellOptions;
  /** `set -o` names accepted for compatibility that change nothing (`vi`, `notify` …). */
  otherOptions: Set<string> = new Set();
  /** `$?`. */
  status = 0;
  /** `$!`. */
  lastBg: number | undefined;
  /** Traps by signal number (0 = EXIT). */
  traps: Map<number, string>;
  /** Virtual fds. */
  fds: FdTable;
  /** Buffered output. */
  out: Output;
  /** Shared state. */
  readonly shared: Shared;
  /** Saved variables of enclosing `local` scopes. */
  locals: Map<string, Var | undefined>[] = [];
  /** > 0 while running a condition (`if`, `while`, `&&`, `!`): `set -e` is off. */
  condDepth = 0;
  /** Enclosing loops. */
  loopDepth = 0;
  /** Enclosing functions and `.` files. */
  funcDepth = 0;
  /** Current line number. */
  lineno = 0;
  /** Status of the last command substitution (the status of a command with no name). */
  cmdsubStatus = 0;
  /** Whether this is an in-process subshell. */
  subshell = false;
  /**
   * The process's working directory and umask when this in-process subshell first
   * changed them (`cd`, `umask`): they are the process's, so they are put back when the
   * subshell ends, as if it had been a forked child.
   */
  restore: { cwd?: string; umask?: number; signals?: Map<number, SignalDisposition> } = {};
  /** Where the script came from, for messages (`sh` or the script path). */
  source: string;

  /**
   * @param sys System calls.
   * @param arg0 `$0`.
   * @param shared State shared with subshells.
   */
  constructor(sys: Syscalls, arg0: string, shared: Shared) {
    this.sys = sys;
    this.arg0 = arg0;
    this.source = arg0;
    this.vars = new Map();
    this.funcs = new Map();
    this.params = [];
    this.opts = defaultOptions();
    this.traps = new Map();
    this.shared = shared;
    this.fds = new FdTable(shared.real);
    this.out = new Output(sys);
  }

  /**
   * Creates a top-level shell for a process: environment, `PWD`, `PPID`, defaults.
   *
   * @param sys System calls.
   * @param arg0 `$0`.
   * @param params Positional parameters.
   * @returns The shell.
   */
  static create(sys: Syscalls, arg0: string, params: string[]): Shell {
    const shared: Shared = {
      pid: sys.getpid(),
      real: new Map(),
      jobs: [],
      nextJobId: 1 << 22,
      pendingSignals: [],
      interactive: false,
      heap: new HeapMeter(sys),
    };
    const sh = new Shell(sys, arg0, shared);
    sh.params = params;
    sh.fds.inheritFrom(sys);
    for (const kv of sys.environ()) {
      const eq = kv.indexOf("=");
      if (eq <= 0) continue;
      const name = kv.slice(0, eq);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue;
      sh.vars.set(name, { value: kv.slice(eq + 1), exported: true, readonly: false });
    }
    const setDefault = (name: string, value: string) => {
      if (!sh.vars.has(name)) sh.vars.set(name, { value, exported: false, readonly: false });
    };
    setDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    setDefault("PS1", sys.geteuid() === 0 ? "# " : "$ ");
    setDefault("PS2", "> ");
    setDefault("PS4", "+ ");
    setDefault("OPTIND", "1");
    sh.vars.set("PPID", { value: String(sys.getppid()), exported: false, readonly: false });
    const cwd = sys.getcwd();
    if (typeof cwd === "string") {
      const pwd = sh.vars.get("PWD")?.value;
      if (pwd === undefined || !pwd.startsWith("/") || !sameDir(sys, pwd, cwd)) {
        sh.setVar("PWD", cwd);
        sh.vars.get("PWD")!.exported = true;
      }
    }
    return sh;
  }

  /** A copy of this shell for an in-process subshell. */
  clone(): Shell {
    const sub = new Shell(this.sys, this.arg0, this.shared);
    sub.source = this.source;
    sub.vars = new Map();
    for (const [k, v] of this.vars) sub.vars.set(k, { ...v });
    sub.funcs = new Map(this.funcs);
    sub.aliases = new Map(this.aliases);
    sub.params = [...this.params];
    sub.opts = { ...this.opts, interactive: false };
    sub.otherOptions = new Set(this.otherOptions);
    sub.status = this.status;
    sub.lastBg = this.lastBg;
    // Traps other than ignored ones are reset in a subshell.
    for (const [sig, action] of this.traps) if (action === "") sub.traps.set(sig, "");
    sub.fds = this.fds.copy();
    sub.lineno = this.lineno;
    sub.subshell = true;
    return sub;
  }

  // --- variables ---

  /** Value of a variable or special parameter. */
  lookup(name: string): string | undefined {
    const v = this.vars.get(name);
    if (v) return v.value;
    switch (name) {
      case "?":
        return String(this.status);
      case "$":
        return String(this.shared.pid);
      case "!":
        return this.lastBg === undefined ? undefined : String(this.lastBg);
      case "#":
        return String(this.params.length);
      case "-":
        return this.flags();
      case "0":
        return this.arg0;
      case "@":
      case "*":
        return this.params.join(" ");
      case "LINENO":
        return String(this.lineno);
    }
    if (name.charCodeAt(0) >= 48 && name.charCodeAt(0) <= 57) {
      return this.params[Number(name) - 1];
    }
    return undefined;
  }

  /** The option letters of `$-`. */
  flags(): string {
    let s = "";
    for (const [k, letter] of OPTION_LETTERS) if (this.opts[k]) s += letter;
    return s;
  }

  /**
   * Sets a variable.
   *
   * @param name Name.
   * @param value Value.
   * @throws ShellError when readonly.
   */
  setVar(name: string, value: string): void {
    const v = this.vars.get(name);
    if (v) {
      if (v.readonly) throw new ShellError(`${name}: is read only`);
      const before = v.value?.length ?? 0;
      v.pieces = piecesAfter(v.value, value, v.pieces ?? 0);
      v.value = value;
      if (this.opts.allexport) v.exported = true;
      if (before >= COUNTED_FROM) this.#recountHeap();
    } else {
      this.vars.set(name, { value, exported: this.opts.allexport, readonly: false });
    }
    if (value.length >= COUNTED_FROM) this.#recountHeap();
  }

  /**
   * Declare what the variables hold now (their text, and the rope pieces of values grown by
   * appending: see `PIECE_BYTES`), on each assignment of a big value or over one: `x=$x$x`
   * or `x="$x$line"` in a loop then meets the container's memory.max (the OOM killer)
   * instead of growing the daemon's heap. Small values are not counted.
   */
  #recountHeap(): void {
    let bytes = 0;
    for (const v of this.vars.values()) {
      bytes += charBytes(v.value?.length ?? 0) + (v.pieces ?? 0) * PIECE_BYTES;
    }
    if (!this.shared.heap.set(bytes)) throw new ShellError("cannot allocate memory");
  }

  /** {@link ExpandContext.assign}. */
  assign(name: string, value: string): void {
    this.setVar(name, value);
  }

  /** The environment for a command: exported variables plus `extra`. */
  environ(extra?: Map<string, string>): string[] {
    const env: string[] = [];
    for (const [k, v] of this.vars) {
      if (v.exported && v.value !== undefined && !extra?.has(k)) env.push(`${k}=${v.value}`);
    }
    if (extra) { for (const [k, v] of extra) env.push(`${k}=${v}`); }
    return env;
  }

  positional(): readonly string[] {
    return this.params;
  }

  nounset(): boolean {
    return this.opts.nounset;
  }

  noglob(): boolean {
    return this.opts.noglob;
  }

  fail(message: string): never {
    throw new ShellError(message);
  }

  home(user: string): string | undefined {
    if (user === "") return this.lookup("HOME");
    return undefined;
  }

  readonly #arithVars: ArithVars = {
    get: (n) => this.lookup(n),
    set: (n, v) => this.setVar(n, v),
  };

  arith(text: string): string {
    try {
      return evalArith(text, this.#arithVars);
    } catch (e) {
      if (e instanceof ShellError) throw e;
      const msg = (e as Error).message;
      // dash reports a variable that is not a number on its own.
      if (msg.startsWith("Illegal number")) throw new ShellError(msg);
      throw new ShellError(`arithmetic expression: ${msg}: "${text}"`);
    }
  }

  glob(pattern: string): Promise<string[]> {
    return glob(this.sys, pattern);
  }

  async commandSubst(script: Script): Promise<string> {
    await this.flushOut();
    // The body runs to completion in this task with its stdout in memory; commands it
    // spawns write into pipes that are drained as they run (see spawn_io.ts).
    const capture = new MemFile("out", "", new HeapMeter(this.sys));
    const sub = this.clone();
    sub.fds.set(1, capture);
    try {
      this.cmdsubStatus = await sub.runSubshell(script);
    } finally {
      capture.take();
    }
    return capture.text;
  }

  // --- output ---

  /** Queues text for a logical fd (1 = stdout, 2 = stderr). */
  print(fd: number, text: string): Promise<void> | undefined {
    const target = this.fds.get(fd);
    if (target === undefined) return undefined;
    const p = this.out.write(target, text);
    return p ? p.catch((e) => this.#onWriteError(e)) : undefined;
  }

  /** Writes everything queued. */
  async flushOut(): Promise<void> {
    try {
      await this.out.flush();
    } catch (e) {
      this.#onWriteError(e);
    }
  }

  /** A write to a pipe nobody reads ends the (sub)shell as SIGPIPE would (status 141). */
  #onWriteError(e: unknown): never {
    if (!(e instanceof BrokenPipe)) throw e;
    this.out.discard();
    throw new ExitSignal(128 + 13);
  }

  #ticks = 0;

  /**
   * Called once per loop iteration: every 256 iterations the shell offers the CPU to
   * the scheduler, so a busy loop of builtins cannot starve other processes (and can be
   * killed), then runs traps for signals that arrived.
   */
  loopTick(): Promise<void> | undefined {
    if ((++this.#ticks & 255) !== 0) return undefined;
    return this.#yieldCpu();
  }

  async #yieldCpu(): Promise<void> {
    const y = this.sys.sched_yield();
    if (y instanceof Promise) await y;
    if (this.shared.pendingSignals.length > 0) await this.runPendingTraps();
  }

  /** Prints `sh: LINE: message` on stderr. */
  async error(message: string): Promise<void> {
    await this.print(2, `${this.source}: ${this.lineno}: ${message}\n`);
    await this.flushOut();
  }

  // --- execution ---

  /** Runs queued traps for signals that arrived. */
  async runPendingTraps(allowInterrupt = true): Promise<void> {
    const pending = this.shared.pendingSignals;
    let interrupted = false;
    while (pending.length > 0) {
      const sig = pending.shift()!;
      const action = this.traps.get(sig);
      if (action === undefined && sig === SIGINT && this.shared.interactive) {
        // Ctrl-C at an interactive shell abandons the command line, back to the prompt.
        if (!allowInterrupt) {
          interrupted = true;
          continue;
        }
        pending.length = 0;
        throw new InterruptSignal();
      }
      if (action === undefined || action === "") continue;
      const saved = this.status;
      await this.evalText(action);
      this.status = saved;
    }
    if (interrupted) pending.push(SIGINT);
  }

  /**
   * Parses and runs text in this shell (`eval`, traps).
   *
   * @param text The text.
   * @param what Prefix of syntax errors ("eval").
   * @returns Its status.
   */
  async evalText(text: string, what?: string): Promise<number> {
    await null;
    let script: Script;
    try {
      script = parseScript(text, this.aliases);
    } catch (e) {
      throw new ShellError(`${what ? `${what}: ` : ""}Syntax error: ${(e as Error).message}`);
    }
    return await this.execScript(script);
  }

  /** Runs a list. */
  async execScript(script: Script): Promise<number> {
    return await this.#execFrom(script, 0, 0);
  }

  /**
   * Runs a list like {@link execScript}, but without a promise when every command in it
   * completes synchronously (loop bodies of builtins: the hot path of shell loops).
   *
   * @param script The list.
   * @returns Its status, or a promise of it.
   */
  execBody(script: Script): number | Promise<number> {
    const items = script.items;
    if (items.length === 0) {
      this.status = 0;
      return 0;
    }
    let status = 0;
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (item.background) return this.#execFrom(script, i, status);
      const r = this.execAndOr(item);
      if (r instanceof Promise) {
        return r.then((s) => {
          if (this.shared.pendingSignals.length > 0) {
            return this.runPendingTraps().then(() => this.#execFrom(script, i + 1, s));
          }
          return this.#execFrom(script, i + 1, s);
        });
      }
      status = r;
      // Traps run after the command during which their signal came, as in #execFrom.
      if (this.shared.pendingSignals.length > 0) {
        const s = status;
        return this.runPendingTraps().then(() => this.#execFrom(script, i + 1, s));
      }
    }
    return status;
  }

  async #execFrom(script: Script, start: number, initial: number): Promise<number> {
    let status = initial;
    const items = script.items;
    if (items.length === 0) this.status = 0;
    for (let i = start; i < items.length; i++) {
      const item = items[i]!;
      if (item.background) status = await this.startBackground(item);
      else {
        const r = this.execAndOr(item);
        status = r instanceof Promise ? await r : r;
      }
      if (this.shared.pendingSignals.length > 0) await this.runPendingTraps();
    }
    return items.length === 0 ? 0 : status;
  }

  /** Runs an and-or list; synchronous when its one command completes synchronously. */
  execAndOr(item: AndOr): number | Promise<number> {
    if (item.rest.length === 0) {
      const p = item.first;
      if (p.bang || p.cmds.length !== 1) return this.execPipelineChecked(p);
      // Fast path: one command, no `!`.
      const cmd = p.cmds[0]!;
      const r = cmd.type === "simple" ? execSimple(this, cmd) : this.execCommand(cmd);
      if (r instanceof Promise) return r.then((s) => this.#afterCommand(s));
      return this.#afterCommand(r);
    }
    return this.#execAndOrList(item);
  }

  #afterCommand(status: number): number {
    this.status = status;
    if (status !== 0 && this.opts.errexit && this.condDepth === 0) throw new ExitSignal(status);
    return status;
  }

  async #execAndOrList(item: AndOr): Promise<number> {
    const rest = item.rest;
    this.condDepth++;
    let status: number;
    try {
      status = await this.execPipeline(item.first);
    } finally {
      this.condDepth--;
    }
    for (let i = 0; i < rest.length; i++) {
      const r = rest[i]!;
      if ((r.op === "&&") !== (status === 0)) continue;
      if (i === rest.length - 1) return await this.execPipelineChecked(r.pipeline);
      this.condDepth++;
      try {
        status = await this.execPipeline(r.pipeline);
      } finally {
        this.condDepth--;
      }
    }
    return status;
  }

  /** Runs a pipeline and applies `set -e`. */
  async execPipelineChecked(p: Pipeline): Promise<number> {
    const status = await this.execPipeline(p);
    if (status !== 0 && this.opts.errexit && this.condDepth === 0 && !p.bang) {
      throw new ExitSignal(status);
    }
    return status;
  }

  async execPipeline(p: Pipeline): Promise<number> {
    let status: number;
    if (p.bang) this.condDepth++;
    try {
      if (p.cmds.length === 1) status = await this.execCommand(p.cmds[0]!);
      else status = await this.runPipeline(p.cmds);
    } finally {
      if (p.bang) this.condDepth--;
    }
    if (p.bang) status = status === 0 ? 1 : 0;
    this.status = status;
    return status;
  }

  async runPipeline(cmds: Command[]): Promise<number> {
    return await runPipeline(this, cmds);
  }

  /** Runs a script as a subshell of this shell; resolves with its status. */
  async runSubshell(script: Script): Promise<number> {
    let status: number;
    try {
      status = await this.execScript(script);
    } catch (e) {
      if (e instanceof InterruptSignal) {
        await this.finish(130);
        throw e;
      }
      status = await this.statusOf(e);
    }
    status = await this.finish(status);
    return status;
  }

  /** Runs the EXIT trap, flushes output and releases fds; returns the final status. */
  async finish(status: number): Promise<number> {
    try {
      return await this.#finish(status);
    } finally {
      if (this.restore.cwd !== undefined) this.sys.chdir(this.restore.cwd);
      if (this.restore.umask !== undefined) this.sys.umask(this.restore.umask);
      for (const [sig, old] of this.restore.signals ?? []) this.sys.sigaction(sig, old);
      this.restore = {};
    }
  }

  async #finish(status: number): Promise<number> {
    const exitTrap = this.traps.get(0);
    if (exitTrap) {
      this.traps.delete(0);
      this.status = status;
      try {
        await this.evalText(exitTrap);
      } catch (e) {
        if (e instanceof ExitSignal) status = e.code;
        else if (!(e instanceof ReturnSignal) && !(e instanceof LoopSignal)) {
          status = await this.statusOf(e);
        }
      }
    }
    try {
      await this.flushOut();
    } catch {
      // broken pipe at the end: nothing more to say
    }
    this.fds.releaseAll();
    return status;
  }

  /** The status an exception ends a (sub)shell with (errors are reported); rethrows unknown ones. */
  async statusOf(e: unknown): Promise<number> {
    if (e instanceof ExitSignal) return e.code;
    if (e instanceof ReturnSignal) return e.code;
    if (e instanceof LoopSignal) return this.status;
    if (e instanceof ShellError) {
      if (!e.reported) await this.error(e.message);
      return e.status;
    }
    throw e;
  }

  /** Starts a list in the background (see `background.ts`); sets `$!`. */
  startBackground(item: AndOr): Promise<number> {
    return startBackground(this, item);
  }

  /** Points fd 0 at /dev/null (background lists of non-interactive shells). */
  async redirectStdinToNull(): Promise<void> {
    let fd = this.sys.openat(-100, "/dev/null", 0, 0);
    if (fd instanceof Promise) fd = await fd;
    if (fd >= 0) {
      const [r] = this.fds.adopt(this.sys, [fd]);
      this.fds.set(0, r!);
      this.fds.release(r!);
    }
  }

  /**
   * Runs one command of a pipeline-less list; synchronous when the command completes
   * synchronously (builtins, and `{ }`, `if` and `case` made of them, without redirections).
   */
  execCommand(cmd: Command): number | Promise<number> {
    switch (cmd.type) {
      case "simple": {
        const s = execSimple(this, cmd);
        if (s instanceof Promise) {
          return s.then((v) => {
            this.status = v;
            return v;
          });
        }
        this.status = s;
        return s;
      }
      case "func":
        this.funcs.set(cmd.name, cmd);
        this.status = 0;
        return 0;
      default:
        if (cmd.redirs.length === 0) return this.execCompound(cmd);
        return this.withRedirs(cmd.redirs, () => this.execCompound(cmd));
    }
  }

  /** Runs `body` with redirections applied to this shell's fd table. */
  async withRedirs(redirs: Redir[], body: () => number | Promise<number>): Promise<number> {
    if (redirs.length === 0) return await body();
    const saved = this.fds;
    this.fds = saved.copy();
    try {
      const ok = await applyRedirs(this, redirs);
      if (!ok) {
        this.status = 2;
        return 2;
      }
      return await body();
    } catch (e) {
      // Report an error where it happened: `cmd 2>/dev/null` silences it, as in dash.
      if (e instanceof ShellError && !e.reported) {
        await this.error(e.message);
        e.reported = true;
      }
      throw e;
    } finally {
      await this.flushOut();
      this.fds.releaseAll();
      this.fds = saved;
    }
  }

  /** Runs a compound command (see `compound.ts`). */
  execCompound(cmd: Command): number | Promise<number> {
    return execCompound(this, cmd);
  }

  /** Calls a function with arguments. */
  async callFunction(f: FuncDef, args: string[]): Promise<number> {
    if (this.funcDepth >= MAX_FUNCTION_DEPTH) {
      throw new ShellError(`Maximum function recursion depth (${MAX_FUNCTION_DEPTH}) reached`);
    }
    // Continue on a fresh stack: a call chain of builtins never awaits anything real.
    await null;
    const savedParams = this.params;
    this.params = args;
    this.locals.push(new Map());
    this.funcDepth++;
    const savedLoop = this.loopDepth;
    this.loopDepth = 0;
    try {
      return await this.execCommand(f.body);
    } catch (e) {
      if (e instanceof ReturnSignal) {
        this.status = e.code;
        return e.code;
      }
      throw e;
    } finally {
      this.loopDepth = savedLoop;
      this.funcDepth--;
      const scope = this.locals.pop()!;
      for (const [name, v] of scope) {
        if (v === undefined) this.vars.delete(name);
        else this.vars.set(name, v);
      }
      this.params = savedParams;
    }
  }

  /** Makes `name` local to the current function (`local`). */
  makeLocal(name: string): void {
    const scope = this.locals[this.locals.length - 1];
    if (!scope) throw new ShellError("local: not in a function");
    if (scope.has(name)) return;
    const v = this.vars.get(name);
    scope.set(name, v ? { ...v } : undefined);
  }
}

function sameDir(sys: Syscalls, a: string, b: string): boolean {
  const sa = sys.fstatat(-100, a, 0);
  const sb = sys.fstatat(-100, b, 0);
  return typeof sa === "object" && typeof sb === "object" && sa.ino === sb.ino && sa.dev === sb.dev;
}
