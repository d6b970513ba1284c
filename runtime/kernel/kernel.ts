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
import { Errno } from "./errno.ts";
import type { Cgroup } from "./cgroup.ts";
import { chargePid, moveCharges, oomKill, unchargePid } from "./cgroup.ts";
import { CgroupTree } from "./cgroup_tree.ts";
import type { Binfmt, BuiltinMain, BuiltinRegistry, ExecContext } from "./executor.ts";
import type { StreamHandle } from "./host_stdio.ts";
import { PidNamespace, UtsNamespace } from "./namespaces.ts";
import type { Process, ProcessHost } from "./process.ts";
import type { Program } from "./process_exec.ts";
import { exitProcess } from "./process_exit.ts";
import { MinimalFs, type ProcessFs } from "./process_fs.ts";
import { Scheduler } from "./scheduler.ts";
import { sendSignal } from "./signal_send.ts";
import { AT, type MaybeAsync, O, type Stat, type Syscalls, W } from "./syscalls/api.ts";
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
import { IpcNamespace } from "./ipc/ipc_namespace.ts";
import { onProcessExit } from "./syscalls/sys_ipc.ts";
import { ipcCalls, vfsFileCalls } from "./syscalls/vfs_calls.ts";
import { FsState } from "./vfs/fs_state.ts";
import { OpenFile } from "./vfs/fd_table.ts";
import type { FileHandle } from "./vfs/types.ts";
import type { FsFactory } from "./vfs/mount.ts";
import { kernelFsTypes } from "./kernel_proc_source.ts";
import { spawnProcess } from "./kernel_spawn.ts";
import { setnsFromFd, setnsTo } from "./kernel_setns.ts";
import { MountNsLifetimes } from "./mount_ns_lifetime.ts";
import { UserNamespace } from "./user_namespace.ts";
import {
  type ExitStatus,
  exitStatusOf,
  type ProcessHandle,
  type SpawnRequest,
} from "./process_handle.ts";

/** Read an open file to its end (synchronously while its reads are), then close it. */
function readWhole(f: FileCalls, fd: number, size: number): MaybeAsync<Uint8Array | Errno> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const finish = (r: number): Uint8Array | Errno => {
    f.close(fd);
    if (r < 0) return r as Errno;
    if (chunks.length === 1) return chunks[0]!;
    const out = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  };
  const step = (): MaybeAsync<Uint8Array | Errno> => {
    for (;;) {
      const buf = new Uint8Array(Math.max(64, Math.min(size - total + 1, 1 << 24)));
      const n = f.read(fd, buf);
      const got = (m: number): boolean => {
        if (m <= 0) return false;
        chunks.push(buf.subarray(0, m));
        total += m;
        return true;
      };
      if (n instanceof Promise) return n.then((m) => (got(m) ? step() : finish(m)));
      if (!got(n)) return finish(n);
    }
  };
  return step();
}

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

export {
  type ExitStatus,
  exitStatusOf,
  type ProcessHandle,
  SpawnError,
  type SpawnMount,
  type SpawnRequest,
  type StdioSpec,
} from "./process_handle.ts";

/**
 * Replace the id-carrying file calls of `p` (`fstat`, `fstatat`, `fchown`, `fchownat`) by
 * versions that show owners as `p`'s user namespace sees them and take ids from it (an id
 * without a mapping is `EINVAL`, as chown(2)). In the initial namespace they pass through.
 */
function translateIds(calls: FileCalls, p: Process): void {
  const own = calls as unknown as Record<string, unknown>;
  const fix = (name: string, fn: (...args: never[]) => unknown) =>
    Object.defineProperty(own, name, { enumerable: true, writable: true, value: fn });
  const show = (st: Stat | Errno): Stat | Errno => {
    const ns = p.userNs;
    if (typeof st === "number" || ns.initial) return st;
    return { ...st, uid: ns.fromKernel("uid", st.uid), gid: ns.fromKernel("gid", st.gid) };
  };
  const take = (kind: "uid" | "gid", id: number): number | null =>
    id === -1 || p.userNs.initial ? id : p.userNs.toKernel(kind, id);
  const { fstat, fstatat, fchown, fchownat } = calls;
  fix("fstat", (fd: number) => show(fstat(fd)));
  fix("fstatat", (dirfd: number, path: string, flags: number) => show(fstatat(dirfd, path, flags)));
  fix("fchown", (fd: number, uid: number, gid: number) => {
    const u = take("uid", uid);
    const g = take("gid", gid);
    return u === null || g === null ? Errno.EINVAL : fchown(fd, u, g);
  });
  fix(
    "fchownat",
    (dirfd: number, path: string, uid: number, gid: number, flags: number) => {
      const u = take("uid", uid);
      const g = take("gid", gid);
      return u === null || g === null ? Errno.EINVAL : fchownat(dirfd, path, u, g, flags);
    },
  );
}

/** The kernel. */
export class Kernel implements ProcessHost {
  /** The initial PID namespace. */
  readonly rootPidNs: PidNamespace<Process> = new PidNamespace<Process>(null);
  /** The initial UTS namespace. */
  readonly rootUts: UtsNamespace;
  /** The initial user namespace (every id maps to itself). */
  readonly rootUserNs: UserNamespace = new UserNamespace(null);
  /** The initial IPC namespace. */
  readonly rootIpc: unknown;
  /** Live and zombie processes by global pid. */
  readonly procs: Map<number, Process> = new Map();
  /**
   * Users of mount namespaces; a namespace's kernel-made mounts are released when it dies
   * (kernel-internal: its API is in terms of VFS objects, see `mount_ns_lifetime.ts`).
   *
   * @ignore
   */
  readonly mountNamespaces: MountNsLifetimes = new MountNsLifetimes(() => this.procs.values());
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
    // The process that made a charge over memory.high pays for it, whoever's cgroup was
    // charged (a tmpfs write is charged to the mounter's cgroup).
    this.cgroups.root.onOverHigh = (excess) => {
      const cur = this.scheduler?.current as Process | null | undefined;
      if (cur && cur.alive) cur.throttleOverHigh(excess);
    };
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
  spawn(req: SpawnRequest): Promise<ProcessHandle> {
    return spawnProcess(this, req);
  }

  /**
   * Claim a file-system state for a new process.
   *
   * @param fs The state.
   * @returns false when another process already owns it (the caller then uses a copy).
   */
  claimFs(fs: ProcessFs): boolean {
    if (this.#fsInUse.has(fs)) return false;
    this.#fsInUse.add(fs);
    return true;
  }

  /**
   * The exit of a process spawned through the API, as a promise (resolved by exit).
   *
   * @param p The process.
   * @returns The promise of its exit status.
   */
  trackExit(p: Process): Promise<ExitStatus> {
    let resolve!: (s: ExitStatus) => void;
    const promise = new Promise<ExitStatus>((r) => (resolve = r));
    this.#exits.set(p, { promise, resolve });
    return promise;
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
    translateIds(calls, p);
    if (!(p.fs instanceof MinimalFs)) {
      // An unmounted kernel-made file system is released (tmpfs data freed) when nothing
      // else mounts or uses it.
      const umount2 = calls.umount2;
      Object.defineProperty(calls, "umount2", {
        enumerable: true,
        writable: true,
        value: (target: string, flags: number) => {
          const before = this.mountNamespaces.mountsOf(p);
          const r = umount2(target, flags);
          if (r === 0) this.mountNamespaces.unmounted(p, before);
          return r;
        },
      });
    }
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
   * @returns The bytes or an errno (synchronously when the file system answers at once).
   */
  readExecutable(p: Process, path: string): MaybeAsync<Uint8Array | Errno> {
    const f = this.fileCallsOf(p);
    const st = f.fstatat(AT.FDCWD, path, 0);
    if (typeof st === "number") return st;
    if ((st.mode & 0o170000) !== 0o100000) return Errno.EACCES;
    const acc = f.faccessat(AT.FDCWD, path, 1, 0);
    if (acc < 0) return acc as Errno;
    const fd = f.openat(AT.FDCWD, path, O.RDONLY | O.CLOEXEC, 0);
    if (fd instanceof Promise) {
      return fd.then((n) => (n < 0 ? (n as Errno) : readWhole(f, n, st.size)));
    }
    if (fd < 0) return fd as Errno;
    return readWhole(f, fd, st.size);
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
    const r = setnsFromFd(p, fd, nstype);
    if (r === 0) this.mountNamespaces.track(p);
    return r;
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
    const r = setnsTo(p, nstype, ns);
    if (r === 0) this.mountNamespaces.track(p);
    return r;
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
    return this.scheduler.shutdown();
  }
}
