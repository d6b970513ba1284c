/**
 * What procfs needs to know of processes, cgroups and the machine: the kernel side
 * implements {@link ProcSource} and passes it when registering the "proc" file system
 * type (`procFsType(source)` in `procfs.ts`).
 *
 * @module
 */
import type { Errno } from "../../errno.ts";
import type { Credentials, Task } from "../../task.ts";
import type { FsState } from "../../vfs/fs_state.ts";

/** Namespace kinds shown under `/proc/PID/ns/`. */
export type NsKind = "cgroup" | "ipc" | "mnt" | "net" | "pid" | "pid_for_children" | "user" | "uts";

/** A namespace as `/proc/PID/ns/*` shows it. */
export interface NsRef {
  /** Inode number ("pid:[4026531836]"). */
  id: number;
  /** The namespace object, handed to `setns` through the opened file. */
  ns: unknown;
}

/** One process as seen from a PID namespace. */
export interface ProcInfo {
  /** Pid in the viewer's namespace. */
  pid: number;
  /** Parent pid in the viewer's namespace (0 when outside it). */
  ppid: number;
  /** Process group id (viewer's namespace). */
  pgid: number;
  /** Session id (viewer's namespace). */
  sid: number;
  /** Command name (first 15 bytes of the program's base name). */
  comm: string;
  /** State letter: R running, S sleeping, T stopped, Z zombie. */
  state: string;
  /** argv. */
  argv: string[];
  /** Environment. */
  env: string[];
  /** Credentials. */
  cred: Credentials;
  /** Start time, ms since the kernel booted. */
  startMs: number;
  /** CPU time, microseconds. */
  utimeUs: number;
  /** System CPU time, microseconds. */
  stimeUs: number;
  /** Resident memory, bytes. */
  rssBytes: number;
  /** Program path as the process sees it ("/bin/sh"). */
  exe: string;
  /** Cgroup path relative to the viewer's cgroup namespace root ("/"). */
  cgroup: string;
  /** File-system state (cwd, root, fds, mounts); null for a zombie. */
  fs: FsState | null;
  /** Namespaces. */
  ns: Partial<Record<NsKind, NsRef>>;
  /** Nice value, -20…19 (`stat` field 19; its priority field is 20 + nice). */
  nice?: number;
  /** Device number of the controlling terminal (`tty_nr`, 0 for none). */
  ttyNr?: number;
  /** Foreground process group of that terminal (viewer's namespace), -1 for none. */
  tpgid?: number;
  /** Pid in each PID namespace from the viewer's down to the process's own (`NSpid`). */
  nsPids?: number[];
  /** Process group id in the same namespaces (`NSpgid`). */
  nsPgids?: number[];
  /** Session id in the same namespaces (`NSsid`). */
  nsSids?: number[];
  /** CPU time of reaped children, microseconds (`stat` field 16). */
  cutimeUs?: number;
  /** System CPU time of reaped children, microseconds (`stat` field 17). */
  cstimeUs?: number;
  /** Peak resident memory, bytes (`VmHWM`). */
  peakRssBytes?: number;
  /** Anonymous memory, bytes (`RssAnon`). */
  anonBytes?: number;
  /** Signal masks (`SigPnd`/`ShdPnd`, `SigBlk`, `SigIgn`, `SigCgt`), bit N-1 for signal N. */
  signals?: { pending: bigint; blocked: bigint; ignored: bigint; caught: bigint };
  /** Effective capabilities (`CapPrm`/`CapEff`). */
  caps?: bigint;
}

/** Processes, limits and machine figures for procfs. */
export interface ProcSource {
  /** Pids visible in `viewer`'s PID namespace, ascending. */
  pids(viewer: Task): number[];
  /** A process by its pid in `viewer`'s namespace. */
  info(viewer: Task, pid: number): ProcInfo | undefined;
  /** Pid of `task` in `viewer`'s namespace, or 0 when it is not visible there. */
  pidOf(viewer: Task, task: Task): number;
  /**
   * Memory and CPU as the viewer's cgroup allows (lxcfs-style): `memTotal` is
   * min(host memory, memory.max), `cpus` is ceil(cpu.max quota / period) capped at the
   * host's cores.
   */
  limits(viewer: Task): { memTotal: number; memUsed: number; cpus: number };
  /** Seconds since boot and summed idle seconds. */
  uptime(): { seconds: number; idle: number };
  /** Load averages and counts for `/proc/loadavg`. */
  loadavg(viewer: Task): {
    avg: [number, number, number];
    running: number;
    total: number;
    lastPid: number;
  };
  /** CPU time totals in microseconds for `/proc/stat` (viewer's cgroup). */
  cpuTimes(viewer: Task): { user: number; system: number; idle: number };
  /** Kernel release string ("6.1.0-berth"). */
  release(): string;
  /** Hostname of the viewer's UTS namespace (`/proc/sys/kernel/hostname`); optional. */
  hostname?(viewer: Task): string;
  /**
   * `/proc/PID/uid_map` or `gid_map` of process `pid` (viewer's numbering) as `reader`
   * sees it; optional (no user namespaces without it).
   */
  idMap?(viewer: Task, pid: number, kind: "uid" | "gid", reader: Task): string | Errno;
  /** Credentials (kernel ids) as `reader`'s user namespace shows them (`status`); optional. */
  credAs?(reader: Task, cred: Credentials): Credentials;
  /** Write `/proc/PID/uid_map` or `gid_map` (once, user_namespaces(7) rules). */
  writeIdMap?(
    viewer: Task,
    pid: number,
    kind: "uid" | "gid",
    text: string,
    writer: Task,
  ): 0 | Errno;
}
