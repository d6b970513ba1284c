/**
 * Process system calls: identity, credentials, sessions and groups, spawn/execve/wait4/
 * exit, namespaces (`unshare`, `setns`), scheduling and sleeping, clocks, resource usage,
 * `uname`/`sethostname`, `prlimit`, `getrandom`, `sbrk`. Pids are always in the caller's PID
 * namespace.
 *
 * @module
 */
import { Errno } from "../errno.ts";
import { ProcessExit } from "../executor.ts";
import type { Kernel } from "../kernel.ts";
import type { IpcNamespace } from "../ipc/ipc_namespace.ts";
import { ipcSwitch } from "./sys_ipc.ts";
import { PidNamespace, UtsNamespace } from "../namespaces.ts";
import type { Process } from "../process.ts";
import { exitProcess, wait4 } from "../process_exit.ts";
import { pathOf, resolveProgramPath, startProgram } from "../process_exec.ts";
import type { ProcessFs } from "../process_fs.ts";
import { createProcess, credIn, findGroup } from "../process_spawn.ts";
import { UserNamespace } from "../user_namespace.ts";
import { getPriority, setPriority } from "../process_priority.ts";
import { kernelDelay } from "../timers.ts";
import {
  AT,
  CLONE,
  type Rusage,
  type SpawnOptions,
  type Syscalls,
  type Timespec,
  type Utsname,
  W,
} from "./api.ts";

/** `RLIMIT_NOFILE`. */
export const RLIMIT_NOFILE = 7;
/** RLIM_INFINITY as Berth reports it. */
export const RLIM_INFINITY: number = Number.MAX_SAFE_INTEGER;

const NS_FLAGS = CLONE.NEWPID | CLONE.NEWNS | CLONE.NEWIPC | CLONE.NEWUTS | CLONE.NEWCGROUP |
  CLONE.NEWUSER;

/**
 * Whether `p` holds the capabilities of its user namespace (`CAP_SETUID`, `CAP_SETGID`):
 * root there (a kernel id that shows as 0 inside), or the program a `CLONE_NEWUSER`
 * started in it. Other privileged calls (mount, new namespaces…) still need kernel root.
 */
function nsCapable(p: Process): boolean {
  return p.userNs.fromKernel("uid", p.cred.euid) === 0 || p.execGeneration <= p.userNsCapsGen;
}

function ts(ms: number): Timespec {
  const sec = Math.floor(ms / 1000);
  return { sec, nsec: Math.floor((ms - sec * 1000) * 1e6) };
}

/** The process-family calls of one process, unwrapped (see make_syscalls.ts). */
export type ProcCalls = Pick<
  Syscalls,
  | "getpid"
  | "getppid"
  | "gettid"
  | "getuid"
  | "getgid"
  | "geteuid"
  | "getegid"
  | "setuid"
  | "setgid"
  | "getgroups"
  | "setgroups"
  | "setsid"
  | "getsid"
  | "setpgid"
  | "getpgid"
  | "environ"
  | "argv"
  | "umask"
  | "getpriority"
  | "setpriority"
  | "spawn"
  | "execve"
  | "wait4"
  | "exit"
  | "unshare"
  | "setns"
  | "sched_yield"
  | "nanosleep"
  | "clock_gettime"
  | "clock_getres"
  | "getrusage"
  | "uname"
  | "sethostname"
  | "setdomainname"
  | "prlimit"
  | "getrandom"
  | "sbrk"
>;

/**
 * The process calls bound to `p`.
 *
 * @param k The kernel.
 * @param p The calling process.
 * @returns The implementations.
 * @example
 * ```ts ignore
 * const calls = procCalls(kernel, proc);
 * calls.getpid();
 * ```
 */
export function procCalls(k: Kernel, p: Process): ProcCalls {
  const lookup = (pid: number): Process | null => pid === 0 ? p : p.pidNs.procs.get(pid) ?? null;
  return {
    getpid: () => p.nsPid,
    getppid: () => p.parent ? p.parent.pid.nrIn(p.pidNs) : 0,
    gettid: () => p.nsPid,
    // Credentials are kernel ids; a process sees them through its user namespace.
    getuid: () => p.userNs.fromKernel("uid", p.cred.uid),
    getgid: () => p.userNs.fromKernel("gid", p.cred.gid),
    geteuid: () => p.userNs.fromKernel("uid", p.cred.euid),
    getegid: () => p.userNs.fromKernel("gid", p.cred.egid),
    setuid(uid) {
      if (!Number.isInteger(uid) || uid < 0) return Errno.EINVAL;
      const kid = p.userNs.toKernel("uid", uid);
      if (kid === null) return Errno.EINVAL;
      if (nsCapable(p)) {
        p.cred.uid = kid;
        p.cred.euid = kid;
        // Like Linux without SECBIT_KEEP_CAPS: no longer root inside, no capabilities.
        if (uid !== 0) p.userNsCapsGen = -1;
      } else if (kid === p.cred.uid) p.cred.euid = kid;
      else return Errno.EPERM;
      return 0;
    },
    setgid(gid) {
      if (!Number.isInteger(gid) || gid < 0) return Errno.EINVAL;
      const kid = p.userNs.toKernel("gid", gid);
      if (kid === null) return Errno.EINVAL;
      if (nsCapable(p)) {
        p.cred.gid = kid;
        p.cred.egid = kid;
      } else if (kid === p.cred.gid) p.cred.egid = kid;
      else return Errno.EPERM;
      return 0;
    },
    getgroups: () => p.cred.groups.map((g) => p.userNs.fromKernel("gid", g)),
    setgroups(groups) {
      if (!nsCapable(p) || !p.userNs.setgroupsAllowed) return Errno.EPERM;
      if (groups.length > 65536) return Errno.EINVAL;
      const kids = groups.map((g) => p.userNs.toKernel("gid", g));
      if (kids.some((g) => g === null)) return Errno.EINVAL;
      p.cred.groups = kids as number[];
      return 0;
    },
    setsid() {
      if (p.pgrp === p.pid) return Errno.EPERM;
      p.pgrp.release();
      p.session.release();
      p.pgrp = p.pid;
      p.session = p.pid;
      p.pid.hold();
      p.pid.hold();
      return p.nsPid;
    },
    getsid(pid) {
      const t = lookup(pid);
      return t ? t.session.nrIn(p.pidNs) : Errno.ESRCH;
    },
    setpgid(pid, pgid) {
      if (pgid < 0) return Errno.EINVAL;
      const t = lookup(pid);
      if (!t || (t !== p && t.parent !== p)) return Errno.ESRCH;
      if (t.session !== p.session) return Errno.EPERM;
      if (t.session === t.pid) return Errno.EPERM;
      const want = pgid === 0 ? t.nsPid : pgid;
      let group = want === t.nsPid ? t.pid : findGroup(p, want);
      if (!group) return Errno.EPERM;
      if (group === t.pgrp) return 0;
      t.pgrp.release();
      group.hold();
      t.pgrp = group;
      group = null;
      return 0;
    },
    getpgid(pid) {
      const t = lookup(pid);
      return t ? t.pgrp.nrIn(p.pidNs) : Errno.ESRCH;
    },
    environ: () => [...p.env],
    argv: () => [...p.argv],
    getpriority: (which, who) => getPriority(p, which, who),
    setpriority: (which, who, nice) => setPriority(p, which, who, nice),
    umask(mask) {
      const fs = p.fs as { umask: number };
      const old = fs.umask;
      fs.umask = mask & 0o777;
      return old;
    },
    spawn: (opts) => spawnChild(k, p, opts),
    execve(path, argv, env) {
      return resolveProgramPath(k, p, path.includes("/") ? path : `./${path}`, argv, env).then(
        (prog) => {
          if (typeof prog === "number") return prog;
          if (!p.alive) return new Promise<Errno>(() => {});
          startProgram(k, p, prog, false);
          return new Promise<Errno>(() => {});
        },
      );
    },
    wait4: (pid, options) => wait4(k, p, pid, options),
    exit(code): never {
      exitProcess(k, p, W.exited(code & 0xff));
      throw new ProcessExit(code & 0xff);
    },
    unshare(flags) {
      if (flags & ~NS_FLAGS) return Errno.EINVAL;
      // A user namespace needs no privilege; the others need kernel root.
      if ((flags & ~CLONE.NEWUSER) && p.cred.euid !== 0) return Errno.EPERM;
      if (flags & CLONE.NEWUSER) {
        if (p.userNs.level >= 32) return Errno.EUSERS;
        p.userNs = new UserNamespace(p.userNs, p.cred.euid);
        const c = credIn(p.userNs, p.cred);
        Object.assign(p.cred, c);
        p.userNsCapsGen = p.execGeneration;
      }
      if (flags & CLONE.NEWPID) {
        if (p.childPidNs !== p.pidNs) return Errno.EINVAL;
        p.childPidNs = new PidNamespace<Process>(p.pidNs);
      }
      if (flags & CLONE.NEWUTS) p.uts = new UtsNamespace(p.uts);
      if (flags & CLONE.NEWIPC) {
        const next = k.newIpcNamespace(p.ipc) as IpcNamespace;
        ipcSwitch(p, next);
        p.ipc = next;
      }
      if (flags & CLONE.NEWNS) {
        (p.fs as ProcessFs).unshareMounts();
        k.mountNamespaces.track(p);
      }
      if (flags & CLONE.NEWCGROUP) p.cgroupNsRoot = p.cgroup;
      return 0;
    },
    setns(fd, nstype) {
      return k.setnsFromFd(p, fd, nstype);
    },
    sched_yield() {
      if (k.scheduler.current === p && k.cgroups.root.runq.size > 0) return Promise.resolve(0);
      return 0;
    },
    nanosleep(t, rem) {
      if (t.sec < 0 || t.nsec < 0 || t.nsec > 999_999_999) return Errno.EINVAL;
      const ms = t.sec * 1000 + t.nsec / 1e6;
      if (ms <= 0) return k.cgroups.root.runq.size > 0 ? Promise.resolve(0) : 0;
      const done = kernelDelay(ms, 0 as const);
      const end = performance.now() + ms;
      // Exit interrupts every sleep, which cancels the timer. An interrupted sleep is
      // never restarted (signal(7)); it reports the time left in `rem`, as Linux.
      return p.block(done.promise, done.cancel).then((r) => {
        if (r === 0) return 0;
        if (rem) {
          const left = Math.max(0, end - performance.now());
          rem.sec = Math.floor(left / 1000);
          rem.nsec = Math.min(999_999_999, Math.round((left % 1000) * 1e6));
        }
        return Errno.EINTR;
      });
    },
    clock_gettime(clock) {
      switch (clock) {
        case 0:
        case 5:
          return ts(performance.timeOrigin + performance.now());
        case 1:
        case 4:
        case 6:
        case 7:
          return ts(performance.now());
        case 2:
        case 3: {
          let us = p.utimeUs + p.stimeUs;
          if (k.scheduler.current === p) {
            us += (performance.now() - k.scheduler.sliceStartMs) * 1000;
          }
          return ts(us / 1000);
        }
        default:
          return Errno.EINVAL;
      }
    },
    clock_getres(clock) {
      if (clock < 0 || clock > 7) return Errno.EINVAL;
      return { sec: 0, nsec: 1000 };
    },
    getrusage(who): Rusage | Errno {
      if (who === 0 || who === 1) {
        // The running slice is not accounted yet: count it as user time.
        const cur = k.scheduler.current === p
          ? (performance.now() - k.scheduler.sliceStartMs) * 1000 - p.sliceSysUs
          : 0;
        return {
          utimeUsec: Math.round(p.utimeUs + Math.max(0, cur)),
          stimeUsec: Math.round(p.stimeUs + (k.scheduler.current === p ? p.sliceSysUs : 0)),
          maxrssKb: Math.ceil(p.peakRss / 1024),
        };
      }
      if (who === -1) {
        return {
          utimeUsec: Math.round(p.cutimeUs),
          stimeUsec: Math.round(p.cstimeUs),
          maxrssKb: 0,
        };
      }
      return Errno.EINVAL;
    },
    uname(): Utsname {
      return {
        sysname: "Linux",
        nodename: p.uts.hostname,
        release: KERNEL_RELEASE,
        version: KERNEL_VERSION,
        machine: Deno.build.arch === "aarch64" ? "aarch64" : "x86_64",
        domainname: p.uts.domainname,
      };
    },
    sethostname(name) {
      if (p.cred.euid !== 0) return Errno.EPERM;
      if (new TextEncoder().encode(name).length > 64) return Errno.EINVAL;
      p.uts.hostname = name;
      return 0;
    },
    setdomainname(name) {
      if (p.cred.euid !== 0) return Errno.EPERM;
      if (new TextEncoder().encode(name).length > 64) return Errno.EINVAL;
      p.uts.domainname = name;
      return 0;
    },
    prlimit(pid, resource, limit) {
      const t = lookup(pid);
      if (!t) return Errno.ESRCH;
      if (!Number.isInteger(resource) || resource < 0 || resource > 15) return Errno.EINVAL;
      const old = t.rlimits.get(resource) ?? [RLIM_INFINITY, RLIM_INFINITY];
      if (limit) {
        const [soft, hard] = limit;
        if (soft > hard || soft < 0) return Errno.EINVAL;
        if (hard > old[1] && p.cred.euid !== 0) return Errno.EPERM;
        if (t !== p && p.cred.euid !== 0 && p.cred.uid !== t.cred.uid) return Errno.EPERM;
        t.rlimits.set(resource, [soft, hard]);
        if (resource === RLIMIT_NOFILE) {
          const fds = (t.fs as ProcessFs).fds as unknown as { limit?: number };
          if (typeof fds.limit === "number") fds.limit = Math.min(soft, 1 << 20);
        }
      }
      return [old[0], old[1]];
    },
    getrandom(buf) {
      for (let i = 0; i < buf.length; i += 65536) {
        crypto.getRandomValues(buf.subarray(i, Math.min(buf.length, i + 65536)));
      }
      return buf.length;
    },
    sbrk(increment) {
      if (!Number.isSafeInteger(increment)) return Errno.EINVAL;
      if (increment < 0) {
        const n = Math.min(-increment, p.heapBytes);
        p.heapBytes -= n;
        p.uncharge(n, "anon");
      } else if (increment > 0) {
        // Memory the program already touched: the OOM killer makes room, or takes it.
        if (!k.chargeAnon(p, increment, true)) return Errno.ENOMEM;
        p.heapBytes += increment;
      }
      return p.heapBytes;
    },
  };
}

/** `uname -r` of the emulated kernel. */
export const KERNEL_RELEASE = "6.8.0-berth";
/** `uname -v` of the emulated kernel. */
export const KERNEL_VERSION = "#1 SMP PREEMPT_DYNAMIC Berth";

/**
 * `spawn`: create a child, apply its file actions, resolve and start its program.
 * A failure after the child was created discards it without a trace (no `SIGCHLD`).
 *
 * @param k The kernel.
 * @param p The parent.
 * @param opts Spawn options.
 * @returns The child's pid in the parent's namespace, or an errno.
 */
export async function spawnChild(
  k: Kernel,
  p: Process,
  opts: SpawnOptions,
): Promise<number | Errno> {
  if (!Array.isArray(opts.argv)) return Errno.EINVAL;
  const flags = opts.cloneFlags ?? 0;
  if (flags & ~NS_FLAGS) return Errno.EINVAL;
  // New namespaces need CAP_SYS_ADMIN (kernel root here), except a user namespace.
  if ((flags & ~CLONE.NEWUSER) && p.cred.euid !== 0) return Errno.EPERM;
  const child = createProcess(k, p, {
    cloneFlags: opts.cloneFlags,
    pgid: opts.pgid,
    setsid: opts.setsid,
  });
  if (typeof child === "number") return child;
  const env = opts.env ? [...opts.env] : [...p.env];
  const files = k.fileCallsOf(child);
  for (const a of opts.fileActions ?? []) {
    let r: number | Errno;
    if (a.op === "dup2") {
      r = a.fd === a.newfd ? (files.fcntl(a.fd, 1) as number) : files.dup3(a.fd, a.newfd, 0);
    } else if (a.op === "close") r = files.close(a.fd);
    else {
      const fd = await files.openat(AT.FDCWD, a.path, a.flags, a.mode);
      r = fd;
      if (fd >= 0 && fd !== a.fd) {
        r = files.dup3(fd, a.fd, 0);
        files.close(fd);
      }
    }
    if (typeof r === "number" && r < 0) {
      k.discardProcess(child);
      return r as Errno;
    }
  }
  if (opts.cwd !== undefined) {
    const r = files.chdir(opts.cwd);
    if (r < 0) {
      k.discardProcess(child);
      return r;
    }
  }
  const prog = await resolveProgramPath(k, child, opts.path, [...opts.argv], env, pathOf(p.env));
  if (typeof prog === "number") {
    k.discardProcess(child);
    return prog;
  }
  if (!child.alive) return Errno.EAGAIN;
  startProgram(k, child, prog, false);
  return child.pid.nrIn(p.pidNs);
}
