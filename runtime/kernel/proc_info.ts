/**
 * Read-only views of processes for procfs (`/proc`): the processes a viewer's PID namespace
 * shows, their state, controlling terminal and cgroup path. `kernel_proc_source.ts` turns
 * them into the `ProcInfo` records procfs renders (in Linux's formats).
 *
 * procfs calls these with the reading task as `viewer` (pids are translated into the
 * viewer's PID namespace, processes outside it are invisible).
 *
 * @module
 */
import type { Cgroup } from "./cgroup.ts";
import type { Kernel } from "./kernel.ts";
import type { Process } from "./process.ts";
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
