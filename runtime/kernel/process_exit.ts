/**
 * Process death and reaping: exit, zombies, re-parenting of orphans to their PID
 * namespace's init, the death of a namespace when its init exits, and `wait4`.
 *
 * @module
 */
import { Errno } from "./errno.ts";
import { type Cgroup, unchargePid } from "./cgroup.ts";
import { ProcessKilled } from "./executor.ts";
import type { Kernel } from "./kernel.ts";
import type { Process } from "./process.ts";
import type { ProcessFs } from "./process_fs.ts";
import { SIG } from "./signals.ts";
import { sessionLeaderExited } from "./fs/devpts/pty.ts";
import { W, type WaitResult } from "./syscalls/api.ts";
import { clearKernelTimeout } from "./timers.ts";

/**
 * End a process: it becomes a zombie with `status` (a Linux wait status word), its
 * descriptors are closed, its children are re-parented, and its parent is told
 * (`SIGCHLD`, `wait4`). When it was the init of a PID namespace, every other process of
 * that namespace is killed first, as Linux does.
 *
 * @param k The kernel.
 * @param p The process.
 * @param status Wait status (`W.exited(code)` or `W.signaled(sig)`).
 * @example
 * ```ts ignore
 * exitProcess(kernel, p, W.exited(0));
 * ```
 */
export function exitProcess(k: Kernel, p: Process, status: number): void {
  if (!p.alive) return;
  p.state = { kind: "zombie", status };
  p.dead = true;
  const wait = k.scheduler.remove(p);
  if (wait && p.unwindOnKill) wait.reject(new ProcessKilled(p.killedBy || SIG.KILL));
  clearKernelTimeout(p.alarmTimer);
  p.alarmTimer = undefined;
  p.interruptSleeps();
  for (const cb of p.exitCallbacks.splice(0)) {
    try {
      cb();
    } catch (err) {
      k.reportBug(err);
    }
  }
  k.ipcExit(p);
  (p.fs as ProcessFs).fds.closeAll();
  // A session leader's exit hangs up its controlling terminal for the foreground group.
  if (p.session === p.pid) sessionLeaderExited(p.session);
  k.mountNamespaces.untrack(p);
  p.uncharge(p.charged.anon, "anon");
  p.uncharge(p.charged.kernel, "kernel");
  p.cgroup.procs.delete(p);
  for (let g: Cgroup | null = p.cgroup; g; g = g.parent) g.populatedCount--;

  const ns = p.pidNs;
  if (ns.init === p) {
    ns.dead = true;
    for (const q of [...ns.procs.values()]) {
      if (q !== p && q.alive) {
        q.killedBy = SIG.KILL;
        exitProcess(k, q, W.signaled(SIG.KILL));
      }
    }
  }
  for (const c of [...p.children]) reparent(k, p, c);
  const parent = p.parent;
  if (parent && parent.alive) {
    if (parent.handlers.get(SIG.CHLD) === "ignore") {
      // SIGCHLD ignored: no zombie (as SA_NOCLDWAIT); a waiting parent re-checks (ECHILD).
      reap(k, p);
      parent.notifyChildChange();
    } else {
      k.sendSignal(parent, SIG.CHLD);
      parent.notifyChildChange();
    }
  } else if (parent && parent.pidNs.init === parent && parent.pidNs === p.pidNs) {
    // The namespace's init is exiting: it reaps its own children, as Linux's zap does.
    reap(k, p);
  } else if (!parent) {
    reap(k, p);
  }
  k.notifyExit(p, status);
}

function reparent(k: Kernel, dying: Process, c: Process): void {
  dying.children.delete(c);
  const init = c.pidNs.init;
  const reaper = init && init !== dying && init.alive && !c.pidNs.dead ? init : null;
  c.parent = reaper;
  if (reaper) {
    reaper.children.add(c);
    if (!c.alive) {
      if (reaper.handlers.get(SIG.CHLD) === "ignore") {
        reap(k, c);
        reaper.notifyChildChange();
      } else {
        k.sendSignal(reaper, SIG.CHLD);
        reaper.notifyChildChange();
      }
    }
  } else if (!c.alive) {
    reap(k, c);
  }
}

/**
 * Release a zombie: its pids become free, `pids.current` drops, its CPU times go to its
 * parent's children times.
 *
 * @param k The kernel.
 * @param p A zombie.
 * @returns Its wait status.
 */
export function reap(k: Kernel, p: Process): number {
  if (p.state.kind !== "zombie") return p.state.kind === "reaped" ? p.state.status : 0;
  const status = p.state.status;
  p.state = { kind: "reaped", status };
  p.pid.namespaces.forEach((ns, i) => {
    const nr = p.pid.numbers[i] ?? 0;
    if (ns.procs.get(nr) === p) ns.procs.delete(nr);
  });
  p.pgrp.release();
  p.session.release();
  unchargePid(p.cgroup);
  k.procs.delete(p.id);
  const parent = p.parent;
  if (parent) {
    parent.children.delete(p);
    parent.cutimeUs += p.utimeUs + p.cutimeUs;
    parent.cstimeUs += p.stimeUs + p.cstimeUs;
  }
  p.parent = null;
  return status;
}

/**
 * One non-blocking pass of `wait4`: reap or report a matching child.
 *
 * @param k The kernel.
 * @param p The caller.
 * @param pid Selector: > 0 that child, -1 any, 0 the caller's group, < -1 group -pid.
 * @param options `W.NOHANG | W.UNTRACED | W.CONTINUED`.
 * @returns A result, null when matching children exist but none changed, or `ECHILD`.
 */
export function tryWait(
  k: Kernel,
  p: Process,
  pid: number,
  options: number,
): WaitResult | null | Errno {
  const ns = p.pidNs;
  let any = false;
  for (const c of p.children) {
    if (pid > 0 && c.pid.nrIn(ns) !== pid) continue;
    if (pid === 0 && c.pgrp !== p.pgrp) continue;
    if (pid < -1 && c.pgrp.nrIn(ns) !== -pid) continue;
    any = true;
    const nr = c.pid.nrIn(ns);
    if (c.state.kind === "zombie") {
      const rusage = {
        utimeUsec: Math.round(c.utimeUs + c.cutimeUs),
        stimeUsec: Math.round(c.stimeUs + c.cstimeUs),
        maxrssKb: Math.ceil(c.peakRss / 1024),
      };
      const status = reap(k, c);
      return { pid: nr, status, rusage };
    }
    if ((options & W.UNTRACED) && c.stopToReport) {
      const sig = c.stopToReport;
      c.stopToReport = 0;
      return { pid: nr, status: 0x7f | (sig << 8), rusage: usage(c) };
    }
    if ((options & W.CONTINUED) && c.contToReport) {
      c.contToReport = false;
      return { pid: nr, status: 0xffff, rusage: usage(c) };
    }
  }
  return any ? null : Errno.ECHILD;
}

function usage(c: Process) {
  return {
    utimeUsec: Math.round(c.utimeUs),
    stimeUsec: Math.round(c.stimeUs),
    maxrssKb: Math.ceil(c.peakRss / 1024),
  };
}

/**
 * `wait4`: like Linux's, with `WNOHANG`, `WUNTRACED`, `WCONTINUED` and the pid forms.
 * Sleeps interruptibly (`EINTR` on a handled signal).
 *
 * @param k The kernel.
 * @param p The caller.
 * @param pid Selector.
 * @param options Options.
 * @returns The result now, or a promise of it.
 */
export function wait4(
  k: Kernel,
  p: Process,
  pid: number,
  options: number,
): WaitResult | Errno | Promise<WaitResult | Errno> {
  const r = tryWait(k, p, pid, options);
  if (r !== null) return r;
  if (options & W.NOHANG) {
    return { pid: 0, status: 0, rusage: { utimeUsec: 0, stimeUsec: 0, maxrssKb: 0 } };
  }
  const loop = async (): Promise<WaitResult | Errno> => {
    for (;;) {
      let wake!: () => void;
      const changed = new Promise<void>((resolve) => (wake = resolve));
      p.childWaiters.add(wake);
      const got = await p.block(changed, () => p.childWaiters.delete(wake));
      p.childWaiters.delete(wake);
      if (got === Errno.EINTR) return Errno.EINTR;
      const again = tryWait(k, p, pid, options);
      if (again !== null) return again;
    }
  };
  return loop();
}
