/**
 * Creating processes: the fork half of `spawn`/`clone`. A new process gets a pid in its
 * PID namespace and in every ancestor namespace, a copy of its parent's credentials,
 * namespaces (or new ones for `CLONE_NEW*` flags), file-system state, process group and
 * session, and its cgroup; `pids.max` and the per-process kernel memory are charged
 * before anything becomes visible, so a refused spawn leaves no trace.
 *
 * @module
 */
import { Errno } from "./errno.ts";
import { type Cgroup, chargePid, unchargePid } from "./cgroup.ts";
import type { Kernel } from "./kernel.ts";
import { PidNamespace, PidRef, UtsNamespace } from "./namespaces.ts";
import { Process, PROCESS_KERNEL_BYTES } from "./process.ts";
import type { ProcessFs } from "./process_fs.ts";
import { CLONE } from "./syscalls/api.ts";
import type { Credentials } from "./task.ts";
import type { IpcNamespace } from "./ipc/ipc_namespace.ts";
import { OVERFLOW_ID, UserNamespace } from "./user_namespace.ts";

/** What a new process is made of besides its parent. */
export interface CreateOptions {
  /** `CLONE_NEW*` flags. */
  cloneFlags?: number;
  /** Cgroup (default: the parent's, or the root). */
  cgroup?: Cgroup;
  /** File-system state (default: a copy of the parent's). */
  fs?: ProcessFs;
  /** Credentials (default: the parent's). */
  cred?: Credentials;
  /** Hostname for a new UTS namespace. */
  hostname?: string;
  /** Join the namespaces (PID for itself, UTS, IPC, mount via fs) of this process. */
  nsFrom?: Process;
  /** Process group: 0 = new group led by the child; undefined = the parent's. */
  pgid?: number;
  /** Start a new session. */
  setsid?: boolean;
}

/**
 * Create a process (not yet running any program).
 *
 * @param k The kernel.
 * @param parent Parent process, or null for the kernel API.
 * @param opts Options.
 * @returns The process, or `EAGAIN` (pids.max), `ENOMEM` (memory.max, or the PID
 * namespace's init is gone), `EINVAL`.
 * @example
 * ```ts ignore
 * const child = createProcess(kernel, parent, { cloneFlags: CLONE.NEWPID });
 * ```
 */
export function createProcess(
  k: Kernel,
  parent: Process | null,
  opts: CreateOptions,
): Process | Errno {
  const flags = opts.cloneFlags ?? 0;
  const from = opts.nsFrom ?? parent;
  const cgroup = opts.cgroup ?? from?.cgroup ?? k.cgroups.root;
  const basePidNs = opts.nsFrom ? opts.nsFrom.pidNs : parent ? parent.childPidNs : k.rootPidNs;
  if (basePidNs.dead) return Errno.ENOMEM;
  if (chargePid(cgroup) !== null) return Errno.EAGAIN;

  let ns = basePidNs;
  if (flags & CLONE.NEWPID) ns = new PidNamespace<Process>(basePidNs);
  const numbers: number[] = [];
  const spaces: PidNamespace<Process>[] = [];
  for (let n: PidNamespace<Process> | null = ns; n; n = n.parent) {
    const nr = n.allocPid();
    if (nr === 0) {
      unchargePid(cgroup);
      return Errno.EAGAIN;
    }
    numbers.unshift(nr);
    spaces.unshift(n);
  }
  const pid = new PidRef<Process>(numbers, spaces);
  const uts = flags & CLONE.NEWUTS
    ? new UtsNamespace(from?.uts ?? k.rootUts, opts.hostname)
    : from?.uts ?? k.rootUts;
  if (!(flags & CLONE.NEWUTS) && opts.hostname !== undefined && !from) uts.hostname = opts.hostname;
  let userNs = from?.userNs ?? k.rootUserNs;
  if (flags & CLONE.NEWUSER) {
    if (userNs.level >= 32) {
      unchargePid(cgroup);
      return Errno.EUSERS;
    }
    userNs = new UserNamespace(userNs, (opts.cred ?? parent?.cred ?? ROOT_CRED).euid);
  }
  let ipc = from?.ipc ?? k.rootIpc;
  if (flags & CLONE.NEWIPC) ipc = k.newIpcNamespace(ipc);
  let fs: ProcessFs;
  if (opts.fs) fs = opts.fs;
  else if (opts.nsFrom) fs = (opts.nsFrom.fs as ProcessFs).fork();
  else if (parent) fs = (parent.fs as ProcessFs).fork();
  else fs = k.defaultFs();
  if (flags & CLONE.NEWNS) fs.unshareMounts();

  let pgrp = parent?.pgrp ?? pid;
  let session = parent?.session ?? pid;
  if (!parent || opts.setsid) {
    pgrp = pid;
    session = pid;
  } else if (opts.pgid !== undefined) {
    if (opts.pgid === 0) pgrp = pid;
    else {
      const leader = findGroup(parent, opts.pgid);
      if (!leader) {
        unchargePid(cgroup);
        return Errno.EPERM;
      }
      pgrp = leader;
    }
  }
  const p = new Process({
    pid,
    parent,
    pgrp,
    session,
    // Kernel root is given up on entering a user namespace, not inherited within one (a
    // namespace whose map holds kernel 0, written by kernel root, keeps it for children).
    cred: userNs !== (parent?.userNs ?? k.rootUserNs)
      ? credIn(userNs, opts.cred ?? parent?.cred ?? ROOT_CRED)
      : opts.cred ?? parent?.cred ?? ROOT_CRED,
    fs,
    ipc,
    uts,
    userNs,
    cgroup,
    childPidNs: ns,
    cgroupNsRoot: flags & CLONE.NEWCGROUP ? cgroup : from?.cgroupNsRoot ?? k.cgroups.root,
    host: k,
  });
  // CLONE_NEWUSER gives the child every capability in its new namespace for the program
  // the spawn starts (generation 1), as clone(2) does until the next execve.
  if (flags & CLONE.NEWUSER) p.userNsCapsGen = 1;
  if (!p.tryCharge(PROCESS_KERNEL_BYTES, "kernel")) {
    unchargePid(cgroup);
    return Errno.ENOMEM;
  }
  pgrp.hold();
  session.hold();
  (ipc as IpcNamespace).enter();
  if (parent) {
    p.nice = parent.nice;
    p.niceScale = parent.niceScale;
    p.rlimits.clear();
    for (const [r, v] of parent.rlimits) p.rlimits.set(r, [v[0], v[1]]);
    for (const [sig, d] of parent.handlers) p.handlers.set(sig, d);
    for (const [sig, f] of parent.handlerFlags) p.handlerFlags.set(sig, f);
    p.blocked = parent.blocked;
    parent.children.add(p);
    p.argv = [...parent.argv];
    p.env = [...parent.env];
    p.comm = parent.comm;
  }
  spaces.forEach((n, i) => n.procs.set(numbers[i]!, p));
  if (numbers[numbers.length - 1] === 1 && ns.level > 0) ns.init = p;
  k.procs.set(p.id, p);
  k.mountNamespaces.track(p);
  cgroup.procs.add(p);
  for (let g: Cgroup | null = cgroup; g; g = g.parent) g.populatedCount++;
  return p;
}

const ROOT_CRED: Credentials = { uid: 0, gid: 0, euid: 0, egid: 0, groups: [] };

/**
 * Credentials of a process in `ns`: kernel root has no place in a user namespace other
 * than the initial one (its root powers would reach outside), so there it becomes the
 * overflow id until the namespace's maps are written and the process takes an id inside
 * (`setuid`). Other ids are kept, as Linux keeps the creator's kuid.
 *
 * @param ns The process's user namespace.
 * @param cred The credentials it would have.
 * @returns The credentials it gets.
 */
export function credIn(ns: UserNamespace, cred: Credentials): Credentials {
  if (ns.initial) return cred;
  const id = (n: number) => (n === 0 ? OVERFLOW_ID : n);
  return {
    uid: id(cred.uid),
    euid: id(cred.euid),
    gid: id(cred.gid),
    egid: id(cred.egid),
    groups: cred.groups.filter((g) => g !== 0),
  };
}

/**
 * The process-group id object for group `pgid` in the session of `p`, as `setpgid` needs.
 *
 * @param p A process (gives the namespace and session).
 * @param pgid Group number in `p`'s namespace.
 * @returns The group's pid object, or null when no process of the session has that group.
 */
export function findGroup(p: Process, pgid: number): PidRef<Process> | null {
  const ns = p.pidNs;
  const leader = ns.procs.get(pgid);
  if (leader && leader.session === p.session && leader.alive) return leader.pid;
  for (const q of ns.procs.values()) {
    if (q.alive && q.session === p.session && q.pgrp.nrIn(ns) === pgid) return q.pgrp;
  }
  return null;
}
