/**
 * Read-only views of processes for procfs (`/proc`): the list of processes a viewer's PID
 * namespace shows, and the text of `/proc/PID/status`, `/proc/PID/stat`, `cmdline`,
 * `environ`, `cgroup`, the `ns/` links, plus `/proc/uptime`, `/proc/loadavg` and the CPU
 * line of `/proc/stat`. Numbers follow Linux's formats; clock ticks are 100 Hz (USER_HZ).
 *
 * procfs calls these with the reading task as `viewer` (pids are translated into the
 * viewer's PID namespace, processes outside it are invisible).
 *
 * @module
 */
import type { Cgroup } from "./cgroup.ts";
import type { Kernel } from "./kernel.ts";
import type { Process } from "./process.ts";
import { sigBit } from "./signals.ts";
import { controllingPty, ptyDevNumber } from "./fs/devpts/pty.ts";
import type { Task } from "./task.ts";

/** Clock ticks per second in `/proc` (USER_HZ). */
export const USER_HZ = 100;

/** The process behind a Task given to procfs. */
function procOf(k: Kernel, task: Task): Process | undefined {
  return k.procs.get(task.id);
}

/**
 * Pids of the processes visible to `viewer` (its PID namespace and the namespaces below),
 * as numbers of the viewer's namespace, ascending. Zombies are listed, as on Linux.
 *
 * @param k The kernel.
 * @param viewer The reading task.
 * @returns Pids.
 * @example
 * ```ts ignore
 * for (const pid of visiblePids(kernel, task)) entries.push(String(pid));
 * ```
 */
export function visiblePids(k: Kernel, viewer: Task): number[] {
  const v = procOf(k, viewer);
  const ns = v ? v.pidNs : k.rootPidNs;
  return [...ns.procs.keys()].sort((a, b) => a - b);
}

/**
 * The process with pid `pid` in the viewer's PID namespace.
 *
 * @param k The kernel.
 * @param viewer The reading task.
 * @param pid A pid of the viewer's namespace.
 * @returns The process, or undefined when not visible.
 */
export function lookupPid(k: Kernel, viewer: Task, pid: number): Process | undefined {
  const v = procOf(k, viewer);
  return (v ? v.pidNs : k.rootPidNs).procs.get(pid);
}

/**
 * The pid of `p` as `viewer` sees it (`/proc/self` target).
 *
 * @param k The kernel.
 * @param viewer Reader.
 * @param p Process.
 * @returns The pid, or 0 when invisible.
 */
export function pidAsSeenBy(k: Kernel, viewer: Task, p: Process): number {
  const v = procOf(k, viewer);
  return p.pid.nrIn(v ? v.pidNs : k.rootPidNs);
}

/**
 * The one-letter state of `p`: R running/runnable, S sleeping, T stopped, Z zombie.
 *
 * @param k The kernel.
 * @param p The process.
 * @returns The letter and Linux's word for it.
 */
export function stateOf(k: Kernel, p: Process): { letter: string; word: string } {
  if (p.dead) return { letter: "Z", word: "zombie" };
  if (p.stopped) return { letter: "T", word: "stopped" };
  if (k.scheduler.current === p || p.cgroup.runq.has(p)) return { letter: "R", word: "running" };
  return { letter: "S", word: "sleeping" };
}

function hex(mask: bigint): string {
  return mask.toString(16).padStart(16, "0");
}

function nsNumbers(from: Process["pidNs"], ref: Process["pid"]): string {
  const out: number[] = [];
  for (let i = from.level; i < ref.numbers.length; i++) out.push(ref.numbers[i] ?? 0);
  return out.join("\t");
}

/**
 * `/proc/PID/status`.
 *
 * @param k The kernel.
 * @param p The process.
 * @param viewer The reader (pid translation).
 * @returns The text.
 */
export function statusText(k: Kernel, p: Process, viewer: Task): string {
  const v = procOf(k, viewer);
  const ns = v ? v.pidNs : k.rootPidNs;
  const st = stateOf(k, p);
  const kb = (n: number) => `${String(Math.ceil(n / 1024)).padStart(8)} kB`;
  let ign = 0n;
  let cgt = 0n;
  for (const [sig, d] of p.handlers) {
    if (d === "ignore") ign |= sigBit(sig);
    else if (typeof d === "function") cgt |= sigBit(sig);
  }
  const c = p.cred;
  const umask = (p.fs as { umask?: number }).umask ?? 0o022;
  const fdCount = (() => {
    try {
      return (p.fs as { fds: { fds(): number[] } }).fds.fds().length;
    } catch {
      return 0;
    }
  })();
  const lines = [
    `Name:\t${p.comm}`,
    `Umask:\t${umask.toString(8).padStart(4, "0")}`,
    `State:\t${st.letter} (${st.word})`,
    `Tgid:\t${p.pid.nrIn(ns)}`,
    `Ngid:\t0`,
    `Pid:\t${p.pid.nrIn(ns)}`,
    `PPid:\t${p.parent ? p.parent.pid.nrIn(ns) : 0}`,
    `TracerPid:\t0`,
    `Uid:\t${c.uid}\t${c.euid}\t${c.euid}\t${c.euid}`,
    `Gid:\t${c.gid}\t${c.egid}\t${c.egid}\t${c.egid}`,
    `FDSize:\t${Math.max(64, 2 ** Math.ceil(Math.log2(Math.max(1, fdCount))))}`,
    `Groups:\t${c.groups.join(" ")}${c.groups.length ? " " : ""}`,
    `NStgid:\t${nsNumbers(ns, p.pid)}`,
    `NSpid:\t${nsNumbers(ns, p.pid)}`,
    `NSpgid:\t${nsNumbers(ns, p.pgrp)}`,
    `NSsid:\t${nsNumbers(ns, p.session)}`,
  ];
  if (!p.dead) {
    lines.push(
      `VmPeak:\t${kb(p.peakRss)}`,
      `VmSize:\t${kb(p.rssBytes)}`,
      `VmHWM:\t${kb(p.peakRss)}`,
      `VmRSS:\t${kb(p.rssBytes)}`,
      `RssAnon:\t${kb(p.charged.anon)}`,
      `RssFile:\t${kb(0)}`,
      `RssShmem:\t${kb(0)}`,
    );
  }
  lines.push(
    `Threads:\t1`,
    `SigQ:\t0/63448`,
    `SigPnd:\t${hex(0n)}`,
    `ShdPnd:\t${hex(p.pending)}`,
    `SigBlk:\t${hex(p.blocked)}`,
    `SigIgn:\t${hex(ign)}`,
    `SigCgt:\t${hex(cgt)}`,
    `CapInh:\t0000000000000000`,
    `CapPrm:\t${c.euid === 0 ? "000001ffffffffff" : "0000000000000000"}`,
    `CapEff:\t${c.euid === 0 ? "000001ffffffffff" : "0000000000000000"}`,
    `Seccomp:\t0`,
    `voluntary_ctxt_switches:\t0`,
    `nonvoluntary_ctxt_switches:\t0`,
  );
  return lines.join("\n") + "\n";
}

/**
 * The controlling terminal of a process's session as `/proc/PID/stat` shows it: `tty_nr`
 * (the slave's device number, 0 for none) and `tpgid` (its foreground group as `ns`
 * numbers it, -1 for none).
 *
 * @param p The process.
 * @param ns The reader's PID namespace.
 * @returns The two fields.
 * @example
 * ```ts ignore
 * const { ttyNr, tpgid } = terminalOf(p, viewer.pidNs);
 * ```
 */
export function terminalOf(p: Process, ns: Process["pidNs"]): { ttyNr: number; tpgid: number } {
  const tty = controllingPty(p.session);
  if (!tty) return { ttyNr: 0, tpgid: -1 };
  const fg = tty.foreground as Process["pgrp"] | null;
  return { ttyNr: ptyDevNumber(tty.index), tpgid: fg ? fg.nrIn(ns) : -1 };
}

/**
 * `/proc/PID/stat` (52 fields; those Berth does not model are 0). `tty_nr` and `tpgid` come
 * from the session's controlling terminal (0 and -1 without one).
 *
 * @param k The kernel.
 * @param p The process.
 * @param viewer The reader.
 * @returns The line.
 */
export function statText(k: Kernel, p: Process, viewer: Task): string {
  const v = procOf(k, viewer);
  const ns = v ? v.pidNs : k.rootPidNs;
  const ticks = (us: number) => Math.floor((us * USER_HZ) / 1e6);
  const start = Math.floor(((p.startMs - k.bootMs) * USER_HZ) / 1000);
  const tty = terminalOf(p, ns);
  const f = [
    p.pid.nrIn(ns),
    `(${p.comm})`,
    stateOf(k, p).letter,
    p.parent ? p.parent.pid.nrIn(ns) : 0,
    p.pgrp.nrIn(ns),
    p.session.nrIn(ns),
    tty.ttyNr,
    tty.tpgid,
    0x400000, // flags
    0,
    0,
    0,
    0,
    ticks(p.utimeUs),
    ticks(p.stimeUs),
    ticks(p.cutimeUs),
    ticks(p.cstimeUs),
    20 + p.nice, // priority
    p.nice,
    1, // threads
    0,
    start,
    p.rssBytes, // vsize
    Math.ceil(p.rssBytes / 4096), // rss pages
  ];
  while (f.length < 52) f.push(0);
  return f.join(" ") + "\n";
}

/**
 * `/proc/PID/cmdline`: argv joined by NUL, NUL-terminated (empty for a zombie).
 *
 * @param p The process.
 * @returns The bytes.
 */
export function cmdlineBytes(p: Process): Uint8Array {
  if (p.dead) return new Uint8Array(0);
  return new TextEncoder().encode(p.argv.map((a) => a + "\0").join(""));
}

/**
 * `/proc/PID/environ`.
 *
 * @param p The process.
 * @returns The bytes.
 */
export function environBytes(p: Process): Uint8Array {
  if (p.dead) return new Uint8Array(0);
  return new TextEncoder().encode(p.env.map((a) => a + "\0").join(""));
}

/**
 * The cgroup path of `p` relative to the root of the viewer's cgroup namespace.
 *
 * @param p The process.
 * @param root The viewer's cgroup namespace root.
 * @returns "/" or "/a/b" (or the absolute path when `p` is outside `root`).
 */
export function cgroupPathFrom(p: Process, root: Cgroup): string {
  const abs = p.cgroup.path;
  if (!p.cgroup.isWithin(root)) return abs;
  const base = root.path;
  if (base === "/") return abs;
  const rel = abs.slice(base.length);
  return rel === "" ? "/" : rel;
}

/**
 * `/proc/PID/cgroup` ("0::/path", cgroup v2), relative to the viewer's cgroup namespace.
 *
 * @param k The kernel.
 * @param p The process.
 * @param viewer The reader.
 * @returns The text.
 */
export function cgroupText(k: Kernel, p: Process, viewer: Task): string {
  const v = procOf(k, viewer);
  return `0::${cgroupPathFrom(p, v ? v.cgroupNsRoot : k.cgroups.root)}\n`;
}

/** Targets of the `/proc/PID/ns/*` links. */
export interface NsLinks {
  /** `pid:[N]`. */
  pid: string;
  /** `pid:[N]` of the namespace children are created in. */
  pid_for_children: string;
  /** `uts:[N]`. */
  uts: string;
  /** `ipc:[N]`. */
  ipc: string;
  /** `mnt:[N]`. */
  mnt: string;
  /** `cgroup:[N]`. */
  cgroup: string;
}

/**
 * The `/proc/PID/ns/*` link targets ("pid:[4026531836]").
 *
 * @param p The process.
 * @returns Link text by namespace name.
 */
export function nsLinks(p: Process): NsLinks {
  const mnt = (p.fs as { mountNs?: object }).mountNs;
  return {
    pid: `pid:[${p.pidNs.inode}]`,
    pid_for_children: `pid:[${p.childPidNs.inode}]`,
    uts: `uts:[${p.uts.inode}]`,
    ipc: `ipc:[${inodeOf(p.ipc)}]`,
    mnt: `mnt:[${inodeOf(mnt)}]`,
    cgroup: `cgroup:[${inodeOf(p.cgroupNsRoot)}]`,
  };
}

const objectInodes = new WeakMap<object, number>();
let nextObjectInode = 4026532000;
function inodeOf(o: unknown): number {
  if (typeof o !== "object" || o === null) return 0;
  let n = objectInodes.get(o);
  if (n === undefined) {
    n = nextObjectInode++;
    objectInodes.set(o, n);
  }
  return n;
}

/**
 * `/proc/uptime`: seconds since the kernel started, and idle seconds.
 *
 * @param k The kernel.
 * @returns The text.
 */
export function uptimeText(k: Kernel): string {
  const up = (performance.now() - k.bootMs) / 1000;
  const busy = k.cgroups.root.usageUs / 1e6;
  return `${up.toFixed(2)} ${Math.max(0, up - busy).toFixed(2)}\n`;
}

/**
 * `/proc/loadavg`: Berth reports the instantaneous runnable count as the three averages.
 *
 * @param k The kernel.
 * @param viewer The reader (counts and last pid of its namespace).
 * @returns The text.
 */
export function loadavgText(k: Kernel, viewer: Task): string {
  const v = procOf(k, viewer);
  const ns = v ? v.pidNs : k.rootPidNs;
  const all = [...ns.procs.values()].filter((p) => p.alive);
  const running = all.filter((p) => stateOf(k, p).letter === "R").length;
  const last = Math.max(0, ...ns.procs.keys());
  const l = running.toFixed(2);
  return `${l} ${l} ${l} ${running}/${all.length} ${last}\n`;
}

/**
 * The aggregate `cpu` line of `/proc/stat` for a cgroup (the container's, as lxcfs does):
 * user, nice, system, idle in ticks.
 *
 * @param k The kernel.
 * @param g The cgroup whose usage is shown.
 * @returns The line.
 */
export function cpuStatLine(k: Kernel, g: Cgroup): string {
  const t = (us: number) => Math.floor((us * USER_HZ) / 1e6);
  const wallUs = (performance.now() - k.bootMs) * 1000;
  const idle = Math.max(0, wallUs - g.usageUs);
  return `cpu  ${t(g.userUs)} 0 ${t(g.systemUs)} ${t(idle)} 0 0 0 0 0 0\n`;
}
