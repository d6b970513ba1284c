/**
 * The Berth kernel: one per daemon, shared by every container, single-threaded. This
 * module is the library API: create a kernel, create cgroups with limits, spawn
 * processes in new namespaces, read their output as streams, signal and wait for them.
 *
 * @example
 * ```ts
 * import { Kernel } from "./kernel.ts";
 * const kernel = new Kernel({
 *   builtins: {
 *     hello: async (sys, argv) => {
 *       await sys.write(1, new TextEncoder().encode(`hello from pid ${sys.getpid()}\n`));
 *       return argv.length;
 *     },
 *   },
 * });
 * kernel.cgroups.create("/demo", { cpuMax: "50000 100000", pidsMax: 10 });
 * const h = await kernel.spawn({ argv: ["hello"], cgroup: "/demo", cloneFlags: 0x20000000 });
 * const out = await new Response(h.stdout).text(); // "hello from pid 1\n"
 * const { exitCode } = await h.wait(); // 1
 * await kernel.shutdown();
 * ```
 *
 * @module
 */
import { Errno, errnoName, strerror } from "./errno.ts";
import { Cgroup } from "./cgroup.ts";
import { chargePid, moveCharges, oomKill, unchargePid } from "./cgroup.ts";
import { CgroupTree } from "./cgroup_tree.ts";
import type { Binfmt, BuiltinMain, BuiltinRegistry, ExecContext } from "./executor.ts";
import { hostSink, hostSource, nullHandle, type StreamHandle } from "./host_stdio.ts";
import { PidNamespace, UtsNamespace } from "./namespaces.ts";
import type { Process, ProcessHost } from "./process.ts";
import {
  builtinProgram,
  pathOf,
  type Program,
  resolveProgramPath,
  startProgram,
} from "./process_exec.ts";
import { exitProcess } from "./process_exit.ts";
import { MinimalFs, type ProcessFs } from "./process_fs.ts";
import { createProcess } from "./process_spawn.ts";
import { Scheduler } from "./scheduler.ts";
import { sendSignal, signalFrom } from "./signal_send.ts";
import { AT, O, type Syscalls, W } from "./syscalls/api.ts";
import {
  enosysCalls,
  type FileCalls,
  IPC_CALLS,
  type IpcCalls,
  minimalFileCalls,
} from "./syscalls/file_calls.ts";
import {
  makeSyscalls,
  overHighDelay,
  preemptNow,
  reacquireCpu,
  shouldYield,
} from "./syscalls/make_syscalls.ts";
import type { Credentials } from "./task.ts";
import { IpcNamespace } from "./ipc/ipc_namespace.ts";
import { ipcSwitch, onProcessExit } from "./syscalls/sys_ipc.ts";
import { ipcCalls, vfsFileCalls } from "./syscalls/vfs_calls.ts";
import { FsState } from "./vfs/fs_state.ts";
import { OpenFile } from "./vfs/fd_table.ts";
import type { FileHandle } from "./vfs/types.ts";
import type { FsFactory } from "./vfs/mount.ts";
import { kernelFsTypes } from "./kernel_proc_source.ts";

/** Options of {@link Kernel}. */
export interface KernelOptions {
  /** Builtin programs by applet name (the userland's `applets`). */
  builtins?: BuiltinRegistry;
  /** Hostname of the initial UTS namespace (default "berth"). */
  hostname?: string;
  /** Scheduler slice, ms (default 4). */
  sliceMs?: number;
  /** Longest run without a host macrotask turn, ms (default 2). */
  hostYieldMs?: number;
  /** Longest run without a full event-loop turn (timers, I/O), ms (default 4). */
  ioTurnMs?: number;
}

/** Where a spawned process's standard stream goes. */
export type StdioSpec = "pipe" | "null" | StreamHandle;

/** What {@link Kernel.spawn} starts. */
export interface SpawnRequest {
  /** argv; `argv[0]` is also the program unless `path` is given. */
  argv: string[];
  /** Program path or name (PATH search when it has no `/`). */
  path?: string;
  /** Environment, `KEY=value` (default: PATH only). */
  env?: string[];
  /** Working directory. */
  cwd?: string;
  /** Cgroup path (created when missing). Default "/". */
  cgroup?: string;
  /** `CLONE_NEW*` flags. */
  cloneFlags?: number;
  /** Hostname of a new UTS namespace. */
  hostname?: string;
  /** File-system state (the VFS's `FsState` rooted at the container's root). Default: no root. */
  fs?: ProcessFs;
  /** Credentials (default root). */
  cred?: Partial<Credentials>;
  /** stdin: "null" (default), "pipe" (a WritableStream on the handle), a host stream, or a handle. */
  stdin?: "null" | "pipe" | ReadableStream<Uint8Array> | StreamHandle;
  /** stdout (default "pipe"). */
  stdout?: StdioSpec;
  /** stderr (default "pipe"). */
  stderr?: StdioSpec;
  /** Test and embedding hook: run this builtin instead of exec'ing a file. */
  program?: BuiltinMain;
  /** Join the namespaces and cgroup of this process (global pid), like `docker exec`. */
  joinPid?: number;
  /** Keep the descriptors of `fs` as they are (do not install stdio). */
  keepFds?: boolean;
  /**
   * Mounts made in the new process's mount namespace before its program starts, as runc
   * does inside the container (e.g. `{ source: "proc", target: "/proc", fstype: "proc" }`,
   * `{ source: "cgroup", target: "/sys/fs/cgroup", fstype: "cgroup2" }`). The kernel's
   * file-system types are added to the namespace's table when missing. Needs a VFS `fs`.
   */
  mounts?: SpawnMount[];
}

/** One mount of {@link SpawnRequest.mounts}. */
export interface SpawnMount {
  /** Source ("proc", "tmpfs", a path for binds). */
  source: string;
  /** Mount point (created when missing, with its parents). */
  target: string;
  /** File-system type ("proc", "cgroup2", "tmpfs", "devtmpfs", …). */
  fstype: string;
  /** `MS_*` flags (default 0). */
  flags?: number;
  /** Options ("size=1m"). */
  data?: string;
}

/** How a process ended. */
export interface ExitStatus {
  /** The Linux wait status word. */
  status: number;
  /** Exit code as a shell reports it: the code, or 128+signal. */
  exitCode: number;
  /** The killing signal, or null for a normal exit. */
  signal: number | null;
}

/** A process started by {@link Kernel.spawn}. */
export interface ProcessHandle {
  /** Global pid (the kernel's initial namespace). */
  readonly pid: number;
  /** Pid in the process's own namespace (1 for a container's init). */
  readonly nsPid: number;
  /** The process. */
  readonly process: Process;
  /** stdout when "pipe". */
  readonly stdout: ReadableStream<Uint8Array> | null;
  /** stderr when "pipe". */
  readonly stderr: ReadableStream<Uint8Array> | null;
  /** stdin when "pipe". */
  readonly stdin: WritableStream<Uint8Array> | null;
  /** Resolves when the process exits. */
  wait(): Promise<ExitStatus>;
  /** Send a signal from outside every namespace (default SIGTERM). */
  kill(sig?: number): void;
  /**
   * `docker stop`: SIGTERM (or `signal`), then SIGKILL when the process has not exited
   * after `timeoutMs` (default 10 s).
   */
  stop(timeoutMs?: number, signal?: number): Promise<ExitStatus>;
}

/** `CLONE_NEW*` flag of each `/proc/PID/ns/*` name. */
const NS_TYPES: Record<string, number> = {
  mnt: 0x00020000,
  cgroup: 0x02000000,
  uts: 0x04000000,
  ipc: 0x08000000,
  pid: 0x20000000,
  pid_for_children: 0x20000000,
};

/** A spawn that failed before the program started. */
export class SpawnError extends Error {
  /** The errno. */
  readonly errno: Errno;
  /**
   * A spawn failure.
   *
   * @param errno Why.
   * @param what The program.
   */
  constructor(errno: Errno, what: string) {
    super(`Cannot start ${what}: ${strerror(errno)} (${errnoName(errno)})`);
    this.name = "SpawnError";
    this.errno = errno;
  }
}

/**
 * Turn a wait status into an {@link ExitStatus}.
 *
 * @param status Linux wait status.
 * @returns The decoded status.
 * @example
 * ```ts
 * import { exitStatusOf } from "./kernel.ts";
 * console.assert(exitStatusOf(9).exitCode === 137);
 * ```
 */
export function exitStatusOf(status: number): ExitStatus {
  if (W.IFSIGNALED(status)) {
    const sig = W.TERMSIG(status);
    return { status, exitCode: 128 + sig, signal: sig };
  }
  return { status, exitCode: W.EXITSTATUS(status), signal: null };
}

/** The kernel. */
export class Kernel implements ProcessHost {
  /** The initial PID namespace. */
  readonly rootPidNs: PidNamespace<Process> = new PidNamespace<Process>(null);
  /** The initial UTS namespace. */
  readonly rootUts: UtsNamespace;
  /** The initial IPC namespace. */
  readonly rootIpc: unknown;
  /** Live and zombie processes by global pid. */
  readonly procs: Map<number, Process> = new Map();
  /** The cgroup tree. */
  readonly cgroups: CgroupTree;
  /** The scheduler. */
  readonly scheduler: Scheduler;
  /**
   * Mountable file-system types shared by every mount namespace of this kernel ("tmpfs",
   * "devtmpfs", "proc", "cgroup2"): pass it to `new MountNamespace(root, kernel.fsTypes)`.
   */
  readonly fsTypes: Map<string, FsFactory>;
  /** When the kernel started, `performance.now()` ms (boot time for `/proc`). */
  readonly bootMs: number = performance.now();
  /** Registered binfmt handlers, tried in order after scripts and berthbox. */
  readonly binfmts: Binfmt[] = [];
  /** Unexpected exceptions caught inside the kernel (kernel bugs), for tests to assert on. */
  readonly bugs: unknown[] = [];
  readonly #builtins: Map<string, BuiltinMain>;
  readonly #opts: KernelOptions;
  readonly #exits = new Map<
    Process,
    { promise: Promise<ExitStatus>; resolve: (s: ExitStatus) => void }
  >();
  #down = false;
  readonly #fsInUse = new WeakSet<ProcessFs>();

  /**
   * A kernel with no processes, a root cgroup and the initial namespaces.
   *
   * @param opts Options.
   */
  constructor(opts: KernelOptions = {}) {
    this.#opts = opts;
    const b = opts.builtins ?? {};
    this.#builtins = b instanceof Map ? new Map(b) : new Map(Object.entries(b));
    this.rootUts = new UtsNamespace(null, opts.hostname ?? "berth");
    const ipc = new IpcNamespace();
    ipc.enter(); // the kernel's own reference: the initial namespace never dies
    this.rootIpc = ipc;
    this.cgroups = new CgroupTree({
      attachPid: (pid, to) => this.attach(pid, to),
      pidsIn: (g, ns) =>
        [...g.procs].filter((p) => p.alive).map((p) =>
          ns ? (p as Process).pid.nrIn(ns as PidNamespace<Process>) : p.id
        ).filter((n) => n > 0).sort((a, b) => a - b),
      globalPid: (pid, ns) => {
        const p = ns ? (ns as PidNamespace<Process>).procs.get(pid) : this.procs.get(pid);
        return p && p.alive ? p.id : null;
      },
      killAll: (g) => {
        for (const m of [...g.subtreeProcs()]) if (m.alive) sendSignal(this, m as Process, 9);
      },
      refreshGroup: (g) => {
        this.scheduler.refreshGroup(g);
        const cur = this.scheduler.current as Process | null;
        if (cur && cur.cgroup.isWithin(g) && g.freezeSelf) this.scheduler.sliceEndMs = 0;
      },
    });
    this.fsTypes = kernelFsTypes(this);
    this.scheduler = new Scheduler(this.cgroups.root, {
      sliceMs: opts.sliceMs,
      hostYieldMs: opts.hostYieldMs,
      ioTurnMs: opts.ioTurnMs,
    });
  }

  /**
   * Register an executable format (e.g. the WASI executor for `\0asm`).
   *
   * @param fmt The format.
   * @example
   * ```ts ignore
   * kernel.registerBinfmt({ name: "wasi", match: (h) => startsWith(h, WASM_MAGIC), executor });
   * ```
   */
  registerBinfmt(fmt: Binfmt): void {
    this.binfmts.push(fmt);
  }

  /**
   * A builtin program by name.
   *
   * @param name Applet name.
   * @returns Its main, or undefined.
   */
  builtin(name: string): BuiltinMain | undefined {
    return this.#builtins.get(name);
  }

  /** Names of the builtin programs. */
  builtinNames(): string[] {
    return [...this.#builtins.keys()].sort();
  }

  /**
   * Start a process.
   *
   * @param req What to run and how.
   * @returns A handle; throws {@link SpawnError} when the program cannot start
   * (`ENOENT`, `EACCES`, `ENOEXEC`, `EAGAIN` over pids.max, `ENOMEM` over memory.max).
   * @example
   * ```ts ignore
   * const h = await kernel.spawn({ argv: ["/bin/sh", "-c", "echo hi"], fs, cgroup: "/c1",
   *   cloneFlags: CLONE.NEWPID | CLONE.NEWNS | CLONE.NEWIPC | CLONE.NEWUTS, hostname: "c1" });
   * console.log(await new Response(h.stdout).text(), await h.wait());
   * ```
   */
  async spawn(req: SpawnRequest): Promise<ProcessHandle> {
    if (this.#down) throw new Error("Cannot spawn: the kernel is shut down");
    const what = req.path ?? req.argv[0] ?? "";
    let cgroup: Cgroup | undefined;
    if (req.cgroup !== undefined) {
      const g = this.cgroups.get(req.cgroup) ?? this.cgroups.create(req.cgroup);
      if (typeof g === "number") throw new SpawnError(g, what);
      cgroup = g;
    }
    const joined = req.joinPid !== undefined ? this.procs.get(req.joinPid) : undefined;
    if (req.joinPid !== undefined && (!joined || !joined.alive)) {
      throw new SpawnError(Errno.ESRCH, what);
    }
    const cred: Credentials = {
      uid: req.cred?.uid ?? 0,
      gid: req.cred?.gid ?? 0,
      euid: req.cred?.euid ?? req.cred?.uid ?? 0,
      egid: req.cred?.egid ?? req.cred?.gid ?? 0,
      groups: req.cred?.groups ?? [],
    };
    // A state already owned by a process is copied: each process closes its own table at exit.
    let fs = req.fs;
    if (fs && this.#fsInUse.has(fs)) fs = fs.fork();
    if (fs) this.#fsInUse.add(fs);
    const p = createProcess(this, null, {
      cloneFlags: req.cloneFlags,
      cgroup,
      fs: fs ?? (joined ? (joined.fs as ProcessFs).fork() : undefined),
      cred,
      hostname: req.hostname,
      nsFrom: joined,
    });
    if (typeof p === "number") throw new SpawnError(p, what);
    let resolveExit!: (s: ExitStatus) => void;
    const exitPromise = new Promise<ExitStatus>((r) => (resolveExit = r));
    this.#exits.set(p, { promise: exitPromise, resolve: resolveExit });

    let stdin: WritableStream<Uint8Array> | null = null;
    let stdout: ReadableStream<Uint8Array> | null = null;
    let stderr: ReadableStream<Uint8Array> | null = null;
    if (!req.keepFds) {
      const inSpec = req.stdin ?? "null";
      let inHandle: StreamHandle;
      if (inSpec === "null") inHandle = nullHandle();
      else if (inSpec === "pipe") {
        const t = new TransformStream<Uint8Array, Uint8Array>();
        stdin = t.writable;
        inHandle = hostSource(t.readable);
      } else if (inSpec instanceof ReadableStream) inHandle = hostSource(inSpec);
      else inHandle = inSpec;
      this.installStream(p, 0, inHandle, O.RDONLY);
      const out = (spec: StdioSpec | undefined, fd: number) => {
        const s = spec ?? "pipe";
        if (s === "null") {
          this.installStream(p, fd, nullHandle(), O.WRONLY);
          return null;
        }
        if (s === "pipe") {
          const { handle, readable } = hostSink();
          this.installStream(p, fd, handle, O.WRONLY);
          return readable;
        }
        this.installStream(p, fd, s, O.WRONLY);
        return null;
      };
      stdout = out(req.stdout, 1);
      stderr = out(req.stderr, 2);
    }
    const env = req.env ?? [`PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`];
    let prog: Program | Errno;
    if (req.cwd !== undefined) {
      const r = await this.fileCallsOf(p).chdir(req.cwd);
      if (r < 0) {
        this.discardProcess(p);
        throw new SpawnError(r as Errno, `${what} in ${req.cwd}`);
      }
    }
    if (req.mounts?.length) {
      const r = this.#mountAll(p, req.mounts);
      if (r < 0) {
        this.discardProcess(p);
        throw new SpawnError(r as Errno, `${what} (mounts)`);
      }
    }
    if (req.program) prog = builtinProgram(req.program, [...req.argv], env);
    else prog = await resolveProgramPath(this, p, what, [...req.argv], env, pathOf(env));
    if (typeof prog === "number") {
      this.discardProcess(p);
      throw new SpawnError(prog, what);
    }
    startProgram(this, p, prog, false);
    return {
      pid: p.id,
      nsPid: p.nsPid,
      process: p,
      stdin,
      stdout,
      stderr,
      wait: () => exitPromise,
      kill: (sig = 15) => {
        if (p.alive) signalFrom(this, null, p, sig);
      },
      stop: async (timeoutMs = 10_000, sig = 15) => {
        if (p.alive) signalFrom(this, null, p, sig);
        let timer: ReturnType<typeof setTimeout> | undefined;
        const expired = new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)));
        await Promise.race([exitPromise, expired]);
        clearTimeout(timer);
        if (p.alive) signalFrom(this, null, p, 9);
        return exitPromise;
      },
    };
  }

  #mountAll(p: Process, mounts: SpawnMount[]): number {
    if (!(p.fs instanceof FsState)) return Errno.EINVAL;
    const types = p.fs.mountNs.fsTypes;
    for (const [name, f] of this.fsTypes) if (!types.has(name)) types.set(name, f);
    const f = this.fileCallsOf(p);
    for (const m of mounts) {
      let dir = "";
      for (const part of m.target.split("/").filter((s) => s !== "")) {
        dir += "/" + part;
        const r = f.mkdirat(AT.FDCWD, dir, 0o755);
        if (r < 0 && r !== Errno.EEXIST) return r;
      }
      const r = f.mount(m.source, m.target, m.fstype, m.flags ?? 0, m.data ?? "");
      if (r < 0) return r;
    }
    return 0;
  }

  /**
   * Install a host stream as a descriptor of process `p`.
   *
   * @param p The process.
   * @param fd Descriptor number.
   * @param handle The stream handle.
   * @param flags `O_RDONLY` or `O_WRONLY`.
   */
  installStream(p: Process, fd: number, handle: StreamHandle, flags: number): void {
    if (p.fs instanceof MinimalFs) p.fs.fds.install(fd, handle, flags);
    else if (p.fs instanceof FsState) {
      const file = new OpenFile(null, `pipe:[host${fd}]`, handle as FileHandle, flags);
      p.fs.fds.installAt(fd, file, false);
    } else throw new Error("Kernel: unknown file-system state");
  }

  /**
   * Send a signal to a process from the kernel (no permission checks, no init protection).
   *
   * @param p Target.
   * @param sig Signal.
   */
  sendSignal(p: Process, sig: number): void {
    sendSignal(this, p, sig);
  }

  /**
   * The system calls of `p` (created once per process).
   *
   * @param p The process.
   * @returns Its Syscalls.
   */
  syscallsFor(p: Process): Syscalls {
    if (!p.sys) p.sys = makeSyscalls(this, p);
    return p.sys;
  }

  /**
   * The file-family calls of `p`, unwrapped: the VFS's when `p` has a VFS state, the
   * descriptor-only ones for a process without a root.
   *
   * @param p The process.
   * @returns The calls.
   */
  fileCallsOf(p: Process): FileCalls {
    if (p.files) return p.files as FileCalls;
    const calls = p.fs instanceof MinimalFs ? minimalFileCalls(p) : vfsFileCalls(p);
    p.files = calls;
    return calls;
  }

  /**
   * The IPC-family calls of `p`, unwrapped (`ENOSYS` without an IPC subsystem).
   *
   * @param p The process.
   * @returns The calls.
   */
  ipcCallsOf(p: Process): IpcCalls {
    if (p.ipcCalls) return p.ipcCalls as IpcCalls;
    const calls = { ...enosysCalls(IPC_CALLS), ...ipcCalls(p, p.fs instanceof FsState) };
    p.ipcCalls = calls;
    return calls;
  }

  /**
   * A new IPC namespace under `parent`.
   *
   * @param parent The parent namespace object.
   * @returns The new namespace object.
   */
  newIpcNamespace(_parent: unknown): unknown {
    return new IpcNamespace();
  }

  /** IPC exit hook for `p`. */
  ipcExit(p: Process): void {
    try {
      onProcessExit(p);
    } catch (err) {
      this.reportBug(err);
    }
  }

  /** File-system state for a process spawned without one: no root, descriptors only. */
  defaultFs(): ProcessFs {
    return new MinimalFs();
  }

  /**
   * Read a program file for exec: search permission and `X_OK` are checked, it must be a
   * regular file (`EACCES` otherwise), and its whole content is returned.
   *
   * @param p The process (root, cwd, credentials).
   * @param path The path.
   * @returns The bytes or an errno.
   */
  async readExecutable(p: Process, path: string): Promise<Uint8Array | Errno> {
    const f = this.fileCallsOf(p);
    const st = f.fstatat(AT.FDCWD, path, 0);
    if (typeof st === "number") return st;
    if ((st.mode & 0o170000) !== 0o100000) return Errno.EACCES;
    const acc = f.faccessat(AT.FDCWD, path, 1, 0);
    if (acc < 0) return acc as Errno;
    const fd = await f.openat(AT.FDCWD, path, O.RDONLY | O.CLOEXEC, 0);
    if (fd < 0) return fd as Errno;
    const chunks: Uint8Array[] = [];
    let total = 0;
    try {
      for (;;) {
        const buf = new Uint8Array(Math.max(64, Math.min(st.size - total + 1, 1 << 24)));
        const n = await f.read(fd, buf);
        if (n < 0) return n as Errno;
        if (n === 0) break;
        chunks.push(buf.subarray(0, n));
        total += n;
      }
    } finally {
      f.close(fd);
    }
    if (chunks.length === 1) return chunks[0]!;
    const out = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }

  /**
   * The executor context of `p` for `prog`.
   *
   * @param p The process.
   * @param prog The program.
   * @returns The context.
   */
  execContext(p: Process, prog: Program): ExecContext {
    return {
      sys: this.syscallsFor(p),
      task: p,
      argv: prog.argv,
      env: prog.env,
      path: prog.path,
      preempt: () => {
        if (p.highPenaltyMs > 0) {
          this.scheduler.release(p);
          return overHighDelay(p).then(() => reacquireCpu(this, p));
        }
        return shouldYield(this, p) ? preemptNow(this, p) : undefined;
      },
      chargeMemory: (bytes, mustSucceed) => this.chargeAnon(p, bytes, mustSucceed ?? false),
      unchargeMemory: (bytes) => p.uncharge(bytes, "anon"),
      onExit: (cb) => p.exitCallbacks.push(cb),
      get dead() {
        return p.dead;
      },
    };
  }

  /**
   * Charge program memory; with `mustSucceed`, run the OOM killer of the cgroup whose
   * limit refused it until the charge fits or `p` itself is the victim.
   *
   * @param p The process.
   * @param bytes Bytes.
   * @param mustSucceed Whether the allocation cannot fail.
   * @returns Whether the memory was charged.
   */
  chargeAnon(p: Process, bytes: number, mustSucceed: boolean): boolean {
    for (let tries = 0; tries < 1000; tries++) {
      if (p.tryCharge(bytes, "anon")) return true;
      if (!mustSucceed || p.dead) return false;
      let limiting: Cgroup | null = null;
      for (let g: Cgroup | null = p.cgroup; g; g = g.parent) {
        if (g.memoryCurrent + bytes > g.memoryMax) limiting = g;
      }
      if (!limiting) return false;
      const victim = oomKill(limiting);
      if (!victim || victim === p) return false;
    }
    return false;
  }

  /**
   * Move process `pid` into cgroup `to` (cgroup.procs write): its memory charges move
   * along; `pids.max` is not enforced on migration, as in Linux.
   *
   * @param pid Global pid.
   * @param to Target cgroup.
   * @returns 0 or `ESRCH`.
   */
  attach(pid: number, to: Cgroup): 0 | Errno {
    const p = this.procs.get(pid);
    if (!p || !p.alive) return Errno.ESRCH;
    const from = p.cgroup;
    if (from === to) return 0;
    moveCharges(from, to, { anon: p.charged.anon, kernel: p.charged.kernel });
    unchargePid(from);
    if (chargePid(to) !== null) {
      for (let g: Cgroup | null = to; g; g = g.parent) g.pidsCurrent++;
    }
    for (let g: Cgroup | null = from; g; g = g.parent) g.populatedCount--;
    for (let g: Cgroup | null = to; g; g = g.parent) g.populatedCount++;
    from.procs.delete(p);
    to.procs.add(p);
    p.cgroup = to;
    this.scheduler.requeue(p, from);
    return 0;
  }

  /**
   * `setns` through an fd opened on `/proc/PID/ns/*`: the VFS's procfs handle carries
   * `{ nsOf: Task, nstype }`.
   *
   * @param p Caller.
   * @param fd Descriptor.
   * @param nstype `CLONE_NEW*` or 0.
   * @returns 0 or an errno.
   */
  setnsFromFd(p: Process, fd: number, nstype: number): 0 | Errno {
    const fds =
      (p.fs as { fds: { get?(fd: number): { loc?: { inode: unknown } | null } | undefined } })
        .fds;
    const file = fds.get?.(fd);
    if (!file) return Errno.EBADF;
    const node = file.loc?.inode as { kind?: string; ns?: unknown } | undefined;
    const type = node?.kind ? NS_TYPES[node.kind] : undefined;
    if (!node || type === undefined) return Errno.EINVAL;
    if (nstype !== 0 && nstype !== type) return Errno.EINVAL;
    return this.setnsTo(p, type, node.ns);
  }

  /**
   * Join a namespace (`setns`).
   *
   * @param p Caller (root only).
   * @param nstype One `CLONE_NEW*` flag.
   * @param ns The namespace object of that type.
   * @returns 0, `EPERM` or `EINVAL`.
   */
  setnsTo(p: Process, nstype: number, ns: unknown): 0 | Errno {
    if (p.cred.euid !== 0) return Errno.EPERM;
    switch (nstype) {
      case 0x04000000:
        if (!(ns instanceof UtsNamespace)) return Errno.EINVAL;
        p.uts = ns;
        return 0;
      case 0x08000000:
        if (!(ns instanceof IpcNamespace)) return Errno.EINVAL;
        if (p.ipc !== ns) {
          ipcSwitch(p, ns);
          p.ipc = ns;
        }
        return 0;
      case 0x20000000:
        if (!(ns instanceof PidNamespace) || !p.pidNs.contains(ns)) return Errno.EINVAL;
        p.childPidNs = ns as PidNamespace<Process>;
        return 0;
      case 0x02000000:
        if (!(ns instanceof Cgroup)) return Errno.EINVAL;
        p.cgroupNsRoot = ns;
        return 0;
      case 0x00020000: {
        const fs = p.fs as { enterMounts?(ns: unknown): void };
        if (!fs.enterMounts || typeof ns !== "object" || ns === null) return Errno.EINVAL;
        fs.enterMounts(ns);
        return 0;
      }
      default:
        return Errno.EINVAL;
    }
  }

  /**
   * Remove a process whose spawn failed before its program started: no `SIGCHLD`, no trace.
   *
   * @param p The process.
   */
  discardProcess(p: Process): void {
    const parent = p.parent;
    if (parent) parent.children.delete(p);
    p.parent = null;
    exitProcess(this, p, W.exited(127));
    this.#exits.delete(p);
  }

  /**
   * Called by exit: resolve the handle of a process spawned through the API.
   *
   * @param p The process.
   * @param status Its wait status.
   */
  notifyExit(p: Process, status: number): void {
    const e = this.#exits.get(p);
    if (!e) return;
    this.#exits.delete(p);
    e.resolve(exitStatusOf(status));
  }

  /**
   * Record an exception thrown inside the kernel (a kernel bug).
   *
   * @param err The exception.
   */
  reportBug(err: unknown): void {
    this.bugs.push(err);
  }

  /**
   * A builtin program threw something other than an exit: print it on the process's
   * stderr, as a crashing program's runtime would.
   *
   * @param p The process.
   * @param err The exception.
   */
  reportProgramError(p: Process, err: unknown): void {
    const msg = err instanceof Error ? (err.stack ?? err.message) : String(err);
    const r = this.fileCallsOf(p).write(2, new TextEncoder().encode(`${p.comm}: ${msg}\n`));
    if (r instanceof Promise) r.catch(() => {});
  }

  /** Whether {@link shutdown} was called. */
  get isShutdown(): boolean {
    return this.#down;
  }

  /**
   * Kill every process and stop the scheduler and its timers. Handles resolve.
   *
   * @returns When everything is released.
   */
  shutdown(): Promise<void> {
    if (this.#down) return Promise.resolve();
    for (const p of [...this.procs.values()]) {
      if (p.alive) {
        p.killedBy = 9;
        exitProcess(this, p, W.signaled(9));
      }
    }
    this.#down = true;
    this.scheduler.shutdown();
    return Promise.resolve();
  }
}
