/**
 * Signal generation and delivery: dispositions, masks, default actions (terminate,
 * ignore, stop, continue), handlers of builtin programs, `SIGCHLD`, the protection of a
 * PID namespace's init, and the target forms of `kill(2)`.
 *
 * Handlers run on the process's own stack at the return of its next system call (or
 * when it wakes from an interrupted sleep with `EINTR`), with the signal blocked while
 * the handler runs, as `sigaction` without `SA_NODEFER` does. The wrapper of the interrupted
 * call then restarts it or returns `EINTR` (`SA_RESTART`, see `syscalls/make_syscalls.ts`).
 *
 * @module
 */
import { Errno } from "./errno.ts";
import type { Kernel } from "./kernel.ts";
import type { Process } from "./process.ts";
import { exitProcess } from "./process_exit.ts";
import { defaultAction, NSIG, SIG, sigBit, UNBLOCKABLE } from "./signals.ts";
import { SA, W } from "./syscalls/api.ts";

/**
 * Generate `sig` for `p` (after permission checks, which are the caller's).
 *
 * @param k The kernel.
 * @param p Target.
 * @param sig Signal 1..64.
 * @example
 * ```ts ignore
 * sendSignal(kernel, p, SIG.TERM);
 * ```
 */
export function sendSignal(k: Kernel, p: Process, sig: number): void {
  if (!p.alive || sig <= 0 || sig > NSIG) return;
  const bit = sigBit(sig);
  if (sig === SIG.KILL) {
    p.killedBy = sig;
    exitProcess(k, p, W.signaled(sig));
    return;
  }
  if (sig === SIG.CONT) {
    p.pending &= ~(sigBit(SIG.STOP) | sigBit(SIG.TSTP) | sigBit(SIG.TTIN) | sigBit(SIG.TTOU));
    if (p.stopped) continueProcess(k, p);
  } else if (defaultAction(sig) === "stop") {
    p.pending &= ~sigBit(SIG.CONT);
  }
  const disp = p.handlers.get(sig) ?? "default";
  if (disp === "ignore" && sig !== SIG.STOP) return;
  if (disp === "default" && sig !== SIG.STOP) {
    const act = defaultAction(sig);
    if (act === "ignore" || act === "cont") return;
  }
  p.pending |= bit;
  dispatchPending(k, p);
}

/**
 * Act on pending signals that are not blocked: default actions now, handlers flagged for
 * the next system call return (and sleeping calls interrupted with `EINTR`).
 *
 * @param k The kernel.
 * @param p The process.
 */
export function dispatchPending(k: Kernel, p: Process): void {
  let ready = p.pending & ~(p.blocked & ~UNBLOCKABLE);
  let handler = false;
  while (ready !== 0n && p.alive) {
    const sig = lowestSignal(ready);
    const bit = sigBit(sig);
    ready &= ~bit;
    const disp = sig === SIG.STOP ? "default" : p.handlers.get(sig) ?? "default";
    if (typeof disp === "function") {
      handler = true;
      continue;
    }
    p.pending &= ~bit;
    if (disp === "ignore") continue;
    switch (defaultAction(sig)) {
      case "term":
      case "core":
        p.killedBy = sig;
        exitProcess(k, p, W.signaled(sig));
        return;
      case "stop":
        stopProcess(k, p, sig);
        break;
      default:
        break;
    }
  }
  p.hasDeliverable = handler;
  if (handler) p.interruptSleeps();
}

/**
 * What {@link runHandlers} did, for the call it returns from: `"none"` (no handler ran),
 * `"restart"` (every handler that ran has `SA.RESTART`: an interrupted call that signal(7)
 * lists as restartable starts again) or `"interrupt"` (the call fails with `EINTR`).
 */
export type HandlerOutcome = "none" | "restart" | "interrupt";

/**
 * Run the handlers of pending, unblocked signals (called at system call return). A handler
 * runs with its signal blocked unless it has `SA.NODEFER`; `SA.RESETHAND` gives the signal
 * its default disposition back first.
 *
 * @param k The kernel.
 * @param p The current process.
 * @returns Whether a handler ran, and whether all that ran asked for `SA.RESTART`.
 */
export function runHandlers(k: Kernel, p: Process): HandlerOutcome {
  let outcome: HandlerOutcome = "none";
  for (;;) {
    const ready = p.pending & ~p.blocked;
    if (ready === 0n || !p.alive) break;
    const sig = lowestSignal(ready);
    const bit = sigBit(sig);
    p.pending &= ~bit;
    const disp = p.handlers.get(sig) ?? "default";
    if (typeof disp !== "function") {
      p.pending |= bit;
      dispatchPending(k, p);
      continue;
    }
    const flags = p.handlerFlags.get(sig) ?? 0;
    if (flags & SA.RESTART) {
      if (outcome === "none") outcome = "restart";
    } else outcome = "interrupt";
    if (flags & SA.RESETHAND) {
      p.handlers.delete(sig);
      p.handlerFlags.delete(sig);
    }
    const saved = p.blocked;
    if (!(flags & SA.NODEFER)) p.blocked |= bit;
    try {
      disp(sig);
    } finally {
      p.blocked = saved;
    }
  }
  p.hasDeliverable = p.alive && hasHandledPending(p);
  return outcome;
}

function hasHandledPending(p: Process): boolean {
  let ready = p.pending & ~p.blocked;
  while (ready !== 0n) {
    const sig = lowestSignal(ready);
    if (typeof p.handlers.get(sig) === "function") return true;
    ready &= ~sigBit(sig);
  }
  return false;
}

function lowestSignal(set: bigint): number {
  let sig = 1;
  while (((set >> BigInt(sig - 1)) & 1n) === 0n) sig++;
  return sig;
}

/** Stop `p` (SIGSTOP and friends): off the run queues, parent told. */
export function stopProcess(k: Kernel, p: Process, sig: number): void {
  if (p.stopped || !p.alive) return;
  p.stopped = true;
  p.stopToReport = sig;
  p.contToReport = false;
  k.scheduler.suspend(p);
  const parent = p.parent;
  if (parent?.alive) {
    sendSignal(k, parent, SIG.CHLD);
    parent.notifyChildChange();
  }
}

/** Continue a stopped `p` (SIGCONT). */
export function continueProcess(k: Kernel, p: Process): void {
  if (!p.stopped) return;
  p.stopped = false;
  p.stopToReport = 0;
  p.contToReport = true;
  k.scheduler.resume(p);
  const parent = p.parent;
  if (parent?.alive) {
    sendSignal(k, parent, SIG.CHLD);
    parent.notifyChildChange();
  }
}

/**
 * Whether `sender` may signal `target` (kill(2) permission rules: root, or a real or
 * effective uid of the sender matching the target's real uid).
 *
 * @param sender The sender's credentials holder, or null for the kernel.
 * @param target The target.
 * @returns true when permitted.
 */
export function maySignal(sender: Process | null, target: Process): boolean {
  if (!sender) return true;
  const s = sender.cred;
  const t = target.cred;
  return s.euid === 0 || s.uid === t.uid || s.euid === t.uid || s.uid === t.euid;
}

/**
 * Deliver `sig` from `sender` to `target`, honouring the init protection of PID
 * namespaces: an init gets only signals it has a handler for, except `SIGKILL`/`SIGSTOP`
 * sent from an ancestor namespace (or the kernel).
 *
 * @param k The kernel.
 * @param sender Sender, or null for the kernel API.
 * @param target Target.
 * @param sig Signal (0 only checks).
 */
export function signalFrom(k: Kernel, sender: Process | null, target: Process, sig: number): void {
  if (sig === 0) return;
  const ns = target.pidNs;
  if (ns.init === target) {
    const handled = typeof target.handlers.get(sig) === "function";
    const fromOutside = !sender || sender.pidNs !== ns && sender.pidNs.contains(ns);
    const forced = fromOutside && (sig === SIG.KILL || sig === SIG.STOP);
    if (!handled && !forced) return;
  }
  sendSignal(k, target, sig);
}

/**
 * `kill(2)` from process `p`: pid > 0 one process, 0 the caller's group, -1 every process
 * it may signal except its namespace's init and itself, < -1 the group -pid. Pids are in
 * the caller's PID namespace.
 *
 * @param k The kernel.
 * @param p Caller.
 * @param pid Target selector.
 * @param sig Signal 0..64.
 * @returns 0, `EINVAL`, `ESRCH` or `EPERM`.
 */
export function killFrom(k: Kernel, p: Process, pid: number, sig: number): 0 | Errno {
  if (!Number.isInteger(sig) || sig < 0 || sig > NSIG) return Errno.EINVAL;
  const ns = p.pidNs;
  let targets: Process[];
  if (pid > 0) {
    const t = ns.procs.get(pid);
    if (!t) return Errno.ESRCH;
    targets = [t];
  } else if (pid === 0 || pid < -1) {
    const group = pid === 0 ? p.pgrp : null;
    targets = [...ns.procs.values()].filter((q) =>
      group ? q.pgrp === group : q.pgrp.nrIn(ns) === -pid
    );
    if (targets.length === 0) return Errno.ESRCH;
  } else if (pid === -1) {
    targets = [...k.procs.values()].filter((q) =>
      q !== p && q.pid.nrIn(ns) !== 0 && !(q.pidNs === ns && ns.init === q)
    );
    if (targets.length === 0) return Errno.ESRCH;
  } else {
    return Errno.ESRCH;
  }
  let sent = 0;
  for (const t of targets) {
    if (!maySignal(p, t)) continue;
    sent++;
    if (t.alive) signalFrom(k, p, t, sig);
  }
  return sent > 0 ? 0 : Errno.EPERM;
}
