/**
 * Simple commands (POSIX 2.9.1): expansion, assignments, command search (special
 * builtins, functions, builtins, then `PATH` through the kernel's spawn), redirections,
 * and the parts of pipelines and background lists.
 *
 * @module
 */
import { Errno, strerror } from "../../kernel/errno.ts";
import { O, W } from "../../kernel/syscalls/api.ts";
import type { AndOr, Command, Word } from "./ast.ts";
import { BUILTINS, SPECIAL_BUILTINS } from "./builtins.ts";
import { expandString, expandWord } from "./expand.ts";
import type { FdTable } from "./fd_table.ts";
import { hasMagic } from "./pattern.ts";
import { applyRedirs } from "./redirect.ts";
import { materialize, type Pump, runPumps } from "./spawn_io.ts";
import type { Job, Shell } from "./shell.ts";
import { ExitSignal, ShellError, type Var } from "./state.ts";

/** An error in a regular builtin is reported and fails the command; the shell goes on. */
async function builtinFailed(sh: Shell, e: unknown): Promise<number> {
  if (!(e instanceof ShellError)) throw e;
  if (!e.reported) await sh.error(e.message);
  return e.status;
}

/** Status of a command whose redirections failed. */
const REDIR_FAILED = 2;

/** A simple command node. */
export type Simple = Command & { type: "simple" };

/** A simple command after expansion. */
export interface Prepared {
  argv: string[];
  assigns: [string, string][];
}

const X_OK = 1;
const O_RDONLY = O.RDONLY;
const O_CLOEXEC = O.CLOEXEC;

/** Words already classified by {@link literalWord}: their text, or null when they expand. */
const literals = new WeakMap<Word, string | null>();

/** The text of a word that needs no expansion (one literal part), else undefined. */
function literalWord(w: Word): string | undefined {
  const known = literals.get(w);
  if (known !== undefined) return known ?? undefined;
  const text = literalText(w);
  literals.set(w, text ?? null);
  return text;
}

function literalText(w: Word): string | undefined {
  if (w.parts.length !== 1) return undefined;
  const p = w.parts[0]!;
  if (p.type === "sq") return p.text;
  if (p.type !== "lit") return undefined;
  const t = p.text;
  if (p.quoted || (!t.includes("*") && !t.includes("?") && !t.includes("[")) || !hasMagic(t)) {
    return t;
  }
  return undefined;
}

/**
 * Expands a simple command's words and assignments (and traces it with `set -x`).
 * Synchronous unless an expansion waits (command substitution, pathname expansion).
 *
 * @param sh The shell.
 * @param cmd The command.
 * @returns argv and assignments, or a promise of them.
 */
export function prepare(sh: Shell, cmd: Simple): Prepared | Promise<Prepared> {
  sh.lineno = cmd.line;
  sh.cmdsubStatus = 0;
  return prepareFrom(sh, cmd, [], 0, [], 0);
}

/** {@link prepare} from word `wi` and assignment `ai` on (after an expansion waited). */
function prepareFrom(
  sh: Shell,
  cmd: Simple,
  argv: string[],
  wi: number,
  assigns: [string, string][],
  ai: number,
): Prepared | Promise<Prepared> {
  const words = cmd.words;
  for (; wi < words.length; wi++) {
    const w = words[wi]!;
    const lit = literalWord(w);
    if (lit !== undefined) {
      argv.push(lit);
      continue;
    }
    const fields = expandWord(w, sh);
    if (fields instanceof Promise) {
      const next = wi + 1;
      return fields.then((f) => {
        for (const x of f) argv.push(x);
        return prepareFrom(sh, cmd, argv, next, assigns, ai);
      });
    }
    for (const f of fields) argv.push(f);
  }
  for (; ai < cmd.assigns.length; ai++) {
    const a = cmd.assigns[ai]!;
    const v = literalWord(a.value) ?? expandString(a.value, sh);
    if (typeof v !== "string") {
      const next = ai + 1;
      return v.then((x) => {
        assigns.push([a.name, x]);
        return prepareFrom(sh, cmd, argv, wi, assigns, next);
      });
    }
    assigns.push([a.name, v]);
  }
  if (sh.opts.xtrace) return traced(sh, { argv, assigns });
  return { argv, assigns };
}

/** Prints a prepared command for `set -x`. */
async function traced(sh: Shell, prep: Prepared): Promise<Prepared> {
  const ps4 = sh.lookup("PS4") ?? "+ ";
  const words = [...prep.assigns.map(([k, v]) => `${k}=${v}`), ...prep.argv];
  await sh.print(2, `${ps4}${words.join(" ")}\n`);
  return prep;
}

/** How a command name resolves. */
export type CommandKind = "special" | "function" | "builtin" | "external";

/**
 * Resolves a command name as POSIX 2.9.1.1 orders the search.
 *
 * @param sh The shell.
 * @param name Command name.
 * @param skipFunctions For `command name`.
 * @returns The kind.
 */
export function commandKind(sh: Shell, name: string, skipFunctions = false): CommandKind {
  if (Object.hasOwn(SPECIAL_BUILTINS, name)) return "special";
  if (!skipFunctions && sh.funcs.has(name)) return "function";
  if (Object.hasOwn(BUILTINS, name)) return "builtin";
  return "external";
}

/**
 * Searches `PATH` for an executable, as `command -v` and `exec` do.
 *
 * @param sh The shell.
 * @param name Command name (returned as is when it has a `/`).
 * @returns The path, or undefined.
 */
export function findInPath(sh: Shell, name: string): string | undefined {
  if (name.includes("/")) return sh.sys.faccessat(-100, name, X_OK, 0) === 0 ? name : undefined;
  const r = searchPath(sh, name, sh.lookup("PATH"));
  return r && "path" in r ? r.path : undefined;
}

/**
 * Searches a `PATH` value for an executable regular file.
 *
 * @param sh The shell.
 * @param name Command name (no `/`).
 * @param pathVar The `PATH` in effect (undefined: unset, nothing is found).
 * @returns The path, or the first match that is not executable, or undefined.
 */
export function searchPath(
  sh: Shell,
  name: string,
  pathVar: string | undefined,
): { path: string } | { denied: string } | undefined {
  if (pathVar === undefined) return undefined;
  let denied: string | undefined;
  for (const dir of pathVar.split(":")) {
    const p = `${dir === "" ? "." : dir}/${name}`;
    const st = sh.sys.fstatat(-100, p, 0);
    if (typeof st !== "object" || (st.mode & 0o170000) !== 0o100000) continue;
    if (sh.sys.faccessat(-100, p, X_OK, 0) === 0) return { path: p };
    denied ??= p;
  }
  return denied === undefined ? undefined : { denied };
}

/** Runs with `assigns` set for the duration of `body` (exported, as a command's environment). */
async function withTempVars<T>(
  sh: Shell,
  assigns: [string, string][],
  body: () => Promise<T>,
): Promise<T> {
  if (assigns.length === 0) return await body();
  const saved: [string, Var | undefined][] = [];
  for (const [k, v] of assigns) {
    const old = sh.vars.get(k);
    if (old?.readonly) throw new ShellError(`${k}: is read only`);
    saved.push([k, old ? { ...old } : undefined]);
    sh.vars.set(k, { value: v, exported: true, readonly: false });
  }
  try {
    return await body();
  } finally {
    for (const [k, old] of saved.reverse()) {
      if (old) sh.vars.set(k, old);
      else sh.vars.delete(k);
    }
  }
}

/**
 * Runs a simple command in the shell and waits for it. Completes synchronously when
 * its expansions do and it is a builtin without redirections or a plain assignment.
 *
 * @param sh The shell.
 * @param cmd The command.
 * @returns Exit status.
 */
export function execSimple(sh: Shell, cmd: Simple): number | Promise<number> {
  const prep = prepare(sh, cmd);
  if (prep instanceof Promise) return prep.then((p) => runPrepared(sh, cmd, p));
  if (cmd.redirs.length > 0) return runPrepared(sh, cmd, prep);
  const argv = prep.argv;
  if (argv.length === 0) {
    // A plain assignment (`i=$((i + 1))`).
    for (const [k, v] of prep.assigns) sh.setVar(k, v);
    return sh.cmdsubStatus;
  }
  if (prep.assigns.length === 0) {
    const name = argv[0]!;
    const kind = name === "command" ? "external" : commandKind(sh, name);
    if (kind === "special") return SPECIAL_BUILTINS[name]!(sh, argv);
    if (kind === "builtin") {
      try {
        const r = BUILTINS[name]!(sh, argv);
        return r instanceof Promise ? r.catch((e) => builtinFailed(sh, e)) : r;
      } catch (e) {
        return builtinFailed(sh, e);
      }
    }
  }
  return runPrepared(sh, cmd, prep);
}

/**
 * Runs an already expanded command (for `command name …`).
 *
 * @param sh The shell.
 * @param argv Command and arguments.
 * @param skipFunctions Whether functions are skipped in the search.
 * @returns Exit status.
 */
export async function runArgv(sh: Shell, argv: string[], skipFunctions: boolean): Promise<number> {
  const cmd: Simple = { type: "simple", assigns: [], words: [], redirs: [], line: sh.lineno };
  return await runPrepared(sh, cmd, { argv, assigns: [] }, skipFunctions);
}

/**
 * Runs an expanded simple command in the shell (builtins, functions, or a spawned
 * command that is waited for).
 *
 * @param sh The shell.
 * @param cmd The command (for its redirections).
 * @param prep Its expansion.
 * @param skip Whether functions are skipped (`command name`).
 * @returns Exit status.
 */
export async function runPrepared(
  sh: Shell,
  cmd: Simple,
  prep: Prepared,
  skip = false,
): Promise<number> {
  let { argv } = prep;
  const { assigns } = prep;
  if (argv.length === 0) {
    for (const [k, v] of assigns) sh.setVar(k, v);
    if (cmd.redirs.length === 0) return sh.cmdsubStatus;
    const st = sh.cmdsubStatus;
    return await sh.withRedirs(cmd.redirs, () => Promise.resolve(st));
  }
  let skipFunctions = skip;
  while (argv[0] === "command" && argv.length > 1 && !argv[1]!.startsWith("-")) {
    argv = argv.slice(1);
    skipFunctions = true;
  }
  const name = argv[0]!;
  const kind = commandKind(sh, name, skipFunctions);
  if (kind === "special") {
    // A redirection error on a special builtin ends a non-interactive shell (POSIX, dash).
    const fatal = (st: number) => {
      if (st === REDIR_FAILED && !sh.opts.interactive) throw new ExitSignal(2);
      return st;
    };
    if (name === "exec" && argv.length === 1) {
      for (const [k, v] of assigns) sh.setVar(k, v);
      return fatal((await applyRedirs(sh, cmd.redirs)) ? 0 : REDIR_FAILED);
    }
    for (const [k, v] of assigns) sh.setVar(k, v);
    const fn = SPECIAL_BUILTINS[name]!;
    if (cmd.redirs.length === 0) return await fn(sh, argv);
    let ran = false;
    const st = await sh.withRedirs(cmd.redirs, async () => {
      ran = true;
      return await fn(sh, argv);
    });
    return ran ? st : fatal(REDIR_FAILED);
  }
  if (kind === "function") {
    const f = sh.funcs.get(name)!;
    return await sh.withRedirs(
      cmd.redirs,
      () => withTempVars(sh, assigns, () => sh.callFunction(f, argv.slice(1))),
    );
  }
  if (kind === "builtin") {
    const fn = BUILTINS[name]!;
    const run = async () => {
      try {
        const st = await fn(sh, argv);
        if (cmd.redirs.length === 0) return st;
        // Output into a redirection is written now, so a refused write is this builtin's
        // failure (`echo 0 > /proc/sys/kernel/msgmni`: EINVAL), as in dash.
        sh.out.takeError();
        await sh.flushOut();
        if (sh.out.takeError() === 0) return st;
        await sh.error(`${name}: ${name}: I/O error`);
        return 1;
      } catch (e) {
        return await builtinFailed(sh, e);
      }
    };
    if (cmd.redirs.length === 0 && assigns.length === 0) return await run();
    return await sh.withRedirs(cmd.redirs, () => withTempVars(sh, assigns, run));
  }
  return await sh.withRedirs(cmd.redirs, async () => {
    const pid = await spawnCommand(sh, argv, assigns);
    if (pid < 0) return -pid;
    return await waitPid(sh, pid);
  });
}

/** Pumps of a spawned command whose memory files are served later (pipelines). */
export interface Deferred {
  /** The table owning the pump fds. */
  table: FdTable;
  /** The pumps. */
  pumps: Pump[];
}

/**
 * Spawns an external command with the shell's fd layout. Memory-backed fds become
 * pipes that are fed and drained before this returns, or later through `deferred`.
 *
 * @param sh The shell.
 * @param argv Command and arguments.
 * @param assigns Extra environment.
 * @param deferred When given, the pumps are queued there instead of run.
 * @param opts `path` to exec instead of argv[0]; `quiet` returns the errno unreported;
 *   `label` goes before the name in messages (`exec: `).
 * @returns The pid, or a negated exit status after reporting the error.
 */
export async function spawnCommand(
  sh: Shell,
  argv: string[],
  assigns: [string, string][],
  deferred?: Deferred[],
  opts: { path?: string; quiet?: boolean; label?: string } = {},
): Promise<number> {
  await sh.flushOut();
  const name = argv[0]!;
  // The shell searches PATH itself, with the command's own PATH= prefix if any, as dash.
  let resolved = opts.path;
  if (resolved === undefined && !name.includes("/")) {
    const found = searchPath(sh, name, new Map(assigns).get("PATH") ?? sh.lookup("PATH"));
    if (found === undefined || "denied" in found) {
      if (opts.quiet) return Errno.ENOENT;
      await sh.error(`${opts.label ?? ""}${name}: ${found ? "Permission denied" : "not found"}`);
      return found ? -126 : -127;
    }
    resolved = found.path;
  }
  const env = sh.environ(new Map(assigns));
  const table = sh.fds.copy();
  const pumps = materialize(sh.sys, table);
  const fileActions = table.spawnActions();
  let pid = sh.sys.spawn({ path: resolved ?? name, argv, env, fileActions });
  if (typeof pid !== "number") pid = await pid;
  if (pid === Errno.ENOEXEC) {
    // POSIX: a file the kernel cannot run is a shell script, unless it looks binary.
    const path = resolved ?? name;
    if (!(await looksBinary(sh, path))) {
      const argvSh = ["sh", path, ...argv.slice(1)];
      let r = sh.sys.spawn({ path: SH_FALLBACK, argv: argvSh, env, fileActions });
      if (typeof r !== "number") r = await r;
      if (r !== Errno.ENOENT) pid = r;
    }
  }
  table.releaseAll();
  if (pid >= 0) {
    if (deferred) deferred.push({ table, pumps });
    else await runPumps(sh.sys, table, pumps);
    return pid;
  }
  for (const p of pumps) table.release(p.fd);
  if (opts.quiet) return pid;
  const failure = execFailure(pid);
  await sh.error(`${opts.label ?? ""}${name}: ${failure.message}`);
  return -failure.status;
}

/** The shell run for a text file the kernel refuses (`ENOEXEC`), as dash's `_PATH_BSHELL`. */
const SH_FALLBACK = "/bin/sh";

/** How many leading bytes decide whether a file is binary (bash's and dash's 80). */
const BINARY_PROBE = 80;

/**
 * Whether a file the kernel refused with `ENOEXEC` looks binary, so it is not run as a
 * shell script: a NUL byte before the first newline of its first 80 bytes (bash, dash
 * 0.5.12), which the wasm magic `\0asm` has. An unreadable file is not binary (the
 * fallback shell then reports it).
 *
 * @param sh The shell.
 * @param path The file.
 * @returns Whether it is binary.
 */
export async function looksBinary(sh: Shell, path: string): Promise<boolean> {
  let fd = sh.sys.openat(-100, path, O_RDONLY | O_CLOEXEC, 0);
  if (typeof fd !== "number") fd = await fd;
  if (fd < 0) return false;
  try {
    const buf = new Uint8Array(BINARY_PROBE);
    let n = sh.sys.read(fd, buf);
    if (typeof n !== "number") n = await n;
    for (let i = 0; i < n; i++) {
      if (buf[i] === 10) return false;
      if (buf[i] === 0) return true;
    }
    return false;
  } finally {
    sh.sys.close(fd);
  }
}

/**
 * The message and status of a failed exec or spawn, as dash 0.5.12 reports them:
 * `ENOENT`/`ENOTDIR` are "not found" and, with `ELOOP` and `ENAMETOOLONG`, status 127;
 * every other errno (`EACCES`, `ENOEXEC`, `ENOMEM`, `EAGAIN`, `E2BIG`, …) is its
 * `strerror` text and status 126.
 *
 * @param errno The negated errno.
 * @returns Message and status.
 * @example
 * ```ts
 * import { Errno } from "../../kernel/errno.ts";
 * import { execFailure } from "./exec_simple.ts";
 * console.assert(execFailure(Errno.ENOEXEC).message === "Exec format error");
 * console.assert(execFailure(Errno.ENOENT).status === 127);
 * ```
 */
export function execFailure(errno: number): { message: string; status: number } {
  switch (errno) {
    case Errno.ENOENT:
    case Errno.ENOTDIR:
      return { message: "not found", status: 127 };
    case Errno.ELOOP:
    case Errno.ENAMETOOLONG:
      return { message: strerror(errno), status: 127 };
    case Errno.EISDIR:
      return { message: strerror(Errno.EACCES), status: 126 };
    default:
      return { message: strerror(errno), status: 126 };
  }
}

/** Converts a `wait4` status word to a shell status (128+n for a signal). */
export function statusFromWait(status: number): number {
  if (W.IFEXITED(status)) return W.EXITSTATUS(status);
  if (W.IFSIGNALED(status)) return 128 + W.TERMSIG(status);
  return 128 + ((status >> 8) & 0xff);
}

/**
 * Waits for a child, running traps when a signal interrupts the wait.
 *
 * @param sh The shell.
 * @param pid Child pid.
 * @returns Its shell status.
 */
export async function waitPid(sh: Shell, pid: number): Promise<number> {
  for (;;) {
    let r = sh.sys.wait4(pid, 0);
    if (typeof r === "object" && r instanceof Promise) r = await r;
    if (typeof r === "number") {
      if (r === Errno.EINTR) {
        // The child got the same Ctrl-C: wait for it before abandoning the line.
        await sh.runPendingTraps(false);
        continue;
      }
      return 127;
    }
    const job = sh.shared.jobs.find((j) => j.pid === pid);
    const st = statusFromWait(r.status);
    if (job) job.status = st;
    return st;
  }
}

/**
 * Starts `cmd &` when it is one simple command: an external command is spawned and its
 * real pid becomes `$!`. Returns undefined for other lists (run as in-process jobs).
 *
 * @param sh The shell.
 * @param item The list (already without `&`).
 * @returns The job, or undefined.
 */
export async function startBackgroundSimple(sh: Shell, item: AndOr): Promise<Job | undefined> {
  const cmd = item.first.cmds[0];
  if (item.rest.length > 0 || item.first.bang || item.first.cmds.length !== 1) return undefined;
  if (!cmd || cmd.type !== "simple" || cmd.words.length === 0) return undefined;
  const sub = sh.clone();
  if (!sh.opts.interactive) await sub.redirectStdinToNull();
  const prep = await prepare(sub, cmd);
  const name = prep.argv[0];
  if (name !== undefined && commandKind(sub, name) === "external") {
    let pid = -1;
    if (await applyRedirs(sub, cmd.redirs)) pid = await spawnCommand(sub, prep.argv, prep.assigns);
    await sub.finish(0);
    if (pid < 0) {
      const id = sh.shared.nextJobId++;
      return { id, text: prep.argv.join(" "), status: -pid, done: Promise.resolve(-pid) };
    }
    return { id: pid, pid, text: prep.argv.join(" ") };
  }
  // A builtin or function in the background runs to completion now: the kernel runs one
  // thread per process, so the shell cannot run it alongside the rest of the script.
  const id = sh.shared.nextJobId++;
  let status: number;
  try {
    status = await runPrepared(sub, cmd, prep);
  } catch (e) {
    status = await sub.statusOf(e);
  }
  status = await sub.finish(status);
  return { id, text: prep.argv.join(" "), status, done: Promise.resolve(status) };
}

/**
 * Replaces the shell with a program (`exec cmd`): the fd layout is made real with
 * `dup3`, then `execve`. In an in-process subshell the program is spawned instead and
 * the subshell exits with its status.
 *
 * @param sh The shell.
 * @param argv Program and arguments.
 * @returns Only on failure: the status.
 */
export async function execReplace(sh: Shell, argv: string[]): Promise<number> {
  if (sh.subshell) {
    const pid = await spawnCommand(sh, argv, [], undefined, { label: "exec: " });
    throw new ExitSignal(pid < 0 ? -pid : await waitPid(sh, pid));
  }
  const name = argv[0]!;
  let path = name;
  if (!name.includes("/")) {
    const found = searchPath(sh, name, sh.lookup("PATH"));
    if (found === undefined || "denied" in found) {
      await sh.error(`exec: ${name}: ${found ? "Permission denied" : "not found"}`);
      throw new ExitSignal(found ? 126 : 127);
    }
    path = found.path;
  }
  await sh.flushOut();
  // A here-document for the new program goes into a pipe now: nobody is left to feed it
  // later, so it must fit in the pipe.
  const table = sh.fds.copy();
  for (const p of materialize(sh.sys, table)) {
    if (p.kind === "in") {
      let off = 0;
      while (off < p.data.length) {
        let n = sh.sys.write(p.fd, p.data.subarray(off, off + 4096));
        if (n instanceof Promise) n = await n;
        if (n <= 0) break;
        off += n;
      }
    }
    table.release(p.fd);
  }
  for (const a of table.spawnActions()) {
    if (a.op === "dup2") sh.sys.dup3(a.fd, a.newfd, 0);
    else if (a.op === "close") sh.sys.close(a.fd);
  }
  const env = sh.environ();
  let r = sh.sys.execve(path, argv, env);
  if (typeof r !== "number") r = await r;
  if (r === Errno.ENOEXEC && !(await looksBinary(sh, path))) {
    let s = sh.sys.execve(SH_FALLBACK, ["sh", path, ...argv.slice(1)], env);
    if (typeof s !== "number") s = await s;
    if (s !== Errno.ENOENT) r = s;
  }
  // As dash, a failed exec ends the shell (interactive too: dash clears -i first).
  const failure = execFailure(r);
  await sh.error(`exec: ${name}: ${failure.message}`);
  throw new ExitSignal(failure.status);
}
