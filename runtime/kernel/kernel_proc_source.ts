/**
 * The kernel's side of procfs and cgroupfs: {@link kernelProcSource} implements the VFS's
 * `ProcSource` (processes as a viewer's namespaces show them, lxcfs-style limits, load,
 * CPU times) and {@link kernelFsTypes} the mountable file-system types every mount
 * namespace of the kernel shares ("tmpfs", "devtmpfs", "proc", "cgroup2", "mqueue").
 *
 * @module
 */
import { totalmem } from "node:os";
import type { Cgroup } from "./cgroup.ts";
import { Errno } from "./errno.ts";
import type { Kernel } from "./kernel.ts";
import { writeIdMap } from "./user_namespace.ts";
import { sigBit } from "./signals.ts";
import type { Process } from "./process.ts";
import { cgroupPathFrom, lookupPid, stateOf, terminalOf, visiblePids } from "./proc_info.ts";
import { KERNEL_RELEASE } from "./syscalls/sys_proc.ts";
import type { Task } from "./task.ts";
import type { NsKind, NsRef, ProcInfo, ProcSource } from "./fs/procfs/proc_source.ts";
import { procFsType } from "./fs/procfs/procfs.ts";
import { cgroupFsType } from "./fs/cgroupfs/cgroupfs.ts";
import { mqueueFsType } from "./ipc/mqueue_fs.ts";
import { defaultFsTypes } from "./syscalls/sys_mount.ts";
import type { FsFactory } from "./vfs/mount.ts";
import type { FsState } from "./vfs/fs_state.ts";

const objectIds = new WeakMap<object, number>();
let nextObjectId = 4026532100;

/**
 * A stable inode number for a namespace object (`pid:[N]`).
 *
 * @param ns The namespace object.
 * @returns Its number.
 */
export function nsInode(ns: unknown): number {
  if (typeof ns !== "object" || ns === null) return 0;
  const own = (ns as { inode?: unknown }).inode;
  if (typeof own === "number") return own;
  let n = objectIds.get(ns);
  if (n === undefined) {
    n = nextObjectId++;
    objectIds.set(ns, n);
  }
  return n;
}

function ref(ns: unknown): NsRef {
  return { id: nsInode(ns), ns };
}

/**
 * The namespace objects of `p`, by `/proc/PID/ns/` name.
 *
 * @param p The process.
 * @returns Namespace references.
 */
export function namespacesOf(p: Process): Partial<Record<NsKind, NsRef>> {
  const mnt = (p.fs as { mountNs?: unknown }).mountNs;
  const out: Partial<Record<NsKind, NsRef>> = {
    pid: ref(p.pidNs),
    pid_for_children: ref(p.childPidNs),
    uts: ref(p.uts),
    ipc: ref(p.ipc),
    cgroup: ref(p.cgroupNsRoot),
    user: ref(p.userNs),
  };
  if (mnt) out.mnt = ref(mnt);
  return out;
}

/** The cgroup whose limits a process's `/proc/meminfo` and `/proc/cpuinfo` show. */
function viewCgroup(k: Kernel, p: Process | undefined): Cgroup {
  if (!p) return k.cgroups.root;
  return p.cgroupNsRoot !== k.cgroups.root ? p.cgroupNsRoot : p.cgroup;
}

/** Every capability of Linux 6.1 (CAP_LAST_CAP = 40): what root's `CapEff` shows. */
const ALL_CAPS = (1n << 41n) - 1n;

/** The numbers of a pid (or group, session) from namespace `from` down to its own. */
function nsNumbers(from: Process["pidNs"], ref: Process["pid"]): number[] {
  const out: number[] = [];
  for (let i = from.level; i < ref.numbers.length; i++) out.push(ref.numbers[i] ?? 0);
  return out;
}

/** Pending, blocked, ignored and caught signals of `p` as `/proc/PID/status` masks. */
function signalMasks(p: Process): NonNullable<ProcInfo["signals"]> {
  let ignored = 0n;
  let caught = 0n;
  for (const [sig, d] of p.handlers) {
    if (d === "ignore") ignored |= sigBit(sig);
    else if (typeof d === "function") caught |= sigBit(sig);
  }
  return { pending: p.pending, blocked: p.blocked, ignored, caught };
}

/**
 * The kernel's `ProcSource` for procfs.
 *
 * @param k The kernel.
 * @returns The source.
 * @example
 * ```ts ignore
 * fsTypes.set("proc", procFsType(kernelProcSource(kernel)));
 * ```
 */
export function kernelProcSource(k: Kernel): ProcSource {
  const viewerOf = (t: Task) => k.procs.get(t.id);
  return {
    pids: (viewer) => visiblePids(k, viewer),
    info(viewer, pid): ProcInfo | undefined {
      const p = lookupPid(k, viewer, pid);
      if (!p) return undefined;
      const v = viewerOf(viewer);
      const ns = v ? v.pidNs : k.rootPidNs;
      return {
        pid,
        ppid: p.parent ? p.parent.pid.nrIn(ns) : 0,
        pgid: p.pgrp.nrIn(ns),
        sid: p.session.nrIn(ns),
        ...terminalOf(p, ns),
        comm: p.comm,
        state: stateOf(k, p).letter,
        argv: p.dead ? [] : [...p.argv],
        env: p.dead ? [] : [...p.env],
        cred: { ...p.cred, groups: [...p.cred.groups] },
        startMs: p.startMs - k.bootMs,
        utimeUs: p.utimeUs,
        stimeUs: p.stimeUs,
        cutimeUs: p.cutimeUs,
        cstimeUs: p.cstimeUs,
        nice: p.nice,
        rssBytes: p.dead ? 0 : p.rssBytes,
        peakRssBytes: p.peakRss,
        anonBytes: p.charged.anon,
        nsPids: nsNumbers(ns, p.pid),
        nsPgids: nsNumbers(ns, p.pgrp),
        nsSids: nsNumbers(ns, p.session),
        signals: signalMasks(p),
        caps: p.cred.euid === 0 ? ALL_CAPS : 0n,
        exe: p.exePath,
        cgroup: cgroupPathFrom(p, v ? v.cgroupNsRoot : k.cgroups.root),
        fs: p.dead ? null : (p.fs as FsState),
        ns: namespacesOf(p),
      };
    },
    credAs(reader, cred) {
      const ns = viewerOf(reader)?.userNs ?? k.rootUserNs;
      if (ns.initial) return cred;
      return {
        uid: ns.fromKernel("uid", cred.uid),
        euid: ns.fromKernel("uid", cred.euid),
        gid: ns.fromKernel("gid", cred.gid),
        egid: ns.fromKernel("gid", cred.egid),
        groups: cred.groups.map((g) => ns.fromKernel("gid", g)),
      };
    },
    idMap(viewer, pid, kind, reader) {
      const p = lookupPid(k, viewer, pid);
      if (!p) return Errno.ESRCH;
      return p.userNs.mapText(kind, viewerOf(reader)?.userNs ?? k.rootUserNs);
    },
    writeIdMap(viewer, pid, kind, text, writer) {
      const p = lookupPid(k, viewer, pid);
      const w = viewerOf(writer);
      if (!p || p.dead) return Errno.ESRCH;
      if (!w) return Errno.EPERM;
      return writeIdMap(p.userNs, kind, text, {
        ns: w.userNs,
        euid: w.cred.euid,
        egid: w.cred.egid,
      });
    },
    pidOf(viewer, task) {
      const p = k.procs.get(task.id);
      const v = viewerOf(viewer);
      return p ? p.pid.nrIn(v ? v.pidNs : k.rootPidNs) : 0;
    },
    limits(viewer) {
      const g = viewCgroup(k, viewerOf(viewer));
      let mem = totalmem();
      let cpus = navigator.hardwareConcurrency || 1;
      for (let c: Cgroup | null = g; c; c = c.parent) {
        if (c.memoryMax < mem) mem = c.memoryMax;
        if (c.cpuQuotaUs !== null) cpus = Math.min(cpus, Math.ceil(c.cpuQuotaUs / c.cpuPeriodUs));
      }
      return { memTotal: mem, memUsed: g.memoryCurrent, cpus: Math.max(1, cpus) };
    },
    uptime() {
      const seconds = (performance.now() - k.bootMs) / 1000;
      return { seconds, idle: Math.max(0, seconds - k.cgroups.root.usageUs / 1e6) };
    },
    loadavg(viewer) {
      const v = viewerOf(viewer);
      const ns = v ? v.pidNs : k.rootPidNs;
      const live = [...ns.procs.values()].filter((p) => p.alive);
      const running = live.filter((p) => stateOf(k, p).letter === "R").length;
      return {
        avg: [running, running, running],
        running,
        total: live.length,
        lastPid: Math.max(0, ...ns.procs.keys()),
      };
    },
    cpuTimes(viewer) {
      const g = viewCgroup(k, viewerOf(viewer));
      const wallUs = (performance.now() - k.bootMs) * 1000;
      return { user: g.userUs, system: g.systemUs, idle: Math.max(0, wallUs - g.usageUs) };
    },
    release: () => KERNEL_RELEASE,
  };
}

/**
 * The file-system types of the kernel's mount namespaces: the VFS defaults plus "proc"
 * (over {@link kernelProcSource}), "cgroup2" (the mounter's cgroup namespace subtree) and
 * "mqueue" (the mounter's IPC namespace's POSIX queues, for `/dev/mqueue`). Every file
 * system they make is owned by `k.mountNamespaces`: destroyed when the last mount
 * namespace that mounts it dies.
 *
 * @param k The kernel.
 * @returns The map to give every root `MountNamespace` (`kernel.fsTypes`).
 */
export function kernelFsTypes(k: Kernel): Map<string, FsFactory> {
  const m = defaultFsTypes();
  m.set("proc", procFsType(kernelProcSource(k)));
  m.set(
    "cgroup2",
    cgroupFsType(k.cgroups, (task) => {
      const p = k.procs.get(task.id);
      return { root: p ? p.cgroupNsRoot.path : "/", pidNs: p ? p.pidNs : k.rootPidNs };
    }),
  );
  m.set("mqueue", mqueueFsType);
  // What these factories make belongs to the mounts: released with the last namespace
  // that mounts it (mount_ns_lifetime.ts).
  for (const [name, make] of m) {
    m.set(name, (task, source, data) => {
      const fs = make(task, source, data);
      return typeof fs === "number" ? fs : k.mountNamespaces.own(fs);
    });
  }
  return m;
}
