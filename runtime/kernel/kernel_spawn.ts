/**
 * The kernel API's `spawn`: a process created outside every process (no parent), with
 * new namespaces, a cgroup, host streams as stdio, mounts made inside its namespaces, and
 * its program resolved through the VFS; and `setns` through `/proc/PID/ns/*` files.
 *
 * @module
 */
import { Errno } from "./errno.ts";
import type { Cgroup } from "./cgroup.ts";
import { hostSink, hostSource, nullHandle, type StreamHandle } from "./host_stdio.ts";
import type { Kernel } from "./kernel.ts";
import type { Process } from "./process.ts";
import {
  builtinProgram,
  execRefusalOf,
  pathOf,
  type Program,
  resolveProgramPath,
  startProgram,
} from "./process_exec.ts";
import type { ProcessFs } from "./process_fs.ts";
import {
  type ExitStatus,
  type ProcessHandle,
  SpawnError,
  type SpawnMount,
  type SpawnRequest,
  type StdioSpec,
} from "./process_handle.ts";
import { createProcess } from "./process_spawn.ts";
import { signalFrom } from "./signal_send.ts";
import { AT, O } from "./syscalls/api.ts";
import type { Credentials } from "./task.ts";
import { FsState } from "./vfs/fs_state.ts";
import { TIOC } from "./fs/devpts/pty.ts";
import { type HostTerminal, hostTerminal } from "./fs/devpts/pty_host.ts";

/**
 * Start a process for the kernel API (see `Kernel.spawn`).
 *
 * @param k The kernel.
 * @param req The request.
 * @returns The handle; throws {@link SpawnError}.
 * @example
 * ```ts ignore
 * const h = await spawnProcess(kernel, { argv: ["sh"] });
 * ```
 */
export async function spawnProcess(k: Kernel, req: SpawnRequest): Promise<ProcessHandle> {
  if (k.isShutdown) throw new Error("Cannot spawn: the kernel is shut down");
  const what = req.path ?? req.argv[0] ?? "";
  let cgroup: Cgroup | undefined;
  if (req.cgroup !== undefined) {
    const g = k.cgroups.get(req.cgroup) ?? k.cgroups.create(req.cgroup);
    if (typeof g === "number") throw new SpawnError(g, what);
    cgroup = g;
  }
  const joined = req.joinPid !== undefined ? k.procs.get(req.joinPid) : undefined;
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
  if (fs && !k.claimFs(fs)) fs = fs.fork();
  const p = createProcess(k, null, {
    cloneFlags: req.cloneFlags,
    cgroup,
    fs: fs ?? (joined ? (joined.fs as ProcessFs).fork() : undefined),
    cred,
    hostname: req.hostname,
    nsFrom: joined,
  });
  if (typeof p === "number") throw new SpawnError(p, what);
  const exitPromise: Promise<ExitStatus> = k.trackExit(p);

  let stdin: WritableStream<Uint8Array> | null = null;
  let stdout: ReadableStream<Uint8Array> | null = null;
  let stderr: ReadableStream<Uint8Array> | null = null;
  if (!req.keepFds && !req.terminal) {
    const inSpec = req.stdin ?? "null";
    let inHandle: StreamHandle;
    if (inSpec === "null") inHandle = nullHandle();
    else if (inSpec === "pipe") {
      const t = new TransformStream<Uint8Array, Uint8Array>();
      stdin = t.writable;
      inHandle = hostSource(t.readable);
    } else if (inSpec instanceof ReadableStream) inHandle = hostSource(inSpec);
    else inHandle = inSpec;
    k.installStream(p, 0, inHandle, O.RDONLY);
    const out = (spec: StdioSpec | undefined, fd: number) => {
      const s = spec ?? "pipe";
      if (s === "null") {
        k.installStream(p, fd, nullHandle(), O.WRONLY);
        return null;
      }
      if (s === "pipe") {
        const { handle, readable } = hostSink();
        k.installStream(p, fd, handle, O.WRONLY);
        return readable;
      }
      k.installStream(p, fd, s, O.WRONLY);
      return null;
    };
    stdout = out(req.stdout, 1);
    stderr = out(req.stderr, 2);
  }
  const env = req.env ?? [`PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`];
  let prog: Program | Errno;
  if (req.cwd !== undefined) {
    const r = await k.fileCallsOf(p).chdir(req.cwd);
    if (r < 0) {
      k.discardProcess(p);
      throw new SpawnError(r as Errno, `${what} in ${req.cwd}`);
    }
  }
  if (req.mounts?.length) {
    const r = mountAll(k, p, req.mounts);
    if (r < 0) {
      k.discardProcess(p);
      throw new SpawnError(r as Errno, `${what} (mounts)`);
    }
  }
  let terminal: HostTerminal | undefined;
  if (req.terminal) {
    const t = await openTerminal(k, p);
    if (typeof t === "number") {
      k.discardProcess(p);
      throw new SpawnError(t, `${what} (terminal)`);
    }
    terminal = t;
  }
  if (req.program) prog = builtinProgram(req.program, [...req.argv], env);
  else prog = await resolveProgramPath(k, p, what, [...req.argv], env, pathOf(env));
  if (typeof prog === "number") {
    k.discardProcess(p);
    terminal?.close();
    throw new SpawnError(prog, what, execRefusalOf(p)?.reason);
  }
  startProgram(k, p, prog, false);
  return {
    pid: p.id,
    nsPid: p.nsPid,
    process: p,
    stdin,
    stdout,
    stderr,
    terminal,
    wait: () => exitPromise,
    kill: (sig = 15) => {
      if (p.alive) signalFrom(k, null, p, sig);
    },
    stop: async (timeoutMs = 10_000, sig = 15) => {
      if (p.alive) signalFrom(k, null, p, sig);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const expired = new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)));
      await Promise.race([exitPromise, expired]);
      clearTimeout(timer);
      if (p.alive) signalFrom(k, null, p, 9);
      return exitPromise;
    },
  };
}

/**
 * Give `p` a new pseudo-terminal, as runc sets up a container's console: open `/dev/ptmx`
 * in its root, unlock the slave and open it as fd 0 (the process leads its session, so
 * the slave becomes its controlling terminal), dup it to fds 1 and 2, and keep the master
 * out of its descriptor table for the host.
 */
async function openTerminal(k: Kernel, p: Process): Promise<HostTerminal | Errno> {
  if (!(p.fs instanceof FsState)) return Errno.ENOTTY;
  const fds = p.fs.fds;
  const f = k.fileCallsOf(p);
  const m = await f.openat(AT.FDCWD, "/dev/ptmx", O.RDWR | O.NOCTTY | O.CLOEXEC, 0);
  if (m < 0) return m as Errno;
  const n = f.ioctl(m, TIOC.GPTN);
  const unlocked = f.ioctl(m, TIOC.SPTLCK, 0);
  // The host keeps its own reference to the master; the process never sees it.
  const master = fds.get(m)!.ref();
  f.close(m);
  if (typeof n !== "number" || n < 0 || unlocked !== 0) {
    master.unref();
    return Errno.ENOTTY;
  }
  const s = await f.openat(AT.FDCWD, `/dev/pts/${n}`, O.RDWR, 0);
  if (s < 0) {
    master.unref();
    return s as Errno;
  }
  for (const fd of [0, 1, 2]) {
    if (fd !== s) f.dup3(s, fd, 0);
  }
  if (s > 2) f.close(s);
  return hostTerminal(n, master.handle, () => master.unref(), p);
}

function mountAll(k: Kernel, p: Process, mounts: SpawnMount[]): number {
  if (!(p.fs instanceof FsState)) return Errno.EINVAL;
  const types = p.fs.mountNs.fsTypes;
  for (const [name, f] of k.fsTypes) if (!types.has(name)) types.set(name, f);
  const f = k.fileCallsOf(p);
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
