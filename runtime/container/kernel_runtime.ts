/**
 * Runs containers on the one emulated kernel: a cgroup `/berth/<id>` with the spec's
 * limits, the init spawned in new PID, mount, IPC and UTS namespaces with the spec's
 * argv, env, user and hostname, output streamed to the engine, pause as
 * `cgroup.freeze`, `exec` joining the init's namespaces and cgroup, `top` and `stats`
 * from the kernel's tables.
 *
 * The root file system comes from a {@link RootfsProvider} (the overlay of the image's
 * layers plus the container's writable layer); without one, processes run with no root
 * (builtin programs only), which is what the kernel offers before the VFS is wired in.
 *
 * @module
 */
import { getHeapStatistics } from "node:v8";
import type { Kernel, ProcessHandle } from "../kernel/kernel.ts";
import { SpawnError } from "../kernel/kernel.ts";
import { Errno, strerror } from "../kernel/errno.ts";
import { CLONE } from "../kernel/syscalls/api.ts";
import type { ProcessFs } from "../kernel/process_fs.ts";
import { memoryChargerOf } from "../kernel/cgroup.ts";
import type { MemoryCharger, Task } from "../kernel/task.ts";
import type { FsFactory } from "../kernel/vfs/mount.ts";
import type { StreamHandle } from "../kernel/host_stdio.ts";
import type { HostTerminal } from "../kernel/fs/devpts/pty_host.ts";
import { controllingPty } from "../kernel/fs/devpts/pty.ts";
import type { Process } from "../kernel/process.ts";
import type { ContainerRecord } from "./container_state.ts";
import { FORWARDED, makeInit } from "./container_init.ts";
import { resolveUser } from "./container_create.ts";
import { cgroupValues } from "./container_spec.ts";
import {
  type CgroupStats,
  type ContainerFs,
  type ContainerIo,
  type ContainerRuntime,
  ContainerStartError,
  type ExecOptions,
  type ExecProcess,
  type NamespaceJoins,
  type ProcessInfo,
  type RunningContainer,
} from "./container_runtime.ts";

/** Supplies container root file systems (implemented over the VFS's overlay). */
export interface RootfsProvider {
  /** A process file-system state whose root is the container's rootfs with its mounts. */
  open(
    record: ContainerRecord,
    memory?: MemoryCharger,
    kernelFs?: KernelMounts,
  ): Promise<ProcessFs>;
  /** Read a file of the container's root (for `exec -u name`), or undefined. */
  readFile?(record: ContainerRecord, path: string): Promise<string | undefined>;
  /** Finish mounts that need the spawned init (its namespaces). */
  afterSpawn?(fs: ProcessFs, live: ProcessFs): void;
  /** Persist the writable layer. */
  save(record: ContainerRecord): Promise<void>;
  /** Drop a removed container's layer. */
  remove(record: ContainerRecord): Promise<void>;
  /** File-system operations (diff, export, cp). */
  readonly fs: ContainerFs;
}

const NS_FLAGS = CLONE.NEWPID | CLONE.NEWNS | CLONE.NEWIPC | CLONE.NEWUTS | CLONE.NEWCGROUP;

/**
 * The kernel's mountable types ("proc", "cgroup2") and the task whose namespaces they
 * show: the container's init, known once it is spawned (nothing reads the mounts before).
 */
export interface KernelMounts {
  /** `kernel.fsTypes`. */
  fsTypes: ReadonlyMap<string, FsFactory>;
  /** The viewer (the container's init). */
  viewer: Task;
}

/** A file-system that has no root yet: every operation explains why. */
class NoRootfs implements ContainerFs {
  #fail(): never {
    throw Object.assign(
      new Error(
        "container file systems are not available in this build (the VFS overlay is not wired in yet)",
      ),
      { httpStatus: 501 },
    );
  }
  changes(): never {
    return this.#fail();
  }
  diffTar(): never {
    return this.#fail();
  }
  exportTar(): never {
    return this.#fail();
  }
  archive(): never {
    return this.#fail();
  }
  statPath(): never {
    return this.#fail();
  }
  extract(): never {
    return this.#fail();
  }
  sizeRw(): Promise<number> {
    return Promise.resolve(0); // no root, no writable layer
  }
}

/** `CLONE_NEW*` flags from the spec's namespaces (`--pid host` etc. leave one out). */
function cloneFlagsOf(record: ContainerRecord): number {
  const bits: Record<string, number> = {
    pid: CLONE.NEWPID,
    mount: CLONE.NEWNS,
    ipc: CLONE.NEWIPC,
    uts: CLONE.NEWUTS,
    cgroup: CLONE.NEWCGROUP,
  };
  let flags = 0;
  for (const ns of record.Spec.linux.namespaces) {
    // A namespace with a path is joined (see NamespaceJoins), not created.
    if (!ns.path) flags |= bits[ns.type] ?? 0;
  }
  return flags || NS_FLAGS;
}

/** `setns` for a new process that has not run yet, as its privileged creator does it. */
function enterNamespaces(k: Kernel, p: Process, switches: [number, unknown][]): void {
  const euid = p.cred.euid;
  p.cred.euid = 0;
  try {
    for (const [type, ns] of switches) {
      const r = k.setnsTo(p, type, ns);
      if (r < 0) throw new Error(`cannot enter namespace ${type.toString(16)}: errno ${r}`);
    }
  } finally {
    p.cred.euid = euid;
  }
}

/** The live process whose namespace a container joins, or a Docker-like 409. */
function joinTarget(k: Kernel, pid: number, what: "IPC" | "PID"): Process {
  const p = k.procs.get(pid);
  if (!p || !p.alive) {
    throw Object.assign(new Error(`cannot join ${what} of a non running container`), {
      httpStatus: 409,
    });
  }
  return p;
}

/**
 * The namespaces a container's init must be moved into after its spawn, before it first
 * runs: the spawn gives it the namespaces of the process it joins (`joinPid`, the PID
 * namespace's owner) or the kernel's initial ones, and `--ipc container:X`, `--ipc host`
 * or `--uts host` may want others.
 */
function namespaceSwitches(
  k: Kernel,
  flags: number,
  pidFrom: Process | undefined,
  ipcFrom: Process | undefined,
): [number, unknown][] {
  const out: [number, unknown][] = [];
  const baseIpc = pidFrom ? pidFrom.ipc : k.rootIpc;
  if (ipcFrom) {
    if (ipcFrom.ipc !== baseIpc) out.push([CLONE.NEWIPC, ipcFrom.ipc]);
  } else if (!(flags & CLONE.NEWIPC) && baseIpc !== k.rootIpc) {
    out.push([CLONE.NEWIPC, k.rootIpc]);
  }
  if (pidFrom && !(flags & CLONE.NEWUTS) && pidFrom.uts !== k.rootUts) {
    out.push([CLONE.NEWUTS, k.rootUts]);
  }
  return out;
}

function startError(err: unknown, what: string): Error {
  if (err instanceof SpawnError) {
    const detail = err.detail ? ` (${err.detail})` : "";
    const exec = `failed to create task for container: exec: "${what}"`;
    if (err.errno === Errno.ENOENT) {
      return new ContainerStartError(`${exec}: executable file not found in $PATH`, 127);
    }
    if (err.errno === Errno.EACCES || err.errno === Errno.EISDIR) {
      return new ContainerStartError(`${exec}: permission denied`, 126);
    }
    if (err.errno === Errno.ENOEXEC) {
      return new ContainerStartError(`${exec}: exec format error${detail}`, 126);
    }
    // ENOMEM, E2BIG, EAGAIN…: Docker's other start failures (exit 125, State.ExitCode 128),
    // in Go's lower-case errno wording.
    const text = strerror(err.errno);
    const msg = `${exec}: ${text.charAt(0).toLowerCase()}${text.slice(1)}${detail}`;
    return Object.assign(new Error(msg), { httpStatus: 500 });
  }
  return err as Error;
}

/**
 * A write-only stream handle that hands each write to `sink` at once (no pipe, no
 * reader, no buffering): how a container's stdout/stderr reach its log and attachments.
 */
function outSink(sink: (data: Uint8Array) => void): StreamHandle {
  return {
    stream: true,
    read: () => Errno.EBADF,
    write: (buf) => {
      if (buf.length > 0) sink(buf.slice());
      return buf.length;
    },
  };
}

async function pump(
  stream: ReadableStream<Uint8Array> | null,
  sink: (d: Uint8Array) => void,
): Promise<void> {
  if (!stream) return;
  const reader = stream.getReader();
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      if (value && value.length > 0) sink(value);
    }
  } catch { /* the process went away */ }
}

/** `VEOF`: the end of the attached input is a ^D typed on the terminal. */
const EOF = Uint8Array.of(4);

/**
 * The process on a terminal exited: wait for what it wrote to reach the engine (the output
 * ends once every slave descriptor is closed; a descendant still holding one is given a
 * few seconds), then close the master, which hangs the terminal up.
 */
async function drained(term: HostTerminal | undefined, outDone: Promise<void>): Promise<void> {
  if (!term) return await outDone;
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([outDone, new Promise<void>((r) => (timer = setTimeout(r, 5000)))]);
  clearTimeout(timer);
  term.close();
}

/** The TTY column of `top` (`ps -ef`): the session's controlling terminal, `pts/N`, or `?`. */
function ttyOf(p: Process): string {
  const pty = controllingPty(p.session);
  return pty ? `pts/${pty.index}` : "?";
}

function clock(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

function cpuTime(us: number): string {
  const s = Math.floor(us / 1e6);
  return `${String(Math.floor(s / 3600)).padStart(2, "0")}:${
    String(Math.floor(s / 60) % 60).padStart(2, "0")
  }:${String(s % 60).padStart(2, "0")}`;
}

/**
 * The kernel-backed runtime.
 *
 * @example
 * ```ts ignore
 * const runtime = new KernelRuntime(kernel);
 * const running = await runtime.start(record, { stdout: log, stderr: log });
 * ```
 */
export class KernelRuntime implements ContainerRuntime {
  readonly #kernel: Kernel;
  readonly #rootfs?: RootfsProvider;
  readonly #memoryBudget: number;

  /**
   * Create it.
   *
   * @param kernel The daemon's kernel.
   * @param rootfs Root file systems (absent: processes run without a root).
   * @param opts `memoryBudget`: what all containers together may hold (the `memory.max` of
   *   their parent cgroup, `/berth`), default half of this process's JS heap limit. Past it
   *   the kernel's OOM killer takes the largest container process, as Linux's global OOM
   *   killer does, instead of the daemon running out of heap with every container in it.
   */
  constructor(kernel: Kernel, rootfs?: RootfsProvider, opts: { memoryBudget?: number } = {}) {
    this.#kernel = kernel;
    this.#rootfs = rootfs;
    this.#memoryBudget = opts.memoryBudget ?? Math.floor(getHeapStatistics().heap_size_limit / 2);
  }

  /** File-system operations. */
  get fs(): ContainerFs {
    return this.#rootfs?.fs ?? new NoRootfs();
  }

  /** The kernel. */
  get kernel(): Kernel {
    return this.#kernel;
  }

  #cgroupPath(record: ContainerRecord): string {
    return `/berth/${record.Id.slice(0, 12)}`;
  }

  async start(
    record: ContainerRecord,
    io: ContainerIo,
    joins: NamespaceJoins = {},
  ): Promise<RunningContainer> {
    const k = this.#kernel;
    const pidFrom = joins.pid !== undefined ? joinTarget(k, joins.pid, "PID") : undefined;
    const ipcFrom = joins.ipc !== undefined ? joinTarget(k, joins.ipc, "IPC") : undefined;
    const cgPath = this.#cgroupPath(record);
    if (!k.cgroups.get("/berth")) k.cgroups.create("/berth", { memoryMax: this.#memoryBudget });
    // The cgroup lives as long as the container: its upper layer stays charged to it.
    const g = k.cgroups.get(cgPath) ?? k.cgroups.create(cgPath);
    if (typeof g === "number") throw new Error(`cannot create cgroup ${cgPath}: errno ${g}`);
    const oomBefore = this.#oomKills(cgPath);
    for (const [file, value] of Object.entries(cgroupValues(record.Spec.linux.resources))) {
      k.cgroups.writeGroup(g, file, value);
    }
    const spec = record.Spec;
    const current: { init?: Task } = {};
    const viewer = new Proxy({} as Task, {
      get: (_t, prop) => (current.init ? Reflect.get(current.init, prop) : undefined),
    });
    const fs = this.#rootfs
      ? await this.#rootfs.open(record, memoryChargerOf(g), { fsTypes: k.fsTypes, viewer })
      : undefined;
    // A fresh mount namespace is built for the container: cloning it again (CLONE_NEWNS)
    // would only copy it.
    const flags = cloneFlagsOf(record) & (this.#rootfs ? ~CLONE.NEWNS : ~0);
    const initProgram = record.HostConfig.Init ? makeInit() : undefined;
    const argv = record.HostConfig.Init ? ["berth-init", ...spec.process.args] : spec.process.args;
    // Namespaces joined after the spawn are entered while the new cgroup is frozen, before
    // the init first runs (runc joins them before it execs the entrypoint).
    const switches = namespaceSwitches(k, flags, pidFrom, ipcFrom);
    if (switches.length > 0) k.cgroups.writeGroup(g, "cgroup.freeze", "1");
    let handle: ProcessHandle;
    try {
      handle = await k.spawn({
        argv,
        env: spec.process.env,
        cwd: fs ? spec.process.cwd : undefined,
        cgroup: cgPath,
        cloneFlags: flags,
        joinPid: pidFrom?.id,
        // With --uts host the kernel's own name stays.
        hostname: flags & CLONE.NEWUTS ? spec.hostname : undefined,
        fs,
        cred: {
          uid: spec.process.user.uid,
          gid: spec.process.user.gid,
          groups: spec.process.user.additionalGids ?? [],
        },
        // -t: a pair on the container's own devpts, /dev/pts/0 its controlling terminal
        // (a root without devpts, as in library use without a VFS, runs on plain streams).
        terminal: record.Config.Tty && fs !== undefined,
        stdin: record.Config.OpenStdin ? "pipe" : "null",
        stdout: outSink(io.stdout),
        stderr: outSink(io.stderr),
        program: initProgram?.main,
      });
    } catch (err) {
      if (switches.length > 0) k.cgroups.writeGroup(g, "cgroup.freeze", "0");
      throw startError(err, argv[0] ?? "");
    }
    if (switches.length > 0) {
      try {
        enterNamespaces(k, handle.process, switches);
      } catch (err) {
        handle.kill(9);
        throw err;
      } finally {
        k.cgroups.writeGroup(g, "cgroup.freeze", "0");
      }
    }
    current.init = handle.process;
    if (initProgram) {
      for (const sig of FORWARDED) {
        if (!handle.process.handlers.has(sig)) handle.process.handlers.set(sig, initProgram.early);
      }
    }
    if (fs) this.#rootfs?.afterSpawn?.(fs, handle.process.fs as ProcessFs);
    // Without a terminal, output reaches the engine synchronously as it is written.
    const term = handle.terminal;
    const outDone = term ? pump(term.output, io.stdout) : Promise.resolve();
    const stdinWriter = handle.stdin?.getWriter();
    const exited = (async () => {
      const status = await handle.wait();
      // Not the init of its PID namespace (--pid container:X, --pid host): its exit kills
      // nothing by itself, so the container's other processes are killed, as runc does
      // for a container without a private PID namespace.
      if (handle.nsPid !== 1) this.#signalAll(cgPath, 9);
      // Killing a namespace's init kills the namespace: wait for the output to drain.
      await drained(term, outDone);
      const oomKilled = this.#oomKills(cgPath) > oomBefore;
      return { exitCode: status.exitCode, oomKilled };
    })();
    return {
      pid: handle.pid,
      exited,
      kill: (sig) => handle.kill(sig),
      freeze: (frozen) => {
        const cg = k.cgroups.get(cgPath);
        if (cg) k.cgroups.writeGroup(cg, "cgroup.freeze", frozen ? "1" : "0");
      },
      writeStdin: (data) => {
        // With a terminal, typed on its master: the line discipline echoes, edits and sends
        // ^C to the foreground process group; else a plain pipe.
        if (term) term.type(data);
        else stdinWriter?.write(data).catch(() => {});
      },
      closeStdin: () => {
        if (term) term.type(EOF);
        else stdinWriter?.close().catch(() => {});
      },
      resize: (rows, cols) => term?.resize(rows, cols),
      exec: (opts, execIo) => this.#exec(record, handle, opts, execIo),
      top: () => this.#top(cgPath),
      stats: () => this.#stats(cgPath),
      update: (values) => {
        const cg = k.cgroups.get(cgPath);
        if (!cg) return;
        for (const [file, value] of Object.entries(values)) k.cgroups.writeGroup(cg, file, value);
      },
    };
  }

  async #exec(
    record: ContainerRecord,
    init: ProcessHandle,
    opts: ExecOptions,
    io: ContainerIo,
  ): Promise<ExecProcess> {
    const spec = record.Spec;
    let user = { uid: spec.process.user.uid, gid: spec.process.user.gid };
    if (opts.user) {
      const named = !/^\d+(:\d+)?$/.test(opts.user);
      const passwd = named ? (await this.#rootfs?.readFile?.(record, "/etc/passwd")) ?? "" : "";
      const group = named ? (await this.#rootfs?.readFile?.(record, "/etc/group")) ?? "" : "";
      user = resolveUser(opts.user, passwd, group);
    }
    const tty = opts.tty && this.#rootfs !== undefined;
    let handle: ProcessHandle;
    try {
      handle = await this.#kernel.spawn({
        argv: opts.argv,
        env: [...spec.process.env, ...opts.env, ...(tty ? ["TERM=xterm"] : [])],
        cwd: this.#rootfs ? (opts.workdir || spec.process.cwd) : undefined,
        joinPid: init.pid,
        cred: { uid: user.uid, gid: user.gid },
        // -t: the next free pair of the container's devpts (/dev/pts/N).
        terminal: tty,
        stdin: opts.stdin ? "pipe" : "null",
        stdout: outSink(io.stdout),
        stderr: outSink(io.stderr),
      });
    } catch (err) {
      throw startError(err, opts.argv[0] ?? "");
    }
    const term = handle.terminal;
    const outDone = term ? pump(term.output, io.stdout) : Promise.resolve();
    const w = handle.stdin?.getWriter();
    return {
      pid: handle.pid,
      exited: handle.wait().then(async (s) => {
        await drained(term, outDone);
        return s.exitCode;
      }),
      writeStdin: (d) => {
        if (term) term.type(d);
        else w?.write(d).catch(() => {});
      },
      closeStdin: () => {
        if (term) term.type(EOF);
        else w?.close().catch(() => {});
      },
      resize: (rows, cols) => term?.resize(rows, cols),
    };
  }

  /** Signal every process of the container. */
  #signalAll(cgPath: string, sig: number): void {
    const k = this.#kernel;
    const cg = k.cgroups.get(cgPath);
    if (!cg) return;
    const members: Process[] = [];
    for (const p of k.procs.values()) if (!p.dead && p.cgroup.isWithin(cg)) members.push(p);
    for (const p of members) k.sendSignal(p, sig);
  }

  /** `oom_kill` of the cgroup's `memory.events` (its counter, not the file's text). */
  #oomKills(cgPath: string): number {
    return this.#kernel.cgroups.get(cgPath)?.memoryEvents.oom_kill ?? 0;
  }

  #top(cgPath: string): ProcessInfo[] {
    const k = this.#kernel;
    const cg = k.cgroups.get(cgPath);
    const out: ProcessInfo[] = [];
    if (!cg) return out;
    for (const p of k.procs.values()) {
      if (p.dead || !p.cgroup.isWithin(cg)) continue;
      out.push({
        uid: p.cred.euid === 0 ? "root" : String(p.cred.euid),
        pid: p.id,
        ppid: p.parent?.id ?? 0,
        c: 0,
        stime: clock(p.startWallMs),
        tty: ttyOf(p),
        time: cpuTime(p.utimeUs + p.stimeUs),
        cmd: (p.argv.length > 0 ? p.argv : [p.comm]).join(" "),
      });
    }
    return out.sort((a, b) => a.pid - b.pid);
  }

  #stats(cgPath: string): CgroupStats {
    const k = this.#kernel;
    const read = (name: string): string => {
      const v = k.cgroups.readFile(cgPath, name);
      return typeof v === "string" ? v : "";
    };
    const kv = (text: string): Record<string, number> =>
      Object.fromEntries(
        text.split("\n").filter((l) => l).map((l) => {
          const [a, b] = l.split(" ");
          return [a ?? "", Number(b)];
        }),
      );
    const cpu = kv(read("cpu.stat"));
    const num = (name: string): number | undefined => {
      const t = read(name).trim();
      return t === "" || t === "max" ? undefined : Number(t);
    };
    return {
      cpuUsageUsec: cpu.usage_usec ?? 0,
      memoryCurrent: num("memory.current") ?? 0,
      memoryMax: num("memory.max"),
      memoryPeak: num("memory.peak") ?? 0,
      pidsCurrent: num("pids.current") ?? 0,
      pidsMax: num("pids.max"),
      nrPeriods: cpu.nr_periods ?? 0,
      nrThrottled: cpu.nr_throttled ?? 0,
      throttledUsec: cpu.throttled_usec ?? 0,
    };
  }

  async saveUpper(record: ContainerRecord): Promise<void> {
    await this.#rootfs?.save(record);
  }

  async remove(record: ContainerRecord): Promise<void> {
    await this.#rootfs?.remove(record);
    this.#kernel.cgroups.remove(this.#cgroupPath(record));
  }

  async shutdown(): Promise<void> {
    await this.#kernel.shutdown();
  }
}
