/**
 * Nice values: `getpriority`/`setpriority` over processes, process groups and users of
 * the caller's PID namespace, as Linux does. A nice value weighs a process's virtual
 * runtime with Linux's `sched_prio_to_weight` table (each step ≈ 10% of the CPU against
 * a sibling at the next value); cgroup `cpu.weight` still divides the CPU between groups.
 *
 * @module
 */
import { Errno } from "./errno.ts";
import type { Process } from "./process.ts";

/** `which` of `getpriority`/`setpriority`. */
export const PRIO = { PROCESS: 0, PGRP: 1, USER: 2 } as const;

/** Linux's `sched_prio_to_weight`, nice -20 … 19. */
// deno-fmt-ignore
const WEIGHTS = [
  88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916,
  9548, 7620, 6100, 4904, 3906, 3121, 2501, 1991, 1586, 1277,
  1024, 820, 655, 526, 423, 335, 272, 215, 172, 137,
  110, 87, 70, 56, 45, 36, 29, 23, 18, 15,
];

/**
 * Give `p` a nice value (clamped to -20…19) and its scheduler weight.
 *
 * @param p The process.
 * @param nice The value.
 */
export function setNice(p: Process, nice: number): void {
  const v = Math.max(-20, Math.min(19, Math.trunc(nice)));
  p.nice = v;
  p.niceScale = 1024 / (WEIGHTS[v + 20] as number);
}

/** The live processes `which`/`who` names, from the caller's point of view. */
function targets(p: Process, which: number, who: number): Process[] | Errno {
  if (who < 0) return Errno.ESRCH;
  const live = [...p.pidNs.procs.values()].filter((t) => t.alive);
  switch (which) {
    case PRIO.PROCESS: {
      const t = who === 0 ? p : p.pidNs.procs.get(who);
      return t && t.alive ? [t] : [];
    }
    case PRIO.PGRP: {
      const group = who === 0 ? p.pgrp : p.pidNs.procs.get(who)?.pid;
      return group ? live.filter((t) => t.pgrp === group) : [];
    }
    case PRIO.USER: {
      const uid = who === 0 ? p.cred.uid : p.userNs.toKernel("uid", who);
      return uid === null ? [] : live.filter((t) => t.cred.uid === uid);
    }
    default:
      return Errno.EINVAL;
  }
}

/**
 * `getpriority(2)` as the system call returns it: `20 - nice` of the most favoured
 * target (1…40), so that no value looks like an errno.
 *
 * @param p The caller.
 * @param which `PRIO.PROCESS`, `PRIO.PGRP` or `PRIO.USER`.
 * @param who Pid, process group or uid (0 = the caller's).
 * @returns `20 - nice`, or `ESRCH` (no such target) / `EINVAL` (bad `which`).
 */
export function getPriority(p: Process, which: number, who: number): number | Errno {
  const ts = targets(p, which, who);
  if (typeof ts === "number") return ts;
  if (ts.length === 0) return Errno.ESRCH;
  return 20 - Math.min(...ts.map((t) => t.nice));
}

/**
 * `setpriority(2)`: every target gets `nice` (clamped). Another user's process needs
 * root (`EPERM`), and a lower value than a target has needs root (`EACCES`); the targets
 * that can be changed are.
 *
 * @param p The caller.
 * @param which `PRIO.PROCESS`, `PRIO.PGRP` or `PRIO.USER`.
 * @param who Pid, process group or uid (0 = the caller's).
 * @param nice The new value.
 * @returns 0, or the first error (`ESRCH EINVAL EPERM EACCES`).
 */
export function setPriority(p: Process, which: number, who: number, nice: number): 0 | Errno {
  const ts = targets(p, which, who);
  if (typeof ts === "number") return ts;
  if (ts.length === 0) return Errno.ESRCH;
  const root = p.cred.euid === 0;
  const want = Math.max(-20, Math.min(19, Math.trunc(nice)));
  let err: 0 | Errno = 0;
  for (const t of ts) {
    if (!root && t.cred.uid !== p.cred.euid && t.cred.euid !== p.cred.euid) {
      err ||= Errno.EPERM;
      continue;
    }
    if (!root && want < t.nice) {
      err ||= Errno.EACCES;
      continue;
    }
    setNice(t, want);
  }
  return err;
}
