/**
 * Terminal job control over the kernel's processes: the {@link JobControl} that devpts
 * terminals use to find a caller's session and process group and to signal a foreground
 * group or a controlling process. Sessions and groups are the processes' `PidRef`s, so a
 * group keeps its identity after its leader exits, as on Linux.
 *
 * A task that is not a kernel process (a unit test's stand-in) has no session: its
 * terminals have no job control.
 *
 * @module
 */
import type { Process } from "../process.ts";
import { findGroup } from "../process_spawn.ts";
import type { PidRef } from "../namespaces.ts";
import type { Task } from "../task.ts";
import type { JobControl } from "../fs/devpts/pty.ts";

function proc(task: Task): Process | null {
  const p = task as Partial<Process>;
  return p.session && p.pgrp && p.pid ? (task as Process) : null;
}

/** Live processes whose `which` (group or session) is `ref`. */
function members(ref: PidRef<Process>, which: "pgrp" | "session"): Process[] {
  const ns = ref.namespaces[ref.namespaces.length - 1];
  if (!ns) return [];
  const out: Process[] = [];
  for (const p of ns.procs.values()) if (p[which] === ref && p.alive) out.push(p);
  return out;
}

/**
 * Job control for devpts terminals, over kernel processes.
 *
 * @example
 * ```ts ignore
 * new DevptsFs(processJobControl);
 * ```
 */
export const processJobControl: JobControl = {
  sessionOf: (task) => proc(task)?.session ?? null,
  isSessionLeader: (task) => {
    const p = proc(task);
    return p !== null && p.session === p.pid;
  },
  pgrpOf: (task) => proc(task)?.pgrp ?? null,
  groupIn: (task, pgid) => {
    const p = proc(task);
    if (!p) return null;
    if (p.pgrp.nrIn(p.pidNs) === pgid) return p.pgrp;
    return findGroup(p, pgid);
  },
  numberIn: (task, ref) => {
    const p = proc(task);
    return p ? (ref as PidRef<Process>).nrIn(p.pidNs) : 0;
  },
  signalGroup: (group, sig) => {
    for (const p of members(group as PidRef<Process>, "pgrp")) p.signal(sig);
  },
  leaderAlive: (session) => {
    const ref = session as PidRef<Process>;
    return members(ref, "session").some((p) => p.pid === ref);
  },
  signalLeader: (session, sig) => {
    const ref = session as PidRef<Process>;
    const leader = members(ref, "session").find((p) => p.pid === ref);
    leader?.signal(sig);
  },
};
